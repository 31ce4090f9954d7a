"""Channel discovery through entry points, explicit registration and plugin validation."""

from __future__ import annotations

import pathlib
from importlib.metadata import EntryPoint, PathDistribution
from typing import Any, ClassVar

import pytest

import omnilink.channels
from omnilink.channels import ENTRY_POINT_GROUP, Capabilities, Channel, ChannelRegistry, validate_channel
from omnilink.exceptions import ChannelNotFoundError, ConfigurationError, PluginError
from omnilink.testing import FakeChannel


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def _dist(tmp_path: pathlib.Path, dist_name: str, entry_points: dict[str, str]) -> PathDistribution:
    """A real installed-distribution record (a .dist-info directory) declaring channels."""
    info = tmp_path / f"{dist_name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n")
    return PathDistribution(info)


# --- explicit registration -------------------------------------------------------------------


def test_empty_registry() -> None:
    registry = ChannelRegistry(discover=False)
    assert registry.available() == []
    with pytest.raises(ChannelNotFoundError):
        registry.create("fake")


def test_register_create_available() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("zeta", FakeChannel)
    registry.register("alpha", FakeChannel)
    assert registry.available() == ["alpha", "zeta"]  # sorted
    channel = registry.create("alpha", name="alpha")
    assert isinstance(channel, FakeChannel)
    assert channel.name == "alpha"
    assert isinstance(channel, Channel)


def test_create_passes_settings_to_the_factory() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("fake", FakeChannel)
    caps = Capabilities(max_body=10)
    channel = registry.create("fake", name="mine", capabilities=caps)
    assert channel.name == "mine"
    assert channel.capabilities is caps


def test_create_builds_a_fresh_channel_each_time() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("fake", FakeChannel)
    assert registry.create("fake") is not registry.create("fake")


def test_duplicate_registration_names_the_channel() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("acme", FakeChannel)
    with pytest.raises(PluginError, match=r"'acme'.*already registered") as info:
        registry.register("acme", lambda **kw: FakeChannel(name="acme", **kw))
    assert info.value.plugin == "acme"
    # The first registration is still the one in force.
    assert type(registry.create("acme")) is FakeChannel


def test_replace_registration() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("acme", FakeChannel)
    registry.register("acme", lambda: FakeChannel(name="replaced"), replace=True)
    assert registry.create("acme").name == "replaced"


def test_registries_are_independent() -> None:
    a, b = ChannelRegistry(discover=False), ChannelRegistry(discover=False)
    a.register("x", FakeChannel)
    assert b.available() == []


def test_unknown_name_lists_available() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("fake", FakeChannel)
    registry.register("smtp", FakeChannel)
    with pytest.raises(ChannelNotFoundError, match="fake, smtp") as info:
        registry.create("twilio")
    assert info.value.name == "twilio"
    assert info.value.available == ["fake", "smtp"]
    assert isinstance(info.value, LookupError)


def test_bad_settings_are_a_configuration_error() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("fake", FakeChannel)
    with pytest.raises(ConfigurationError, match=r"'fake'.*invalid settings") as info:
        registry.create("fake", no_such_setting=1)
    assert isinstance(info.value.__cause__, TypeError)


def test_factory_configuration_error_passes_through() -> None:
    def factory(**settings: Any) -> Channel:
        raise ConfigurationError("account_sid is required")

    registry = ChannelRegistry(discover=False)
    registry.register("acme", factory)
    with pytest.raises(ConfigurationError, match=r"^account_sid is required$"):
        registry.create("acme")


def test_factory_returning_a_non_channel_lists_every_problem() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("bad", object)  # type: ignore[arg-type]  # on purpose: no Channel factory
    with pytest.raises(PluginError) as info:
        registry.create("bad")
    message = str(info.value)
    assert info.value.plugin == "bad"
    for problem in (
        "'name'",
        "'kind'",
        "'capabilities'",
        "'send_flow'",
        "'verify_webhook'",
        "'parse_webhook'",
    ):
        assert problem in message


