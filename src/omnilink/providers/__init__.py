"""Provider adapters, one module per vendor. Import a channel from its module, or build it by
name with :func:`omnilink.channels.create`."""

from __future__ import annotations

__all__: list[str] = []
