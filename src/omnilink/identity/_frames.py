"""pandas / polars / pyarrow adapters, imported lazily: none of them is needed unless used.

A DataFrame or an Arrow table reaches the resolver as batches of columns (:class:`Columns`):
its values are read column by column, and no row is made (but for a row the column reading
leaves to the row rules).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from typing import Any

from omnilink.exceptions import ConfigurationError, MissingDependencyError

__all__ = [
    "Batches",
    "Columns",
    "arrow_columns",
    "frame_batches",
    "frame_columns",
    "is_frame",
    "repeated_names",
    "to_frame",
]


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def is_frame(obj: object) -> bool:
    """A pandas or polars DataFrame, or a pyarrow Table or RecordBatch (checked without
    importing any of them)."""
    name = type(obj).__name__
    module = _module_of(obj)
    return (module in ("pandas", "polars") and name == "DataFrame") or (
        module == "pyarrow" and name in ("Table", "RecordBatch")
    )


class Columns(Sized):
    """A batch of rows given as columns: each column's values, one per row, in row order."""

    __slots__ = ("_columns", "_n")

    def __init__(self, columns: Mapping[str, list[Any]], n: int) -> None:
        self._columns = columns
        self._n = n

    def __len__(self) -> int:
        return self._n

    @property
    def names(self) -> list[str]:
        return list(self._columns)

    def column(self, name: str) -> list[Any]:
        """The values of column ``name`` (None for a column the batch does not have)."""
        values = self._columns.get(name)
        return [None] * self._n if values is None else values

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a dict (for the rows the column reading leaves to the row rules)."""
        return {name: values[i] for name, values in self._columns.items()}

    def rows(self) -> Sequence[dict[str, Any]]:
        """The rows, each made when it is asked for."""
        return _Rows(self)

    def with_column(self, name: str, values: list[Any]) -> Columns:
        """These rows with one more column (or ``name``'s values replaced)."""
        return Columns({**self._columns, name: values}, self._n)


class _Rows(Sequence[dict[str, Any]]):
    def __init__(self, batch: Columns) -> None:
        self._batch = batch

    def __len__(self) -> int:
        return len(self._batch)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._batch.row(k) for k in range(*i.indices(len(self)))]
        return self._batch.row(i)


class Batches(Iterable[dict[str, Any]]):
    """Rows given as batches of columns (:func:`frame_batches`, the CLI's readers).

    The resolver reads the columns; anything else iterating it gets the rows as dicts.
    """

    def __init__(self, batches: Iterable[Columns], names: list[str]) -> None:
        self.batches = batches
        self.names = names

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for batch in self.batches:
            yield from batch.rows()


def arrow_columns(batch: Any) -> Columns:
    """A pyarrow RecordBatch as :class:`Columns`."""
    names = batch.schema.names
    return Columns({n: batch.column(k).to_pylist() for k, n in enumerate(names)}, batch.num_rows)


def repeated_names(names: Sequence[str]) -> dict[str, list[int]]:
    """The column names given more than once, with their positions (from 1). A row is read as
    {name: value}, so of two columns with one name all but the last would be lost without a
    word: frames and the CLI's files refuse them. Blank names are let through: the empty
    columns a spreadsheet exports have them, and no column type is read from one."""
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        if name.strip():
            positions.setdefault(name, []).append(position)
    return {name: at for name, at in positions.items() if len(at) > 1}


def frame_columns(frame: Any) -> list[str]:
    """The column names of a frame (:func:`is_frame`)."""
    if _module_of(frame) == "pyarrow":
        return [str(c) for c in frame.schema.names]
    return [str(c) for c in frame.columns]


def frame_batches(frame: Any, *, id_field: str | None, size: int) -> Batches:
    """A frame (:func:`is_frame`) as batches of at most ``size`` rows, each as columns; a missing
    value is None (not NaN, NaT or pd.NA); a pandas index named like the id column becomes that
    column."""
    twice = repeated_names(frame_columns(frame))
    if twice:
        raise ConfigurationError(
            f"the frame has more than one column named {', '.join(map(repr, twice))}: rename them "
            "(e.g. email, email_2) so that each is read; both can then be typed with fields="
        )
    module = _module_of(frame)
    if module == "pyarrow":
        batches = frame.to_batches(max_chunksize=size) if hasattr(frame, "to_batches") else [frame]

        def arrow() -> Iterator[Columns]:
            for batch in batches:
                for start in range(0, batch.num_rows, size):
                    yield arrow_columns(batch.slice(start, size))

        return Batches(arrow(), frame_columns(frame))
    if module == "polars":

        def polars() -> Iterator[Columns]:
            for part in frame.iter_slices(n_rows=size):
                yield Columns(
                    {n: s.to_list() for n, s in zip(part.columns, part.get_columns(), strict=True)},
                    part.height,
                )

        return Batches(polars(), frame_columns(frame))
    df = _with_id_index(frame, id_field)

    def pandas() -> Iterator[Columns]:
        for start in range(0, len(df), size):
            part = df.iloc[start : start + size]
            cols = {n: part[n].astype(object).where(part[n].notna(), None).tolist() for n in part.columns}
            yield Columns(cols, len(part))

    return Batches(pandas(), [str(c) for c in df.columns])


def _with_id_index(df: Any, id_field: str | None) -> Any:
    """A pandas index named like the id column (or any named index, without an id column
    given) as a column of its own."""
    index_name = getattr(df.index, "name", None)
    if (
        index_name is not None
        and index_name not in df.columns
        and (id_field is None or index_name == id_field)
    ):
        return df.reset_index()
    return df


def to_frame(columns: Mapping[str, list[Any]], kind: str, *, owner: str = "ResolveResult") -> Any:
    """A DataFrame of ``kind`` ("pandas" or "polars") from columns (for ``owner.to_<kind>()``)."""
    try:
        mod = importlib.import_module(kind)
    except ImportError:
        raise MissingDependencyError(package=kind, extra=kind, feature=f"{owner}.to_{kind}()") from None
    return mod.DataFrame(dict(columns))
