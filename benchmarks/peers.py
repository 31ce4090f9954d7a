"""Peer tools, configured the way their own FEBRL examples configure them.

Each runner is a pair ``(load, link)``: ``load(dataset)`` reads the parquet files (not timed),
``link(inputs)`` does the whole linkage job (timed): model set-up, training, prediction and,
for deduplication, clustering. It returns a :class:`Prediction`.

Splink 5 (DuckDB backend)
    FEBRL3: the settings, blocking rules and training steps of Splink's example notebook
    ``docs/demos/examples/duckdb/febrl3.ipynb`` (moj-analytical-services/splink), then
    ``cluster_pairwise_predictions_at_threshold`` at match probability 0.99.
    FEBRL4: the "detailed model" of ``docs/demos/examples/duckdb/febrl4.ipynb``; the A-B links
    are the predicted pairs at match probability >= 0.99 (the threshold that example clusters at).
    contacts: a model in the same style (NameComparison, EmailComparison, DateOfBirthComparison,
    exact phone/handle/postcode with term-frequency adjustments), see :func:`_splink_contacts`.

recordlinkage 0.16
    FEBRL3: ``examples/dedup_deterministic.py`` (J535D165/recordlinkage): blocks on given name,
    surname, soc_sec_id; exact/Jaro-Winkler comparisons; the example's fixed logistic weights.
    Predicted links are closed transitively (connected components) for cluster F1.
    FEBRL4: ``examples/linking_deterministic.py``: the same with the linking weights.
    contacts: the same indexing/compare/classify pattern on the contact columns.

The peers get the contact data after a light, tutorial-level cleaning that omnilink does not
need (:func:`clean_contacts`): lower-case and trim, phone digits only (last 9 digits), handle
without ``@``/URL prefix, date of birth parsed to ISO from the formats the generator uses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.datasets import Dataset

__all__ = ["RUNNERS", "Prediction", "Runner", "clean_contacts"]

SPLINK_CLUSTER_THRESHOLD = 0.99
SPLINK_LINK_THRESHOLD = 0.99


@dataclass
class Prediction:
    """A tool's answer: a partition (record id -> cluster label) and/or record pairs."""

    clusters: dict[str, str] | None = None
    pairs: list[tuple[str, str]] | None = None
    info: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ loading


def _read(path: str) -> Any:
    import pandas as pd

    return pd.read_parquet(path)


def load_febrl3(ds: Dataset) -> Any:
    return _read(ds.files["data"])


def load_febrl4(ds: Dataset) -> Any:
    return _read(ds.files["a"]), _read(ds.files["b"])


_NON_DIGIT = re.compile(r"\D+")
_HANDLE_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:x\.com/|twitter\.com/|instagram\.com/)?@?")


def _clean_dob(value: Any, country: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    v = value.strip()
    try:
        if "-" in v:
            y, m, d = v.split("-")
        elif "." in v:
            d, m, y = v.split(".")
        elif "/" in v:
            a, b, y = v.split("/")
            m, d = (a, b) if country == "US" else (b, a)
        elif len(v) == 8 and v.isdigit():
            y, m, d = v[:4], v[4:6], v[6:]
        else:
            return None
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    except ValueError:
        return None


def clean_contacts(df: Any) -> Any:
    """Tutorial-level cleaning of the contact columns for the peers (see module doc)."""
    df = df.drop(columns=["entity_id"]).copy()
    for col in ("first_name", "last_name", "email", "city", "postcode", "handle"):
        df[col] = df[col].str.strip().str.lower()
    df["postcode"] = df["postcode"].str.replace(" ", "", regex=False)
    df["handle"] = df["handle"].str.replace(_HANDLE_PREFIX, "", regex=True).str.rstrip("/")
    digits = df["phone"].str.replace(_NON_DIGIT, "", regex=True)
    df["phone"] = digits.where(digits.str.len() >= 7).str[-9:]
    df["dob"] = [_clean_dob(v, c) for v, c in zip(df["dob"].tolist(), df["country"].tolist(), strict=True)]
    return df.where(df.notna(), None)


def load_contacts(ds: Dataset) -> Any:
    return clean_contacts(_read(ds.files["data"]))


# ------------------------------------------------------------------------------------ Splink


def _splink_quiet() -> None:
    logging.getLogger("splink").setLevel(logging.WARNING)


def _splink_clusters(linker: Any, predictions: Any, id_col: str) -> dict[str, str]:
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_CLUSTER_THRESHOLD
    )
    rows = clusters.as_duckdbpyrelation().select(f"{id_col}, cluster_id").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _splink_febrl3(df: Any) -> Prediction:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _splink_quiet()
    con = duckdb.connect()
    rel = con.from_df(df)
    db_api = DuckDBAPI(connection=con)
    df_sdf = db_api.register(rel)
    blocking_rules: list[Any] = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(df_sdf, settings)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
        ],
        recall=0.9,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    return Prediction(clusters=_splink_clusters(linker, predictions, "rec_id"))


def _splink_febrl4(dfs: Any) -> Prediction:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _splink_quiet()
    db_api = DuckDBAPI()
    dfs_sdf = [db_api.register(df) for df in dfs]
    blocking_rules: list[Any] = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(dfs_sdf, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_LINK_THRESHOLD)
    rows = predictions.as_duckdbpyrelation().select("rec_id_l, rec_id_r").fetchall()
    return Prediction(pairs=[(str(a), str(b)) for a, b in rows])


