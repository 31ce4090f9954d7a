"""``omnilink resolve``: files in, one profile id per record out, rejects kept with their reason.

The extension of a path decides its format (``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``,
``.json``: an array of objects, ``.parquet``, and ``.xlsx`` as input). A CSV file's delimiter
is read off its header line (``,``, ``;`` as spreadsheets write CSV in much of Europe, a tab
or ``|``).
Rows that cannot even be read (a JSON line that is not an object, a CSV row with the wrong
number of fields) go to the rejects file with their line number; rows the resolver refuses go
there too, with the field and the reason; so does a JSON line that gives a key twice (all its
values are read). Nothing is dropped silently and no row stops the run.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from omnilink.exceptions import ConfigurationError, MissingDependencyError
from omnilink.identity import _normalize
from omnilink.identity._fields import resolve_field_map
from omnilink.identity._frames import Batches, Columns, arrow_columns, repeated_names

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

    import typer
    from rich.console import Console

__all__ = ["ReadReject", "read_input", "read_records", "register", "write_columns"]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}
_READ_ONLY = frozenset({"xlsx"})
"""Formats read and not written: a spreadsheet is what people hand over, not what a run writes."""
_SNIFF_LINES = 50
"""Lines (or sheet rows) read to find where a file's header is (:func:`_lines_before_header`)."""
_BEFORE_HEADER = "a line before the header (a title or a note), not a row"
_DELIMITERS = ",;\t|"
"""The delimiters a CSV file's header is read for, the first winning a tie."""
_PROFILE_COLUMN = "profile_id"
"""The output's second column (the first is the input's id column)."""
_FIELD_LIMIT = 2**31 - 1
"""The longest CSV field read (the largest limit a C long takes everywhere, Windows included):
a field is never too long to read, only to use, which the resolver decides."""


@dataclass(frozen=True, slots=True)
class ReadReject:
    """A row that could not be read at all, or ``rows`` of them from ``line`` on (the rows of a
    damaged Parquet page, one reject for the lot), or a row read otherwise than it was written
    (``rows`` 0: a JSON line giving a key twice)."""

    line: int
    raw: str
    reason: str
    rows: int = 1
    """The rows this reject stands for, which the run's count of rejected rows adds up."""
    field: str | None = None
    """The column it is about, when it is about one (a JSON key given twice)."""


def _gzipped(path: Path) -> bool:
    """Whether ``path`` names a gzip-compressed text file (``contacts.csv.gz``)."""
    return path.suffix.lower() == ".gz"


_TEXT_FORMATS = frozenset({"csv", "tsv", "jsonl", "json"})
"""The formats that may come gzip-compressed: Parquet and workbooks compress inside already."""


def _format(path: Path) -> str:
    """The format a path's extension names; ``.gz`` after a text format's (``.csv.gz``,
    ``.jsonl.gz``) is that format, compressed."""
    gzipped = _gzipped(path)
    fmt = _FORMATS.get((Path(path.stem) if gzipped else path).suffix.lower())
    if fmt is None or (gzipped and fmt not in _TEXT_FORMATS):
        raise ConfigurationError(
            f"cannot tell the format of {str(path)!r} from its extension; use one of "
            f"{', '.join(_FORMATS)} (the text formats also gzip-compressed: .csv.gz)"
        )
    return fmt


def _open_text(path: Path, mode: str, **kwargs: Any) -> IO[str]:
    """``path`` opened as text (``mode`` "r" or "w"), through gzip for a ``.gz`` path."""
    if _gzipped(path):
        return cast("IO[str]", gzip.open(path, mode + "t", **kwargs))
    return path.open(mode, **kwargs)


