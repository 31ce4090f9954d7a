"""Public test doubles and the channel conformance suite.

Users test their own code against :class:`FakeChannel` without mocking omnilink; plugin
authors run the conformance suite against their channel (see docs/plugins.md).
"""

from __future__ import annotations

from omnilink.testing._fake import FakeChannel, SentMessage

__all__ = ["FakeChannel", "SentMessage"]