class _AlmostChannel:
    name = "almost"
    kind = "sms"
    capabilities: ClassVar[dict[str, int]] = {"max_body": 160}  # a dict, not Capabilities

    def send_flow(self, *a: Any, **k: Any) -> Any: ...

    def verify_webhook(self, request: Any) -> None: ...

    parse_webhook = "not callable"


def test_validation_names_only_what_is_wrong() -> None:
    with pytest.raises(PluginError) as info:
        validate_channel(_AlmostChannel(), plugin="almost")
    message = str(info.value)
    assert "'capabilities'" in message
    assert "'parse_webhook'" in message
    assert "'name'" not in message
    assert "'send_flow'" not in message


@pytest.mark.parametrize(("attr", "value"), [("name", ""), ("kind", ""), ("name", 3), ("kind", None)])
def test_validation_requires_non_empty_str_name_and_kind(attr: str, value: Any) -> None:
    channel = FakeChannel()
    setattr(channel, attr, value)
    with pytest.raises(PluginError, match=f"'{attr}' must be a non-empty str"):
        validate_channel(channel, plugin="p")


def test_validate_channel_returns_the_channel() -> None:
    channel = FakeChannel()
    assert validate_channel(channel, plugin="fake") is channel


# --- entry points ---------------------------------------------------------------------------


def test_entry_points_are_loaded_lazily() -> None:
    registry = ChannelRegistry(discover=False)
    # Registering a broken plugin does not import it ...
    registry.load_entry_points([_ep("broken", "omnilink_no_such_module_xyz:Channel")])
    assert registry.available() == ["broken"]
    # ... creating it does, and fails with the plugin named.
    with pytest.raises(PluginError, match=r"'broken'.*cannot be imported") as info:
        registry.create("broken")
    assert info.value.plugin == "broken"
    assert "omnilink_no_such_module_xyz" in str(info.value)


def test_entry_point_to_fake_channel() -> None:
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points([_ep("fake", "omnilink.testing:FakeChannel")])
    assert isinstance(registry.create("fake"), FakeChannel)


def test_entry_point_to_missing_attribute() -> None:
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points([_ep("nope", "omnilink.testing:NoSuchChannel")])
    with pytest.raises(PluginError, match="'nope'"):
        registry.create("nope")


def test_entry_point_to_non_callable() -> None:
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points([_ep("str", "omnilink.channels:ENTRY_POINT_GROUP")])
    with pytest.raises(PluginError, match="not callable") as info:
        registry.create("str")
    assert info.value.plugin == "str"


def test_two_entry_points_with_different_targets_conflict() -> None:
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points(
        [
            _ep("x", "omnilink.testing:FakeChannel"),
            _ep("x", "acme_channels:XChannel"),
            _ep("fake", "omnilink.testing:FakeChannel"),
        ]
    )
    # The conflict is the name's alone: the other channel is built, and the name is listed.
    assert isinstance(registry.create("fake"), FakeChannel)
    assert registry.available() == ["fake", "x"]
    assert "acme_channels:XChannel" in registry.origin("x")
    with pytest.raises(PluginError) as info:
        registry.create("x")
    message = str(info.value)
    assert info.value.plugin == "x"
    assert "omnilink.testing:FakeChannel" in message
    assert "acme_channels:XChannel" in message


def test_the_same_entry_point_seen_twice_is_not_a_conflict() -> None:
    # importlib.metadata can report one distribution twice (it is on sys.path twice).
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points([_ep("x", "omnilink.testing:FakeChannel")] * 2)
    assert registry.available() == ["x"]