def read_records(path: Path, rejects: list[ReadReject]) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``path`` as dicts; rows that cannot be read are appended to ``rejects``."""
    yield from read_input(path, rejects)


def read_input(
    path: Path,
    rejects: list[ReadReject],
    *,
    size: int | None = None,
    on_rows: Callable[[int], None] | None = None,
    on_end: Callable[[], None] | None = None,
    encoding: str = "utf-8",
    sheet: str | None = None,
    line_column: str | None = None,
) -> Iterable[dict[str, Any]]:
    """The rows of ``path``, read as :meth:`Resolver.resolve <omnilink.identity.Resolver.resolve>`
    reads them fastest; rows that cannot be read are appended to ``rejects`` as they are met.

    CSV and Parquet come as batches of ``size`` rows given as columns (iterating them still
    gives dicts): the resolver canonicalizes a column at a time and no dict is made per row,
    which at a million rows is a gigabyte not held and seconds not spent. JSON lines and the
    elements of a ``.json`` array may each have their own keys, so they come as dicts. Nothing
    is read until the rows are iterated (but a ``.json`` file, parsed whole; the resolver
    streams them); ``on_rows`` is called with the count of each batch or row
    read and ``on_end`` once the last has been, for a progress bar. ``encoding`` is a CSV
    file's (JSON is UTF-8); a value with bytes it has no character for is rejected. ``sheet``
    is a workbook's sheet, by name or number from 1 (the first by default). Lines before a
    CSV's or a sheet's header (a report's title) are skipped and noted in ``rejects``.
    With ``line_column``, each row also holds its line in that column: the number a reject of
    the row would carry (a CSV line, counted from the file's first; a sheet's row; a Parquet row
    or a JSON line from 1; an element's position in a ``.json`` array).

    Raises :class:`~omnilink.exceptions.ConfigurationError` when the file as a whole cannot be
    read: its extension names no format, it is no Parquet file (empty, cut short, another
    format), or two of its columns have the same name. Parquet rows that cannot be read past
    that point are rejects, by row number.
    """
    fmt = _format(path)
    size = size or _normalize._BATCH  # read at each call: tests lower it
    if fmt == "jsonl":
        return _counted(_jsonl_rows(path, rejects, line_column), _one_row, on_rows, on_end)
    if fmt == "json":
        return _counted(_json_array_rows(path, rejects, line_column), _one_row, on_rows, on_end)
    if fmt in ("csv", "tsv"):
        _check_encoding(encoding)
        delimiter, skip = _csv_layout(path, encoding, "\t" if fmt == "tsv" else None, rejects)
        header = _unique(path, _csv_header(path, delimiter, encoding, skip))
        batches: Iterable[Columns] = _csv_batches(
            path, header, rejects, size, delimiter, encoding, skip, line_column
        )
    elif fmt == "xlsx":
        skip, first = _xlsx_layout(path, rejects, sheet)
        header = _unique(path, first)
        batches = _xlsx_batches(path, header, rejects, size, skip, sheet, line_column)
    else:
        header = _unique(path, _parquet_header(path))
        batches = _parquet_batches(path, size, rejects, line_column)
    if line_column is not None:
        header = [*header, line_column]
    return Batches(_counted(batches, len, on_rows, on_end), header)


def _unique(path: Path, header: list[str]) -> list[str]:
    """``header``, refused if it names two columns alike (:func:`repeated_names`)."""
    twice = repeated_names(header)
    if twice:
        name, (first, second, *_) = next(iter(twice.items()))  # the first one is enough to say
        raise ConfigurationError(
            f"{str(path)!r} has two columns named {name!r} (columns {first} and {second}); "
            "rename one of them (a row's values are read by column name)"
        )
    return header


_T = TypeVar("_T")


def _one_row(_row: object) -> int:
    return 1


def _counted(
    items: Iterable[_T],
    rows_in: Callable[[_T], int],
    on_rows: Callable[[int], None] | None,
    on_end: Callable[[], None] | None,
) -> Iterator[_T]:
    """``items`` (rows, or batches of rows), reporting the rows each holds and the end."""
    for item in items:
        if on_rows is not None:
            on_rows(rows_in(item))
        yield item
    if on_end is not None:
        on_end()


def _check_encoding(encoding: str) -> None:
    """Raise :class:`~omnilink.exceptions.ConfigurationError` unless ``encoding`` names a codec."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigurationError(
            f"unknown encoding {encoding!r}: give a Python codec name (utf-8, cp1252, latin-1...)"
        ) from None


def _csv_open(path: Path, encoding: str = "utf-8") -> IO[str]:
    # surrogateescape keeps bytes the encoding has no character for as lone surrogates, so the
    # row survives reading and the resolver reports the offending field instead of the whole
    # file failing. utf-8-sig drops the byte order mark Excel writes first, which would
    # otherwise be part of the first column's name ("\ufeffid": no id column, every record id
    # lost).
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    return _open_text(path, "r", newline="", encoding=encoding, errors="surrogateescape")


def _delimiter(path: Path, encoding: str) -> str:
    """The delimiter of a CSV file whose header is its first line (see :func:`_csv_layout`)."""
    with _csv_open(path, encoding) as fh:
        return _delimiter_of(fh.readline())


def _delimiter_of(line: str) -> str:
    """Of :data:`_DELIMITERS`, the one a header line holds most of outside quotes; a comma when
    it holds none (a one-column file)."""
    bare = "".join(line.split('"')[::2])  # what is outside quotes
    counts = [bare.count(d) for d in _DELIMITERS]
    return _DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def _csv_layout(path: Path, encoding: str, fixed: str | None, rejects: list[ReadReject]) -> tuple[str, int]:
    """A CSV file's delimiter (``fixed``, or read off its header line) and the number of lines
    before its header: a report's title and notes ("Contacts report", "Exported 2024-05-01"),
    as CRM and spreadsheet exports write them (:func:`_lines_before_header`). Each such line
    that is not blank is noted in ``rejects`` (a line, not a row: it counts in no row total).
    A first line ``sep=;`` (Excel's way of naming the delimiter) names it, and is skipped."""
    with _csv_open(path, encoding) as fh:
        lines = [line.rstrip("\r\n") for line in itertools.islice(fh, _SNIFF_LINES)]
    if lines and len(lines[0]) == 5 and lines[0][:4].lower() == "sep=":
        # Excel's own first line naming the delimiter ("sep=;"): a directive, not a title.
        return fixed or lines[0][4], 1
    skip = 0
    for d in (fixed,) if fixed else _DELIMITERS:
        skip = _lines_before_header(
            [len(_bare(line).split(d)) if line.strip() else 0 for line in lines], short=2
        )
        if skip:
            break
    for number, line in enumerate(lines[:skip], start=1):
        if line.strip():
            rejects.append(ReadReject(number, _raw_line([line]), _BEFORE_HEADER, rows=0))
    return fixed or _delimiter_of(lines[skip] if skip < len(lines) else ""), skip


def _bare(line: str) -> str:
    """A line's text outside quotes."""
    return "".join(line.split('"')[::2])


def _lines_before_header(counts: Sequence[int], *, short: int) -> int:
    """How many of the first lines (or sheet rows) are a title before the header, given each
    one's count of fields (or of filled cells; 0 for a blank one): the leading lines of
    ``short`` or fewer, one of them blank or a single field (a title), when a line of three or
    more follows and most lines after it are wider than ``short`` too. 0 when the first line is
    as wide (the usual file), the lines never widen (a one- or two-column file), or the lines
    before are all two fields wide (a two-column file whose later rows are malformed): nothing
    is skipped on a guess."""
    k = 0
    while k < len(counts) and counts[k] <= short:
        k += 1
    if k == 0 or k >= len(counts) or counts[k] < 3 or min(counts[:k]) > 1:
        return 0
    rest = counts[k + 1 :]
    return k if rest and sum(c > short for c in rest) * 2 > len(rest) else 0


@contextmanager
def _wide_fields() -> Iterator[None]:
    """Lift the csv module's limit on a field's length (131,072 characters) while a reader parses.

    A longer field would stop the run with ``csv.Error``; read in full, it reaches the resolver,
    which rejects it as too long (``max_field_length``) and keeps the row. The limit is global to
    the process, so it is lifted only while our reader parses and put back before control leaves
    (each batch is yielded with the caller's limit in place).
    """
    old = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_header(path: Path, delimiter: str, encoding: str, skip: int = 0) -> list[str]:
    with _csv_open(path, encoding) as fh, _wide_fields():
        reader = csv.reader(itertools.islice(fh, skip, None), delimiter=delimiter)
        return next(reader, [])


def _csv_batches(
    path: Path,
    header: list[str],
    rejects: list[ReadReject],
    size: int,
    delimiter: str,
    encoding: str,
    skip: int = 0,
    line_column: str | None = None,
) -> Iterator[Columns]:
    """The rows after the header (which follows ``skip`` lines), ``size`` at a time, as columns (a
    row with the wrong number of fields is a reject, with its line number; with ``line_column``,
    each row's line is a column: the last of a row whose quoted field holds a line break, as a
    reject's is)."""
    width = len(header)
    lines: list[int] | None = None
    with _csv_open(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        with _wide_fields():
            for _ in range(skip):  # (one line each: the title lines hold no line break in quotes)
                next(reader, None)
            if next(reader, None) is None:
                return
        while True:
            if line_column is not None:
                lines = []
            with _wide_fields():
                rows = _csv_take(reader, width, size, rejects, lines)
            if rows:
                batch = _columns(header, rows)
                if line_column is not None and lines is not None:
                    batch = batch.with_column(line_column, lines)
                yield batch
            if len(rows) < size:  # the reader is exhausted
                return


def _csv_take(
    reader: CsvReader, width: int, size: int, rejects: list[ReadReject], lines: list[int] | None = None
) -> list[list[str | bytes]]:
    """The next ``size`` rows of ``reader`` (fewer at its end); the rows it cannot give are
    rejects. The line of each row given is appended to ``lines``, when given."""
    rows: list[list[str | bytes]] = []
    while True:
        # The loop is restarted after an error instead of a try around each row: a row costs
        # the same as without one. The reader starts over on the line after the one it failed on.
        try:
            for row in reader:
                if len(row) != width:
                    if not any(cell.strip() for cell in row):
                        rejects.append(ReadReject(reader.line_num, _raw_line(row), "empty row"))
                        continue
                    rejects.append(
                        ReadReject(reader.line_num, _raw_line(row), f"{len(row)} fields, header has {width}")
                    )
                    continue
                rows.append([cell if cell.isascii() else _restore_bytes(cell) for cell in row])
                if lines is not None:
                    lines.append(reader.line_num)
                if len(rows) == size:
                    return rows
            return rows
        except csv.Error as exc:
            rejects.append(ReadReject(reader.line_num, "", f"cannot be read as CSV: {exc}"))


def _columns(header: list[str], rows: list[list[str | bytes]]) -> Columns:
    # A repeated header name (a blank one: read_input refuses the others) keeps its last column,
    # as a dict made of the row would.
    return Columns(
        {name: list(values) for name, values in zip(header, zip(*rows, strict=True), strict=True)}, len(rows)
    )


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError as exc:
        raise MissingDependencyError(package="openpyxl", extra="excel", feature="Excel workbooks") from exc
    return openpyxl


@contextmanager
def _xlsx_rows(path: Path, sheet: str | None = None) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of a workbook's sheet (``sheet``: its name, or its number from 1; the first by
    default), as tuples of cell values (typed: numbers, dates)."""
    openpyxl = _openpyxl()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, InvalidFileException, a missing part...
        raise ConfigurationError(
            f"cannot read {str(path)!r} as an Excel workbook ({type(exc).__name__}: {exc}); give a "
            ".xlsx file, or save the sheet as CSV"
        ) from None
    try:
        yield _sheet(book, sheet, path).iter_rows(values_only=True)
    finally:
        book.close()


def _sheet(book: Any, sheet: str | None, path: Path) -> Any:
    if sheet is None:
        return book.worksheets[0]
    if sheet in book.sheetnames:
        return book[sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(book.worksheets):
        return book.worksheets[int(sheet) - 1]
    raise ConfigurationError(
        f"{str(path)!r} has no sheet {sheet!r}: its sheets are {', '.join(map(repr, book.sheetnames))} "
        f"(or give a number from 1 to {len(book.worksheets)})"
    )


def _xlsx_layout(path: Path, rejects: list[ReadReject], sheet: str | None = None) -> tuple[int, list[str]]:
    """The number of rows before a sheet's header (a report's title and notes, each in one
    cell: :func:`_lines_before_header`, noted in ``rejects`` as :func:`_csv_layout` notes lines),
    and the header's names."""
    with _xlsx_rows(path, sheet) as rows:
        head = list(itertools.islice(rows, _SNIFF_LINES))
    filled = [[cell for cell in row if not _blank(cell)] for row in head]
    skip = _lines_before_header([len(cells) for cells in filled], short=1)
    for number, cells in enumerate(filled[:skip], start=1):
        if cells:
            rejects.append(ReadReject(number, " ".join(map(str, cells)), _BEFORE_HEADER, rows=0))
    names = head[skip] if skip < len(head) else ()
    return skip, ["" if cell is None else str(cell).strip() for cell in names]


