"""Provider adapters, one module per vendor, and what adapters share.

Import a channel from its module (``omnilink.providers.twilio``), or build it by name with
:func:`omnilink.channels.create`. Plugin authors use the shared helpers exported here, so an HTTP
error means the same exception on every channel.
"""

from __future__ import annotations

from omnilink.providers._http import basic_auth, error_from_response, parse_retry_after

__all__ = ["basic_auth", "error_from_response", "parse_retry_after"]