def _splink_contacts(df: Any) -> Prediction:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _splink_quiet()
    db_api = DuckDBAPI()
    df_sdf = db_api.register(df)
    blocking_rules: list[Any] = [
        block_on("email"),
        block_on("phone"),
        block_on("handle"),
        block_on("first_name", "last_name"),
        block_on("last_name", "dob"),
        block_on("first_name", "postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("handle"),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y-%m-%d", invalid_dates_as_null=True
            ),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df_sdf, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("first_name", "last_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("email"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    return Prediction(clusters=_splink_clusters(linker, predictions, "id"))


# ------------------------------------------------------------------------------ recordlinkage


def _rl_quiet() -> None:
    import warnings

    warnings.filterwarnings("ignore")


def _rl_febrl(df_a: Any, df_b: Any | None, intercept: float, coefficients: list[float]) -> Any:
    import recordlinkage as rl
    from recordlinkage.compare import Exact, String
    from recordlinkage.index import Block

    _rl_quiet()
    indexer = rl.Index()
    indexer.add(Block("given_name"))
    indexer.add(Block("surname"))
    indexer.add(Block("soc_sec_id"))
    candidates = indexer.index(df_a) if df_b is None else indexer.index(df_a, df_b)
    comparer = rl.Compare()
    comparer.add(Exact("given_name", "given_name", label="given_name"))
    comparer.add(String("surname", "surname", method="jarowinkler", threshold=0.85, label="surname"))
    comparer.add(Exact("date_of_birth", "date_of_birth", label="date_of_birth"))
    comparer.add(Exact("suburb", "suburb", label="suburb"))
    comparer.add(Exact("state", "state", label="state"))
    comparer.add(String("address_1", "address_1", threshold=0.85, label="address_1"))
    comparer.add(String("address_2", "address_2", threshold=0.85, label="address_2"))
    features = (
        comparer.compute(candidates, df_a) if df_b is None else comparer.compute(candidates, df_a, df_b)
    )
    logreg = rl.LogisticRegressionClassifier(coefficients=coefficients, intercept=intercept)
    return logreg.predict(features), len(candidates)


def _rl_febrl3(df: Any) -> Prediction:
    from benchmarks.metrics import clusters_from_pairs

    df = df.set_index("rec_id")
    links, n_cand = _rl_febrl(df, None, -9.5, [2.0, 3.0, 7.0, 6.0, 2.5, 5.0, 5.5])
    pairs = [(str(a), str(b)) for a, b in links.tolist()]
    clusters = clusters_from_pairs([str(i) for i in df.index], pairs)
    return Prediction(clusters={str(k): str(v) for k, v in clusters.items()}, info={"candidates": n_cand})


def _rl_febrl4(dfs: Any) -> Prediction:
    df_a, df_b = (d.set_index("rec_id") for d in dfs)
    links, n_cand = _rl_febrl(df_a, df_b, -11.0, [1.5, 1.5, 8.0, 6.0, 2.5, 6.5, 5.0])
    return Prediction(pairs=[(str(a), str(b)) for a, b in links.tolist()], info={"candidates": n_cand})


def _rl_contacts(df: Any) -> Prediction:
    import recordlinkage as rl
    from recordlinkage.compare import Exact, String
    from recordlinkage.index import Block

    from benchmarks.metrics import clusters_from_pairs

    _rl_quiet()
    df = df.set_index("id")
    indexer = rl.Index()
    indexer.add(Block("email"))
    indexer.add(Block("phone"))
    indexer.add(Block("handle"))
    indexer.add(Block(["first_name", "last_name"]))
    candidates = indexer.index(df)
    comparer = rl.Compare()
    comparer.add(String("first_name", "first_name", method="jarowinkler", threshold=0.85, label="first_name"))
    comparer.add(String("last_name", "last_name", method="jarowinkler", threshold=0.85, label="last_name"))
    comparer.add(Exact("email", "email", label="email"))
    comparer.add(Exact("phone", "phone", label="phone"))
    comparer.add(Exact("handle", "handle", label="handle"))
    comparer.add(Exact("dob", "dob", label="dob"))
    comparer.add(Exact("postcode", "postcode", label="postcode"))
    features = comparer.compute(candidates, df)
    # weights in the spirit of the deterministic examples: a strong identifier plus a name, or
    # both names plus date of birth or postcode, reaches the intercept
    logreg = rl.LogisticRegressionClassifier(coefficients=[2.0, 3.0, 6.0, 5.0, 6.0, 4.0, 2.0], intercept=-8.5)
    links = logreg.predict(features)
    pairs = [(str(a), str(b)) for a, b in links.tolist()]
    clusters = clusters_from_pairs([str(i) for i in df.index], pairs)
    return Prediction(
        clusters={str(k): str(v) for k, v in clusters.items()}, info={"candidates": len(candidates)}
    )


Runner = tuple[Callable[[Dataset], Any], Callable[[Any], Prediction]]

RUNNERS: dict[tuple[str, str], Runner] = {
    ("splink", "febrl3"): (load_febrl3, _splink_febrl3),
    ("splink", "febrl4"): (load_febrl4, _splink_febrl4),
    ("splink", "contacts"): (load_contacts, _splink_contacts),
    ("recordlinkage", "febrl3"): (load_febrl3, _rl_febrl3),
    ("recordlinkage", "febrl4"): (load_febrl4, _rl_febrl4),
    ("recordlinkage", "contacts"): (load_contacts, _rl_contacts),
}