def _blank(cell: Any) -> bool:
    return cell is None or (type(cell) is str and not cell.strip())


def _xlsx_batches(
    path: Path,
    header: list[str],
    rejects: list[ReadReject],
    size: int,
    skip: int = 0,
    sheet: str | None = None,
    line_column: str | None = None,
) -> Iterator[Columns]:
    """The first sheet's rows after the header (which follows ``skip`` rows), ``size`` at a time,
    as columns; a row with no value is a reject, "empty row", with its row number (as a blank
    CSV line is). With ``line_column``, that row number is a column."""
    width = len(header)
    if line_column is not None:
        header = [*header, line_column]
    with _xlsx_rows(path, sheet) as rows:
        for _ in range(skip + 1):
            next(rows, None)
        batch: list[list[Any]] = []
        for number, row in enumerate(rows, start=skip + 2):
            if all(_blank(cell) for cell in row):
                rejects.append(ReadReject(number, "", "empty row"))
                continue
            cells = list(row[:width])
            cells += [None] * (width - len(cells))
            if line_column is not None:
                cells.append(number)
            batch.append(cells)
            if len(batch) == size:
                yield _columns(header, batch)
                batch = []
        if batch:
            yield _columns(header, batch)


def _parquet_header(path: Path) -> list[str]:
    pq = _pyarrow_parquet()
    import pyarrow as pa

    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise ConfigurationError(
            f"cannot read {str(path)!r} as Parquet ({exc}); give a whole Parquet file, or the extension "
            "of its format (.csv, .jsonl)"
        ) from None
    return [str(name) for name in names]