def test_same_name_from_two_distributions_names_both(tmp_path: pathlib.Path) -> None:
    a = _dist(tmp_path, "acme-sms", {"sms": "omnilink.testing:FakeChannel"})
    b = _dist(tmp_path, "acme-sms-fork", {"sms": "omnilink.testing:FakeChannel"})
    eps = [*a.entry_points, *b.entry_points]
    assert all(ep.dist is not None for ep in eps)
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points(eps)
    with pytest.raises(PluginError) as info:
        registry.create("sms")
    message = str(info.value)
    assert info.value.plugin == "sms"
    assert "acme-sms)" in message
    assert "acme-sms-fork" in message


def test_entry_point_conflicts_with_explicit_registration() -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("fake", FakeChannel)
    with pytest.raises(PluginError, match="'fake' is already registered"):
        registry.load_entry_points([_ep("fake", "omnilink.testing:FakeChannel")])


def test_origin_names_where_a_channel_comes_from() -> None:
    registry = ChannelRegistry(discover=False)
    registry.load_entry_points([_ep("fake", "omnilink.testing:FakeChannel")])
    assert registry.origin("fake").startswith("omnilink.testing:FakeChannel (from ")
    registry.register("mine", FakeChannel)
    assert "FakeChannel" in registry.origin("mine")
    with pytest.raises(KeyError):
        registry.origin("nope")


class _Picky:
    """A factory that does not check its settings' types, as third-party plugins often do."""

    def __init__(self, *, sender: str = "+1") -> None:
        self.sender = sender.strip()


@pytest.mark.parametrize("sender", [14155550100, None, ["+1"]])
def test_a_setting_of_the_wrong_type_is_a_configuration_error(sender: object) -> None:
    registry = ChannelRegistry(discover=False)
    registry.register("picky", _Picky)  # type: ignore[arg-type]  # on purpose: no Channel, never built
    with pytest.raises(ConfigurationError, match=r"channel 'picky': invalid settings \(AttributeError"):
        registry.create("picky", sender=sender)


def test_discovery_finds_an_installed_plugin(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "omnilink_test_plugin_abc.py").write_text(
        "from omnilink.testing import FakeChannel\n"
        "def make(**kw):\n"
        "    return FakeChannel(name='acme', **kw)\n"
    )
    _dist(tmp_path, "omnilink-test-plugin-abc", {"acme": "omnilink_test_plugin_abc:make"})
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = ChannelRegistry()
    assert "acme" in registry.available()
    assert "fake" in registry.available()
    assert registry.create("acme").name == "acme"
    assert "acme" in omnilink.channels.available()
    assert omnilink.channels.create("acme").name == "acme"


def test_discovery_reports_a_plugin_stealing_a_builtin_name(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist(tmp_path, "evil-fake", {"fake": "evil_fake:Channel"})
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = ChannelRegistry()  # one stray install had made every channel unusable
    with pytest.raises(PluginError) as info:
        registry.create("fake")
    assert "evil-fake" in str(info.value)
    assert "omnilink.testing:FakeChannel" in str(info.value)
    assert "evil-fake" in registry.origin("fake")
    assert "omnilink.providers.smtp:SMTPChannel" in registry.origin("smtp")
    assert registry.create("smtp", host="localhost", from_address="a@example.com").name == "smtp"


# --- the installed package ------------------------------------------------------------------


def test_builtin_channels_are_declared_as_entry_points() -> None:
    names = omnilink.channels.available()
    assert {"fake", "smtp", "twilio-sms", "twilio-whatsapp"} <= set(names)
    assert names == sorted(names)


def test_module_level_create_uses_entry_points() -> None:
    channel = omnilink.channels.create("fake", name="from-ep")
    assert isinstance(channel, FakeChannel)
    assert channel.name == "from-ep"


def test_module_level_create_unknown() -> None:
    with pytest.raises(ChannelNotFoundError) as info:
        omnilink.channels.create("no-such-channel")
    assert "fake" in info.value.available


def test_entry_point_group_name() -> None:
    assert ENTRY_POINT_GROUP == "omnilink.channels"
