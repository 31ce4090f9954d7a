"""Public test doubles and the channel conformance suite.

Users test their own code against :class:`FakeChannel` without mocking omnilink; plugin
authors run the conformance suite against their channel (see docs/plugins.md and
:mod:`omnilink.testing.conformance`).
"""

from __future__ import annotations

from omnilink.testing._fake import FakeChannel, SentMessage
from omnilink.testing.conformance import ChannelConformance, ChannelHarness, check_channel

__all__ = ["ChannelConformance", "ChannelHarness", "FakeChannel", "SentMessage", "check_channel"]
