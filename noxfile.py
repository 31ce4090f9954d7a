"""Sessions: tests, lint, typing, docs, bench. ``nox -l`` lists them."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typing", "docs"]
nox.options.default_venv_backend = "venv"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole test suite (no network needed: only loopback)."""
    session.install("-e", ".[test,docs]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict over the package, its tests, benchmarks, examples and this file, and the
    type-level tests."""
    session.install("-e", ".[lint,test]", "nox")  # nox: this file imports it
    session.run("mypy")
    session.run("mypy", "--strict", "typing_tests")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with mkdocs --strict."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(session.create_tmp()) + "/site")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: omnilink against its peers (Splink, recordlinkage), side by side; prints the table.

    ``nox -s bench -- --quick`` for a short run; see docs/benchmarks.md.
    """
    session.install("-e", ".[parquet,cli]", "-r", "benchmarks/requirements.txt")
    session.run("python", "-m", "benchmarks", *session.posargs)
