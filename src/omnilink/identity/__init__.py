"""Identity resolution: which records describe the same person.

Batch: :class:`Resolver` canonicalizes identifiers, links records on strong identifiers
(guarded against role mailboxes, shared household numbers and placeholders), finds candidate
pairs by blocking, scores them with Fellegi-Sunter weights learnt by EM from the data itself,
and clusters them under constraints into :class:`Profile` s with stable ids.
:meth:`Resolver.explain` shows the evidence for any pair.

Online: :class:`IdentityGraph` applies the same rules and weights one record at a time,
emits :class:`MergeEvent` s when a record bridges profiles, and can undo a merge.
"""

from __future__ import annotations

from omnilink.identity._fields import FieldType, infer_field_type
from omnilink.identity._graph import AddResult, IdentityGraph
from omnilink.identity._model import FSModel
from omnilink.identity._resolver import Resolver
from omnilink.identity._types import (
    Evidence,
    Explanation,
    Link,
    LinkTable,
    MergeEvent,
    Profile,
    Reject,
    ResolveResult,
)

__all__ = [
    "Resolver",
    "ResolveResult",
    "Profile",
    "Link",
    "LinkTable",
    "Reject",
    "Explanation",
    "Evidence",
    "IdentityGraph",
    "AddResult",
    "MergeEvent",
    "FieldType",
    "FSModel",
    "infer_field_type",
]