def _parquet_batches(
    path: Path, size: int, rejects: list[ReadReject], line_column: str | None = None
) -> Iterator[Columns]:
    """The rows, ``size`` at a time, as columns. Rows that cannot be read (a damaged page) are a
    reject, by row number, up to the end of their row group; the reading goes on after it. With
    ``line_column``, each row's number is a column."""
    pq = _pyarrow_parquet()
    import pyarrow as pa

    def numbered(columns: Columns, first: int) -> Columns:
        if line_column is None:
            return columns
        return columns.with_column(line_column, list(range(first, first + len(columns))))

    with pq.ParquetFile(path) as parquet:
        done = 0  # rows read
        try:
            for batch in parquet.iter_batches(batch_size=size):
                columns = numbered(arrow_columns(batch), done + 1)
                done += len(columns)
                yield columns
            return
        except (pa.ArrowException, OSError):
            pass
        # Arrow stops at the damage, and a batch spans row groups, the unit a Parquet file can
        # be read from: read on a row group at a time, from the one holding the first row not
        # read, and report the rows of a row group that fails from there to its end.
        meta = parquet.metadata
        start = 0
        for group in range(meta.num_row_groups):
            end = start + meta.row_group(group).num_rows
            if end > done:
                skip = done - start  # rows of this row group read before the damage
                try:
                    for batch in parquet.iter_batches(batch_size=size, row_groups=[group]):
                        if skip >= batch.num_rows:
                            skip -= batch.num_rows
                            continue
                        columns = numbered(arrow_columns(batch.slice(skip) if skip else batch), done + 1)
                        skip = 0
                        done += len(columns)
                        yield columns
                except (pa.ArrowException, OSError) as exc:
                    reason = f"rows {done + 1}-{end} cannot be read as Parquet: {exc}"
                    rejects.append(ReadReject(done + 1, "", reason, rows=end - done))
                    done = end
            start = end


_Repeats = list[tuple[dict[str, Any], dict[str, tuple[int, int]]]]
"""The objects of a JSON line that give a key more than once, as :func:`_object` reads them, each
with its keys given more than once -> (the times given, the distinct values kept)."""


