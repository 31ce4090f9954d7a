"""Channel discovery through the ``omnilink.channels`` entry-point group.

There is no global registry: a :class:`ChannelRegistry` is an ordinary object, and the
module-level :func:`available` / :func:`create` helpers build a fresh one per call. omnilink's own
providers are declared in its pyproject exactly as a third-party plugin would declare its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from omnilink.channels._protocol import Capabilities, Channel
from omnilink.exceptions import ChannelNotFoundError, ConfigurationError, PluginError

__all__ = ["ENTRY_POINT_GROUP", "ChannelRegistry", "available", "create", "validate_channel"]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "omnilink.channels"

ChannelFactory = Callable[..., Channel]


def validate_channel(channel: object, *, plugin: str) -> Channel:
    """Check that ``channel`` satisfies the Channel protocol; raise PluginError naming it."""
    problems: list[str] = []
    for attr in ("name", "kind"):
        if not isinstance(getattr(channel, attr, None), str) or not getattr(channel, attr):
            problems.append(f"{attr!r} must be a non-empty str")
    if not isinstance(getattr(channel, "capabilities", None), Capabilities):
        problems.append("'capabilities' must be an omnilink.channels.Capabilities")
    problems.extend(
        f"{meth!r} must be a method"
        for meth in ("send_flow", "verify_webhook", "parse_webhook")
        if not callable(getattr(channel, meth, None))
    )
    if problems:
        raise PluginError("does not implement the Channel protocol: " + "; ".join(problems), plugin=plugin)
    assert isinstance(channel, Channel)
    return channel


class ChannelRegistry:
    """Channel factories by name, from entry points and/or explicit registration.

    >>> registry = ChannelRegistry(discover=False)
    >>> registry.available()
    []
    """

    def __init__(self, *, discover: bool = True) -> None:
        self._factories: dict[str, tuple[str, Callable[[], ChannelFactory]]] = {}
        self._discovered: set[str] = set()  # names that came from entry points
        if discover:
            self.load_entry_points(entry_points(group=ENTRY_POINT_GROUP))

    def load_entry_points(self, eps: Iterable[EntryPoint]) -> None:
        """Register each entry point lazily: its module is imported on first :meth:`create`.

        Two installed plugins that declare one name are, like a plugin that fails to import, an
        error of that name only: :meth:`create` of it raises :class:`PluginError` naming both, and
        every other channel works (one stray install had broken them all).
        """
        for ep in eps:
            dist = ep.dist.name if ep.dist is not None else "<unknown distribution>"
            origin = f"{ep.value} (from {dist})"
            existing = self._factories.get(ep.name)
            if existing is not None and existing[0] != origin:
                if ep.name not in self._discovered:  # a registered factory: the caller's own conflict
                    raise PluginError(
                        f"a channel named {ep.name!r} is already registered ({existing[0]}) and the "
                        f"installed plugin {origin} declares it too",
                        plugin=ep.name,
                    )
                origin = f"two plugins declare it: {existing[0]} and {origin}; uninstall one of them"
                self._factories[ep.name] = (origin, _conflict(ep.name, origin))
                continue
            self._factories[ep.name] = (origin, _loader(ep))
            self._discovered.add(ep.name)

    def register(self, name: str, factory: ChannelFactory, *, replace: bool = False) -> None:
        """Register a factory (usually a Channel class) under ``name``."""
        if name in self._factories and not replace:
            raise PluginError(
                f"a channel named {name!r} is already registered ({self._factories[name][0]}); "
                "pass replace=True to override it",
                plugin=name,
            )
        self._factories[name] = (repr(factory), lambda: factory)
        self._discovered.discard(name)

    def available(self) -> list[str]:
        """Names of every registered channel, sorted."""
        return sorted(self._factories)

    def origin(self, name: str) -> str:
        """Where the channel ``name`` comes from: its entry point and distribution, or the factory
        registered; for a name two plugins declare, both. ``KeyError`` for an unknown name."""
        return self._factories[name][0]

    def create(self, name: str, /, **settings: Any) -> Channel:
        """Build the channel registered as ``name`` with its settings."""
        try:
            origin, load = self._factories[name]
        except KeyError:
            raise ChannelNotFoundError(name, available=self.available()) from None
        try:
            factory = load()
        except PluginError:
            raise
        except Exception as exc:  # any failure inside a third-party module is that plugin's fault
            raise PluginError(f"cannot be imported or loaded ({origin}): {exc!r}", plugin=name) from exc
        try:
            channel = factory(**settings)
        except (ConfigurationError, PluginError):
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            # What a setting of the wrong type raises inside a factory that does not check it
            # (an int where text belongs: 'int' object has no attribute 'strip').
            raise ConfigurationError(
                f"channel {name!r}: invalid settings ({type(exc).__name__}: {exc}); check each "
                "setting's name, type and value"
            ) from exc
        return validate_channel(channel, plugin=name)


def _conflict(name: str, said: str) -> Callable[[], ChannelFactory]:
    def load() -> ChannelFactory:
        raise PluginError(said, plugin=name)

    return load


def _loader(ep: EntryPoint) -> Callable[[], ChannelFactory]:
    def load() -> ChannelFactory:
        obj = ep.load()
        if not callable(obj):
            raise PluginError(f"entry point {ep.value} is not callable", plugin=ep.name)
        factory: ChannelFactory = obj
        return factory

    return load


def available() -> list[str]:
    """Names of the channels installed in this environment (entry-point group ``omnilink.channels``)."""
    return ChannelRegistry().available()


def create(name: str, /, **settings: Any) -> Channel:
    """Build an installed channel by name: ``create("twilio-sms", account_sid=..., auth_token=...)``."""
    return ChannelRegistry().create(name, **settings)
