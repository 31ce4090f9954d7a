"""Compound surnames in a full-name column: "María García López" is María whose surnames are
García (her father's, the one she goes by) and López. The last word stays the last name; the
words between are kept as middle words, and a surname found among them is a shared word, so
her "María García" records are not scored as another surname, nor refused a shared phone."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity import FieldType
from omnilink.identity._normalize import Normalizer, norm_name, split_full_name


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("María García López", ("maria", "lopez", "garcia")),
        ("María José García López", ("maria", "lopez", "jose garcia")),
        ("Juan Pérez de la Cruz", ("juan", "cruz", "perez")),  # particles name nobody
        ("Ludwig van Beethoven", ("ludwig", "beethoven", None)),
        ("John M. Smith", ("john", "smith", None)),  # nor do initials
        ("John Michael Smith", ("john", "smith", "michael")),
        ("John Smith", ("john", "smith", None)),
        ("Madonna", ("madonna", None, None)),
        ("García López, María", ("maria", "garcia lopez", None)),  # the comma form already kept both
        ("Smith, John Michael", ("john", "smith", "michael")),
    ],
)
def test_a_full_name_keeps_its_middle_words(text: str, parts: tuple[str | None, ...]) -> None:
    canon = norm_name(text)
    assert canon is not None
    assert split_full_name(canon, text) == parts


_ROWS: list[dict[str, Any]] = [
    {"id": "1", "name": "María García López", "last_name": None},
    {"id": "2", "name": "María García López", "last_name": "Ruiz"},
    {"id": "3", "name": "John Smith", "last_name": None},
    {"id": "4", "name": "Juan Pérez de la Cruz", "last_name": "Pérez"},
    {"id": "5", "name": None, "last_name": "García"},
]


@pytest.mark.parametrize(
    ("fields", "middles"),
    [
        # The middle words belong to the full name that gives the record its last name.
        (
            {"name": FieldType.FULL_NAME, "last_name": FieldType.LAST_NAME},
            ["garcia", "garcia", None, "perez", None],
        ),
        ({"last_name": FieldType.LAST_NAME, "name": FieldType.FULL_NAME}, ["garcia", None, None, None, None]),
    ],
)
def test_one_row_at_a_time_and_a_batch_read_the_same_middle_words(
    fields: dict[str, FieldType], middles: list[str | None]
) -> None:
    one = Normalizer(id_field="id", fields=fields, region="ES", max_field_length=200)
    batch = Normalizer(id_field="id", fields=fields, region="ES", max_field_length=200)
    by_row = [one.normalize(r) for r in _ROWS]
    assert [r.middle for r in by_row] == middles
    assert batch.normalize_all(_ROWS) == by_row
