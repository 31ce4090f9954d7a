"""Each public namespace exports exactly its ``__all__`` (like httpx's test_exported_members)."""

from __future__ import annotations
import __future__

import importlib
import importlib.metadata
import types

import pytest

import omnilink

NAMESPACES = ["omnilink", "omnilink.channels", "omnilink.testing"]
MODULES_WITH_ALL = [
    "omnilink.models",
    "omnilink.exceptions",
    "omnilink.webhooks",
    "omnilink.client",
    "omnilink.channels._protocol",
    "omnilink.channels._registry",
    "omnilink.channels._segments",
    "omnilink.providers",
    "omnilink.providers._http",
    "omnilink.testing._fake",
]


def _public_members(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)  # submodules are reached as attributes
        and not isinstance(value, __future__._Feature)  # `from __future__ import annotations`
    }


@pytest.mark.parametrize("name", NAMESPACES)
def test_all_matches_public_members(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    assert set(exported) == _public_members(module)


@pytest.mark.parametrize("name", NAMESPACES + MODULES_WITH_ALL)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize("name", ["omnilink.models", "omnilink.exceptions", "omnilink.client"])
def test_core_modules_are_fully_reexported(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) <= set(omnilink.__all__)
    for member in module.__all__:
        assert getattr(omnilink, member) is getattr(module, member)


def test_webhook_request_is_top_level() -> None:
    from omnilink.webhooks import WebhookRequest

    assert omnilink.WebhookRequest is WebhookRequest


def test_version_matches_the_distribution() -> None:
    assert omnilink.__version__ == importlib.metadata.version("omnilink")


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from omnilink import *", namespace)  # noqa: S102 - the point of the test
    namespace.pop("__builtins__")
    assert set(namespace) == set(omnilink.__all__)