def _object(repeats: _Repeats, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, keeping every value of a key given more than once (``json`` keeps the last).

    Such a key holds the list of its distinct values, in the order given, a value that is a
    list giving its items (as ``{"email": ["a@x.org", "b@y.org"]}`` would: the resolver reads a
    list's items one by one), or the one value when all are equal; the object is added to
    ``repeats``, for the line to be reported.

    A hook on every object, as only ``json`` sees a key twice: it adds some 8% to the reading of
    a line (0.35 µs; 200,000 generated contacts), most of it ``json`` building the list of pairs.
    Parsing without it and again with it only where a line has more colons than keys was no
    cheaper on contact data, and made the reading of lines holding a time (``10:00:00``) 1.8
    times as slow.
    """
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    given: dict[str, list[Any]] = {}
    for key, value in pairs:
        given.setdefault(key, []).append(value)
    repeated: dict[str, tuple[int, int]] = {}
    for key, values in given.items():
        if len(values) == 1:
            continue
        kept: list[Any] = []
        for value in values:
            for item in value if isinstance(value, list) else (value,):
                # Compared with its type: 1, 1.0 and true are equal in Python, not in the line.
                if not any(type(k) is type(item) and k == item for k in kept):
                    kept.append(item)
        obj[key] = kept[0] if len(kept) == 1 else kept
        repeated[key] = (len(values), len(kept))
    repeats.append((obj, repeated))
    return obj


def _jsonl_rows(
    path: Path, rejects: list[ReadReject], line_column: str | None = None
) -> Iterator[dict[str, Any]]:
    # A decoder per file, made once (json.loads(text, object_pairs_hook=...) makes one per call,
    # which costs more than the hook), whose hook tells this file's lines of repeated keys.
    repeats: _Repeats = []
    decode = json.JSONDecoder(object_pairs_hook=functools.partial(_object, repeats)).decode
    with gzip.open(path, "rb") if _gzipped(path) else path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            if repeats:  # left by a line rejected below: the hook's list holds this line's only
                repeats.clear()
            # A byte order mark, which json.loads of bytes skipped and of text refuses: on the
            # first line, or on any line of files written with one each and concatenated.
            raw = raw.removeprefix(codecs.BOM_UTF8)
            text, clean = _json_text(raw)
            try:
                obj = decode(text)
            except json.JSONDecodeError as exc:
                rejects.append(ReadReject(line_no, _shown(raw), f"invalid JSON: {exc}"))
                continue
            if not isinstance(obj, dict):
                rejects.append(ReadReject(line_no, _shown(raw), "a JSON line must be an object"))
                continue
            if repeats:
                # The objects in the line come first, the line's own last; a nested object's key
                # is named by its path, as its column is (traits.email).
                paths = {id(obj): ""} if len(repeats) == 1 and repeats[0][0] is obj else _paths(obj)
                for inner, repeated in repeats:
                    rejects += _repeat_notes(line_no, _shown(raw), paths.get(id(inner), ""), repeated)
                repeats.clear()
            yield _json_record(obj, clean, line_column, line_no)


def _json_text(raw: bytes) -> tuple[str, bool]:
    """JSON bytes as text, and whether that text is clean: no byte that is not UTF-8 (kept, as
    for CSV, as a lone surrogate that goes back to bytes in :func:`_json_record`, so the
    resolver rejects that field and not the record) and no ``\\ud800``-``\\udfff`` escape (which
    can give a lone surrogate, no text either)."""
    try:
        return raw.decode("utf-8"), b"\\ud" not in raw and b"\\uD" not in raw
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape"), False


def _json_record(obj: dict[str, Any], clean: bool, line_column: str | None, line: int) -> dict[str, Any]:
    """A parsed JSON object as a row: its texts that are not UTF-8 as bytes, its nested objects'
    values as path columns (:func:`_flat`), and its ``line`` in ``line_column`` when given."""
    if not clean:
        obj = {key: _restore_all(value) for key, value in obj.items()}
    row = _flat(obj) if any(type(value) is dict for value in obj.values()) else obj
    if line_column is not None:
        row[line_column] = line
    return row


def _repeat_notes(
    line: int, shown: str, prefix: str, repeated: dict[str, tuple[int, int]]
) -> list[ReadReject]:
    """The notes for an object that gave keys more than once (:func:`_object`): its keys named by
    the object's path in the line (``traits.``), at ``line`` (rows 0: the record was read)."""
    notes = []
    for key, (times, kept) in repeated.items():
        how = "with one value, read once" if kept == 1 else "all its values read, as one list"
        reason = f"key {prefix + key!r} given {times} times: {how}"
        notes.append(ReadReject(line, shown, reason, rows=0, field=prefix + key))
    return notes


def _json_array_rows(
    path: Path, rejects: list[ReadReject], line_column: str | None = None
) -> Iterator[dict[str, Any]]:
    """The objects of a ``.json`` file: an array of them, as exports and APIs write records
    (``pandas.DataFrame.to_json(orient="records")``), or an object whose one array of objects
    holds them (``{"contacts": [...], "paging": {...}}``). The file is read whole, and at once,
    so that a file that holds no such array is refused before the run (for millions of rows,
    JSON lines stream). A reject's line is the element's position in the array, from 1: an
    element that is no object, or one that gives a key twice (all its values read, as in JSON
    lines)."""
    repeats: _Repeats = []
    decode = json.JSONDecoder(object_pairs_hook=functools.partial(_object, repeats)).decode
    with gzip.open(path, "rb") if _gzipped(path) else path.open("rb") as fh:
        text, clean = _json_text(fh.read().removeprefix(codecs.BOM_UTF8))
    try:
        data = decode(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{str(path)!r} is not JSON: {exc}") from None
    items = _records_array(data)
    if items is None:
        raise ConfigurationError(
            f"{str(path)!r} holds no array of objects: a .json file holds one ([{{...}}, ...]) or "
            'an object with one ({"contacts": [...]}); for one object per line, name it .jsonl'
        )
    said: dict[int, list[ReadReject]] = {}
    if repeats:  # which element, and where in it, each object that gave a key twice is
        where = {
            oid: (k, prefix) for k, item in enumerate(items, start=1) for oid, prefix in _paths(item).items()
        }
        for inner, repeated in repeats:
            # Not in an element: the object around the array (or one beside it), position 0.
            position, prefix = where.get(id(inner), (0, ""))
            around = items[position - 1] if position else inner
            shown = json.dumps(around, ensure_ascii=False, default=str)[:200]
            said.setdefault(position, []).extend(_repeat_notes(position, shown, prefix, repeated))
    return _json_items(items, said, clean, rejects, line_column)


def _json_items(
    items: list[Any],
    said: dict[int, list[ReadReject]],
    clean: bool,
    rejects: list[ReadReject],
    line_column: str | None,
) -> Iterator[dict[str, Any]]:
    """:func:`_json_array_rows`'s records, their rejects appended as they are met (those of the
    object around the array first)."""
    rejects.extend(said.get(0, ()))
    for position, item in enumerate(items, start=1):
        if type(item) is not dict:
            shown = json.dumps(item, ensure_ascii=False, default=str)[:200]
            rejects.append(ReadReject(position, shown, "an element of the array must be an object"))
            continue
        rejects.extend(said.get(position, ()))
        yield _json_record(item, clean, line_column, position)


def _records_array(data: Any) -> list[Any] | None:
    """The array of records a parsed ``.json`` file holds (see :func:`_json_array_rows`)."""
    if type(data) is list:
        return data
    if type(data) is dict:
        # Its one array; or of several, its one array of objects only ("errors": [] beside).
        arrays = [v for v in data.values() if type(v) is list]
        if len(arrays) > 1:
            arrays = [v for v in arrays if all(type(x) is dict for x in v)]
        if len(arrays) == 1:
            return arrays[0]
    return None


def _paths(value: Any, prefix: str = "", out: dict[int, str] | None = None) -> dict[int, str]:
    """The path prefix of every object in a parsed line, by ``id`` ("" for the line, "traits."
    for its traits; an object in a list has the list's path)."""
    if out is None:
        out = {}
    if type(value) is dict:
        out[id(value)] = prefix
        for key, item in value.items():
            _paths(item, f"{prefix}{key}.", out)
    elif type(value) is list:
        for item in value:
            _paths(item, prefix, out)
    return out


def _flat(obj: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON object with its nested objects' values as columns named by their path: an event's
    ``{"traits": {"email": ...}}`` gives ``traits.email``, which the field inference reads as an
    email (as Segment's identify calls carry a person). A path that is also a key of the line
    keeps the first value met."""
    if out is None:
        out = {}
    for key, value in obj.items():
        if type(value) is dict:
            _flat(value, f"{prefix}{key}.", out)
        else:
            out.setdefault(f"{prefix}{key}", value)
    return out


def _shown(raw: bytes) -> str:
    """A JSON line as its reject shows it: without its line ending (a CSV rejects file had held
    it as a quoted field running over two lines), its first 200 characters."""
    if raw.endswith(b"\n"):
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    return raw.decode("utf-8", "replace")[:200]


def _restore_all(value: Any) -> Any:
    """``value`` with each text in it that holds non-UTF-8 bytes (as lone surrogates) given as
    those bytes, in lists and objects too (the resolver reads a list's items one by one)."""
    if isinstance(value, str):
        return value if value.isascii() else _restore_bytes(value)
    if isinstance(value, list):
        return [_restore_all(item) for item in value]
    if isinstance(value, dict):
        return {key: _restore_all(item) for key, item in value.items()}
    return value


def _restore_bytes(cell: str) -> str | bytes:
    """A cell holding non-UTF-8 bytes goes to the resolver as those bytes, which it rejects per field.

    Those bytes were read as lone surrogates (surrogateescape); a lone surrogate that stands for
    no byte read (JSON's ``"\\ud800"``) goes as its UTF-8-like form, which is not UTF-8 either:
    the resolver rejects the value, or replaces an id, as it does bytes that are not UTF-8.
    """
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return cell.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return cell.encode("utf-8", "surrogatepass")
    return cell


def _raw_line(cells: list[str]) -> str:
    """A CSV row that cannot be used, as the rejects file shows it: a byte that is not UTF-8 as ``\\xff``."""
    line = ",".join(cells)
    if line.isascii():
        return line
    raw = _restore_bytes(line)
    return raw if isinstance(raw, str) else raw.decode("utf-8", "backslashreplace")


def write_columns(path: Path, columns: Mapping[str, Sequence[Any]]) -> None:
    """Write ``columns`` (name -> one value per row) in the format ``path``'s extension names.

    Columns, not a dict per row: the output has a row per record, a million of them for a
    large file. A missing value (None) is an empty CSV cell, a JSON null, a Parquet null; any
    other value that is not text is written as its ``str``, in JSON too when it has no JSON number
    (``inf``, ``-inf``, ``nan``, which ``json`` writes as ``Infinity``/``NaN``: no JSON at all).
    The file is UTF-8 whatever the text: a lone surrogate (no character; how Python keeps a
    byte that is not UTF-8) is written escaped, ``\\udcff`` (in a JSON string, an escape that
    reads back as the same text).
    """
    fmt = _format(path)
    if len({len(col) for col in columns.values()}) > 1:
        lengths = {n: len(c) for n, c in columns.items()}
        raise ValueError(f"columns of different lengths: {lengths}")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    if fmt in ("csv", "tsv"):
        with _open_text(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as fh:
            writer = csv.writer(fh, delimiter="\t" if fmt == "tsv" else ",")
            writer.writerow(names)
            writer.writerows(rows)
    elif fmt in ("jsonl", "json"):
        # JSON lines: an object a line. A .json file: an array of them, an element a line.
        array = fmt == "json"
        with _open_text(path, "w", encoding="utf-8", errors="backslashreplace") as fh:
            if array:
                fh.write("[")
            for k, row in enumerate(rows):
                record = dict(zip(names, row, strict=True))
                try:
                    line = json.dumps(record, default=str, ensure_ascii=False, allow_nan=False)
                except ValueError:  # a float JSON has no number for; looked for only then
                    line = json.dumps(_finite(record), default=str, ensure_ascii=False)
                fh.write(("\n" if k == 0 else ",\n") + line if array else line + "\n")
            if array:
                fh.write("\n]\n")
    else:
        pq = _pyarrow_parquet()
        import pyarrow as pa

        text = {n: [v if v is None or type(v) is str else str(v) for v in col] for n, col in columns.items()}
        pq.write_table(pa.table({n: _arrow_text(pa, col) for n, col in text.items()}), path)


def _finite(value: Any) -> Any:
    """``value`` with each float that is not finite (in lists and objects too) as its ``str``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _arrow_text(pa: Any, column: list[str | None]) -> Any:
    """``column`` as an Arrow string array, a lone surrogate written escaped as in CSV and JSON."""
    try:
        return pa.array(column, type=pa.string())
    except UnicodeEncodeError:  # Arrow holds UTF-8 only; looked for after the fact, as it is rare
        return pa.array(
            [v if v is None else v.encode("utf-8", "backslashreplace").decode("utf-8") for v in column],
            type=pa.string(),
        )


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingDependencyError(package="pyarrow", extra="parquet", feature="Parquet files") from exc
    return pq


def _check_formats(paths: Mapping[str, Path | None]) -> None:
    """Refuse, before anything is read, a path whose extension names no format (or, for an
    output, one that is only read), or Parquet without pyarrow or a workbook without openpyxl:
    an output noticed only when written comes after the whole run."""
    import typer

    formats: set[str] = set()
    for option, path in paths.items():
        if path is None:
            continue
        try:
            fmt = _format(path)
        except ConfigurationError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from None
        if option != "INPUT" and fmt in _READ_ONLY:
            raise typer.BadParameter(
                f"{str(path)!r}: .{fmt} is read, not written; write .csv, .tsv, .jsonl, .json or .parquet",
                param_hint=option,
            )
        formats.add(fmt)
    try:
        if "parquet" in formats:
            _pyarrow_parquet()
        if "xlsx" in formats:
            _openpyxl()
    except MissingDependencyError as exc:
        raise typer.BadParameter(str(exc)) from None


def _check_distinct(paths: Mapping[str, Path | None], *, rejects_given: bool) -> None:
    """Refuse, before anything is read, two of ``paths`` (option -> path) that are one file: the
    file written last would replace the other without a word, or replace the input itself.

    Paths are compared resolved (``./out.csv``, ``out.csv`` and a symlink to it are one file),
    and, when both exist, as files (a hard link; a case-insensitive file system's ``OUT.csv``).
    """
    import typer

    def name(option: str) -> str:
        if option == "--rejects" and not rejects_given:
            return "the default rejects file (OUTPUT.rejects.EXT)"
        return option

    seen: dict[str, tuple[Path, Path]] = {}  # option -> (path, resolved path)
    for option, path in paths.items():
        if path is None:
            continue
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop: RuntimeError before 3.13, OSError after
            raise typer.BadParameter(
                f"{str(path)!r} cannot be followed to a file ({exc}); give {option} another path",
                param_hint=option,
            ) from None
        for other, (other_path, other_real) in seen.items():
            if real != other_real and not _same_file(path, other_path):
                continue
            if other == "INPUT":
                said = f"{name(option)} would be written over INPUT, {str(other_path)!r}"
            else:
                said = (
                    f"{name(other)} and {name(option)} are one file, {str(path)!r}, and the one "
                    "written last would replace the other"
                )
            if option == "--rejects" and not rejects_given:
                fix = "give --rejects a path of its own, or --output another name"
            else:
                fix = f"give {option} another path"
            raise typer.BadParameter(f"{said}; {fix}", param_hint=[other, option])
        seen[option] = (path, real)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (yet): the resolved paths were compared
        return False


def _peek_columns(rows: Iterable[dict[str, Any]]) -> tuple[list[str], Iterable[dict[str, Any]]]:
    """The column names of :func:`read_input`'s rows, as the resolver infers its field map from
    them (a table's header, or the keys of the first 1,000 JSON objects), and the rows, whole."""
    from omnilink.identity._resolver import HEAD_ROWS, head_columns  # (the resolver: imported when run)

    if isinstance(rows, Batches):
        return rows.names, rows
    it = iter(rows)
    head = list(itertools.islice(it, HEAD_ROWS))
    return list(head_columns(head)), itertools.chain(head, it)


def _id_column(columns: list[str], fields: Mapping[str, str]) -> tuple[str, str | None]:
    """The column that identifies a row, as :class:`~omnilink.identity.Resolver` infers it
    (named like an id: ``id``, ``ID``, ``Record ID``; or typed ``id`` by ``--field``), and None;
    or, when there is none, a column the reader adds holding each row's line, and its name
    (``line``, the name the rejects file gives a row's line, unless a column has it)."""
    ident, _ = resolve_field_map(columns, fields or None, id_field=None)
    if ident in columns:
        return ident, None
    taken = set(columns) | set(fields)
    name, k = "line", 1
    while name in taken:
        k += 1
        name = f"line_{k}"
    return name, name


def _rejects_path(output: Path) -> Path:
    """``OUTPUT.rejects.EXT``: out.csv gives out.rejects.csv, out.csv.gz out.rejects.csv.gz."""
    if _gzipped(output):
        inner = Path(output.stem)
        return output.with_name(f"{inner.stem}.rejects{inner.suffix}{output.suffix}")
    return output.with_name(f"{output.stem}.rejects{output.suffix}")


def register(app: typer.Typer, console: Console, *, command: type[Any] | None = None) -> None:
    """Add the ``resolve`` command to the typer ``app`` (``command``: the app's command class)."""
    import typer
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from omnilink.identity import Resolver

    @app.command(cls=command)
    def resolve(
        input: Path = typer.Argument(  # noqa: A002
            ..., exists=True, dir_okay=False, metavar="INPUT", help="CSV, TSV, JSONL, Parquet or .xlsx file"
        ),
        output: Path = typer.Option(..., "--output", "-o", help="where to write id + profile_id"),
        id_column: str | None = typer.Option(
            None,
            "--id-column",
            help="the column that identifies a row (default: the one named like an id, e.g. id, "
            "ID, record_id; without one, each row's line)",
        ),
        field: list[str] = typer.Option([], "--field", help="COLUMN=TYPE, repeatable (default: inferred)"),
        region: str | None = typer.Option(None, "--region", help="default phone region, e.g. US"),
        region_column: str | None = typer.Option(
            None, "--region-column", help="per-row region column (e.g. a country code); wins over --region"
        ),
        threshold: float | None = typer.Option(None, "--threshold", help="match probability needed to link"),
        rejects: Path | None = typer.Option(None, "--rejects", help="default: OUTPUT.rejects.EXT"),
        links: Path | None = typer.Option(
            None, "--links", help="also write why records were joined: a, b, score, probability, reason"
        ),
        encoding: str = typer.Option(
            "utf-8", "--encoding", help="a CSV or TSV file's text encoding, e.g. cp1252 for Windows exports"
        ),
        sheet: str | None = typer.Option(
            None, "--sheet", help="a workbook's sheet to read, by name or number from 1 (default: the first)"
        ),
    ) -> None:
        """Resolve the records of INPUT into profiles; write each record's profile id to OUTPUT."""
        started = time.perf_counter()
        if id_column == _PROFILE_COLUMN:
            # The output is the id column and the profile id column: under one name, a dict of
            # columns (and any reader of the file) keeps one of them.
            raise typer.BadParameter(
                f"{_PROFILE_COLUMN!r} is the name of the output's column of profile ids; rename the id "
                "column in INPUT and give its new name to --id-column",
                param_hint="--id-column",
            )
        try:
            _check_encoding(encoding)  # before anything is read, as the paths are
        except ConfigurationError as exc:
            raise typer.BadParameter(str(exc), param_hint="--encoding") from None
        rejects_out = rejects or _rejects_path(output)
        paths = {"INPUT": input, "--output": output, "--rejects": rejects_out, "--links": links}
        _check_formats(paths)
        _check_distinct(paths, rejects_given=rejects is not None)
        if sheet is not None and _format(input) != "xlsx":
            raise typer.BadParameter("only a workbook (.xlsx) has sheets", param_hint="--sheet")
        fields: dict[str, str] = {}
        for item in field:
            column, sep, kind = item.partition("=")
            if not sep:
                raise typer.BadParameter(f"--field expects COLUMN=TYPE, got {item!r}")
            fields[column.strip()] = kind.strip()
        read_rejects: list[ReadReject] = []
        options: dict[str, Any] = {"id_field": id_column, "region": region, "region_field": region_column}
        if fields:
            options["fields"] = fields
        if threshold is not None:
            options["threshold"] = threshold
        try:
            resolver = Resolver(**options)
        except (ConfigurationError, ValueError) as exc:
            raise typer.BadParameter(str(exc)) from None

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=not sys.stdout.isatty(),
        ) as progress:
            # The rows are read as the resolver canonicalizes them (it streams its input), so
            # the bar counts rows through both; the rest of the run is the "resolving" step.
            task = progress.add_task("reading", total=None)

            read = 0

            def on_rows(n: int) -> None:
                nonlocal read
                read += n
                progress.update(task, completed=read)

            def on_end() -> None:
                progress.update(task, total=read, description="resolving")

            def read_rows(line_column: str | None) -> Iterable[dict[str, Any]]:
                try:
                    return read_input(
                        input,
                        read_rejects,
                        on_rows=on_rows,
                        on_end=on_end,
                        encoding=encoding,
                        sheet=sheet,
                        line_column=line_column,
                    )
                except ConfigurationError as exc:  # the file as a whole cannot be read
                    raise typer.BadParameter(str(exc), param_hint="INPUT") from None

            first = rows = read_rows(None)
            line_column = None
            if id_column is None:  # the column named like an id, else each row's line
                columns, rows = _peek_columns(first)
                id_column, line_column = _id_column(columns, fields)
                if line_column is not None:
                    # Read again, each row with its line; nothing of the first reading is kept.
                    close = getattr(first, "close", None)
                    if close is not None:
                        close()  # a JSON file, now, not when its generator is collected
                    read_rejects.clear()
                    read = 0
                    rows = read_rows(line_column)
                resolver = Resolver(**{**options, "id_field": id_column})
            try:
                result = resolver.resolve(rows)
            except ConfigurationError as exc:  # no column of the input is one the run compares
                raise typer.BadParameter(
                    f"{exc} On the command line: --field COLUMN=TYPE.", param_hint="--field"
                ) from None
            progress.update(task, description="writing")
            profile_of = result.profile_of
            write_columns(output, {id_column: list(profile_of), _PROFILE_COLUMN: list(profile_of.values())})
            read_failed, refused = read_rejects, result.rejects
            if links is not None:
                write_columns(links, result.links.columns())
            write_columns(
                rejects_out,
                {
                    "line": [r.line for r in read_failed] + [None] * len(refused),
                    "id": [None] * len(read_failed) + [r.record_id for r in refused],
                    "field": [r.field for r in read_failed] + [r.field for r in refused],
                    "value": [r.raw for r in read_failed] + [r.value for r in refused],
                    "reason": [r.reason for r in read_failed] + [r.reason for r in refused],
                },
            )
            progress.update(task, description="done")

        summary = Table(title=f"omnilink resolve {input.name}")
        summary.add_column("records", justify="right")
        summary.add_column("profiles", justify="right")
        summary.add_column("links", justify="right")
        summary.add_column("rejected rows", justify="right")
        summary.add_column("seconds", justify="right")
        rejected_rows = sum(r.rows for r in read_rejects) + len(
            {r.record_id for r in result.rejects if r.row_rejected}
        )
        summary.add_row(
            f"{len(result.profile_of):,}",
            f"{len(result.profiles):,}",
            f"{len(result.links):,}",
            f"{rejected_rows:,}",
            f"{time.perf_counter() - started:.2f}",
        )
        console.print(summary)
        n_rejects = len(read_failed) + len(refused)
        console.print(f"profiles -> {output}   rejects ({n_rejects:,} entries) -> {rejects_out}")
        if line_column is not None:
            console.print(
                f"INPUT has no id column: each row is known by its line, in the {line_column!r} column "
                "of OUTPUT and of the rejects; name an id column with --id-column"
            )
        if links is not None:
            console.print(f"links ({len(result.links):,}) -> {links}")
        undecoded = sum(r.reason == "not valid UTF-8" for r in refused)
        if undecoded and input.suffix.lower() in (".csv", ".tsv") and encoding == "utf-8":
            console.print(
                f"{undecoded:,} values are not valid UTF-8: if INPUT has another encoding, give it "
                "with --encoding (cp1252 for most Windows exports)"
            )
        late = result.stats.get("late_columns")
        if late:  # JSON lines whose keys vary: the types were inferred before these came
            console.print(
                f"not compared: {', '.join(late)} (first seen after the first 1,000 rows); "
                "name them with --field COLUMN=TYPE"
            )
