"""Channels: the protocol every provider implements, capabilities, discovery and SMS segments."""

from __future__ import annotations

from omnilink.channels._protocol import (
    Capabilities,
    Channel,
    ChannelKind,
    Delivery,
    LengthPolicy,
    Operation,
    SendFlow,
)
from omnilink.channels._registry import (
    ENTRY_POINT_GROUP,
    ChannelRegistry,
    available,
    create,
    validate_channel,
)
from omnilink.channels._segments import SegmentInfo, sms_segments

__all__ = [
    "ENTRY_POINT_GROUP",
    "Capabilities",
    "Channel",
    "ChannelKind",
    "ChannelRegistry",
    "Delivery",
    "LengthPolicy",
    "Operation",
    "SegmentInfo",
    "SendFlow",
    "available",
    "create",
    "sms_segments",
    "validate_channel",
]
