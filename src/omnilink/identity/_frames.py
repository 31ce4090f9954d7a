"""pandas / polars adapters, imported lazily: neither library is needed unless used."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from omnilink.exceptions import MissingDependencyError

__all__ = ["is_frame", "frame_rows", "to_frame"]


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def is_frame(obj: object) -> bool:
    """A pandas or polars DataFrame (checked without importing either)."""
    return _module_of(obj) in ("pandas", "polars") and type(obj).__name__ == "DataFrame"


def frame_rows(frame: Any, *, id_field: str | None) -> Iterable[Mapping[str, Any]]:
    """The rows of a DataFrame as dicts. A pandas index named like the id column becomes that column."""
    if _module_of(frame) == "polars":
        rows: Iterable[Mapping[str, Any]] = frame.iter_rows(named=True)
        return rows
    df = frame
    index_name = getattr(df.index, "name", None)
    if (
        index_name is not None
        and index_name not in df.columns
        and (id_field is None or index_name == id_field)
    ):
        df = df.reset_index()
    # Missing values become None rather than NaN/NaT/pd.NA.
    df = df.astype(object).where(df.notna(), None)
    out: list[Mapping[str, Any]] = df.to_dict("records")
    return out


def to_frame(columns: Mapping[str, list[Any]], kind: str) -> Any:
    """A DataFrame of ``kind`` ("pandas" or "polars") from columns."""
    try:
        mod = importlib.import_module(kind)
    except ImportError:
        raise MissingDependencyError(package=kind, extra=kind, feature=f"ResolveResult.to_{kind}()") from None
    return mod.DataFrame(dict(columns))
