"""The `omnilink` command: the demo sends for real (SMTP on loopback), and the other commands work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omnilink._demo import run_demo
from omnilink.cli import _app, _setting_value
from omnilink.providers.smtp import sign_inbound
from omnilink.testing import FakeChannel


def test_demo_delivers_email_to_a_real_smtp_server_and_sms_to_the_fake() -> None:
    report = run_demo()
    by_channel = {row.channel: row for row in report.rows}
    assert by_channel["smtp"].status == "sent"
    assert by_channel["smtp"].to == "adalovelace@gmail.com"
    assert by_channel["fake-sms"].to == "+442079460958"
    assert len(report.received_emails) == 1
    received = report.received_emails[0]
    assert received["Subject"] == "Your order #1843 has shipped"
    assert "4 records, 2 people." in report.notes
    merged = [n for n in report.notes if "crm-3" in n]
    assert len(merged) == 1
    assert "merged" in merged[0]
    assert "email" in merged[0]
    assert "phone" in merged[0]
    message_id = by_channel["smtp"].provider_message_id
    assert message_id is not None
    assert received["Message-ID"].strip("<>") == message_id.strip("<>")


def test_omnilink_demo_console_script() -> None:
    exe = shutil.which("omnilink") or str(Path(sys.executable).parent / "omnilink")
    proc = subprocess.run([exe, "demo"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "received 1 message(s)" in proc.stdout
    assert "adalovelace@gmail.com" in proc.stdout


def test_channels_lists_builtins() -> None:
    result = CliRunner().invoke(_app(), ["channels"])
    assert result.exit_code == 0, result.output
    for name in ("fake", "smtp", "twilio-sms", "twilio-whatsapp"):
        assert name in result.output


def test_verify_webhook_accepts_signed_and_rejects_forged(tmp_path: Path) -> None:
    fake = FakeChannel()
    req = fake.inbound_request(sender="+14155550100", text="hello")
    body = tmp_path / "body.json"
    body.write_bytes(req.body)
    args = [
        "verify-webhook",
        "fake",
        "--body",
        str(body),
        "--url",
        req.url,
        "-H",
        "Content-Type: application/json",
    ]
    good = CliRunner().invoke(_app(), [*args, "-H", f"X-Fake-Signature: {req.header('x-fake-signature')}"])
    assert good.exit_code == 0, good.output
    assert "signature verified" in good.output
    assert json.loads(good.output.split("signature verified", 1)[1])["message"]["text"] == "hello"
    bad = CliRunner().invoke(_app(), [*args, "-H", "X-Fake-Signature: " + "0" * 64])
    assert bad.exit_code == 1
    assert "not verified" in bad.output


RAW_EMAIL = b"From: ann@example.org\r\nTo: help@example.com\r\nSubject: hi\r\n\r\nHello there\r\n"
SMTP_SETTINGS = ["--set", "host=smtp.example.com", "--set", "from_address=help@example.com"]


def _verify_smtp(tmp_path: Path, body: bytes, headers: dict[str, str], *settings: str) -> Any:
    path = tmp_path / "mail.eml"
    path.write_bytes(body)
    args = ["verify-webhook", "smtp", "--body", str(path), "--url", "https://x.test/hook"]
    args += [a for k, v in headers.items() for a in ("-H", f"{k}: {v}")]
    return CliRunner().invoke(_app(), [*args, *SMTP_SETTINGS, "--set", "webhook_secret=k", *settings])


def test_verify_webhook_set_values_are_read_as_json(tmp_path: Path) -> None:
    # Every --set value had been a str: 600 crashed the replay check (float > str), and "false" was true.
    old = sign_inbound(RAW_EMAIL, secret="k", timestamp=int(time.time()) - 400)
    result = _verify_smtp(tmp_path, RAW_EMAIL, old, "--set", "webhook_tolerance=600")
    assert result.exit_code == 0, result.output
    assert "signature verified" in result.output
    body_only = sign_inbound(RAW_EMAIL, secret="k")
    result = _verify_smtp(tmp_path, RAW_EMAIL, body_only, "--set", "webhook_require_timestamp=false")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.split("signature verified", 1)[1])["message"]["text"] == "Hello there"
    result = _verify_smtp(tmp_path, RAW_EMAIL, body_only, "--set", "webhook_require_timestamp=true")
    assert result.exit_code == 1
    assert "not verified" in result.output


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("600", 600),
        ("2.5", 2.5),
        ("false", False),
        ("null", None),
        ('["new", "old"]', ["new", "old"]),
        ('"12345"', "12345"),
        ("+14155550100", "+14155550100"),
        ("smtp.example.com", "smtp.example.com"),
        ("", ""),
    ],
)
def test_set_value_is_json_when_it_parses(text: str, value: object) -> None:
    assert _setting_value(text) == value


def test_verify_webhook_unparseable_verified_body_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    body = b"no headers, just text"
    result = _verify_smtp(tmp_path, body, sign_inbound(body, secret="k", timestamp=int(time.time())))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not WebhookPayloadError
    assert "signature verified" in result.output
    assert "verified, but the body cannot be parsed" in result.output
    assert "RFC 5322" in result.output


def test_verify_webhook_settings_the_channel_refuses_are_a_message(tmp_path: Path) -> None:
    body = tmp_path / "body.form"
    body.write_bytes(b"MessageSid=SM1")
    args = ["verify-webhook", "twilio-sms", "--body", str(body), "--url", "https://x.test/hook"]
    settings = ["--set", "account_sid=AC1", "--set", "from_number=+14155550100", "--set", "auth_token=12345"]
    result = CliRunner().invoke(_app(), [*args, *settings])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "cannot create channel 'twilio-sms'" in result.output
    assert "read auth_token as JSON" in result.output


def test_verify_webhook_usage_names_the_channel_as_the_help_does() -> None:
    """typer writes a required argument as {channel}; the help text and the docs say CHANNEL."""
    output = CliRunner().invoke(_app(), ["verify-webhook", "--help"]).output
    usage = next(line.strip() for line in output.splitlines() if "Usage:" in line)
    assert usage == "Usage: omnilink verify-webhook [OPTIONS] CHANNEL", output


def _said(output: str) -> str:
    """The words of a rich panel or message, without its borders and line breaks."""
    return " ".join(output.replace("│", " ").replace("╭", " ").replace("╰", " ").replace("─", " ").split())


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_verify_webhook_body_that_is_no_readable_file_is_a_usage_error(tmp_path: Path, where: str) -> None:
    """A missing --body file, or a directory, had ended in a FileNotFoundError traceback."""
    body = tmp_path / "missing.txt" if where == "missing" else tmp_path
    args = ["verify-webhook", "fake", "--body", str(body), "--url", "https://x.test/hook"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--body'" in _said(result.output)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--set", "novalue"], "Invalid value for --set: expects KEY=value, got 'novalue'"),
        (["-H", "nocolon"], "Invalid value for --header: expects Name: value, got 'nocolon'"),
    ],
)
def test_verify_webhook_malformed_pairs_are_usage_errors(tmp_path: Path, args: list[str], said: str) -> None:
    """They had exited 1, the code for "refused", so a script could not tell a typo from a forgery."""
    body = tmp_path / "body.txt"
    body.write_bytes(b"x")
    base = ["verify-webhook", "fake", "--body", str(body), "--url", "https://x.test/hook"]
    result = CliRunner().invoke(_app(), [*base, *args])
    assert result.exit_code == 2, result.output
    assert said in _said(result.output)


@pytest.mark.parametrize(
    ("channel", "settings", "said"),
    [
        # digits read as a JSON number where the channel wants text: the hint says how to quote
        (
            "twilio-sms",
            ["account_sid=AC1", "auth_token=t", "from_number=14155550100"],
            "invalid settings (AttributeError",
        ),
        (
            "twilio-sms",
            ["account_sid=AC1", "auth_token=t", "from_number=+1415", "api_base=1"],
            "invalid settings",
        ),
        ("smtp", ["host=h", "from_address=a@b.org", "message_id_domain=123"], "invalid settings"),
        (
            "smtp",
            ["host=h", "from_address=a@b.org", "webhook_secret=k", 'webhook_tolerance="abc"'],
            "replay window",
        ),
        (
            "smtp",
            ["host=h", "from_address=a@b.org", "webhook_secret=k", "webhook_tolerance=NaN"],
            "replay window",
        ),
        (
            "smtp",
            ["host=h", "from_address=a@b.org", "webhook_secret=k", "webhook_tolerance=-1"],
            "replay window",
        ),
    ],
)
def test_verify_webhook_settings_of_the_wrong_type_are_a_message(
    tmp_path: Path, channel: str, settings: list[str], said: str
) -> None:
    """Each had crashed with a traceback (AttributeError, or TypeError at the first timestamp); a
    NaN replay window had accepted a request of any age."""
    body = tmp_path / "body.txt"
    body.write_bytes(b"x")
    args = ["verify-webhook", channel, "--body", str(body), "--url", "https://x.test/hook"]
    result = CliRunner().invoke(_app(), [*args, *(a for s in settings for a in ("--set", s))])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    output = _said(result.output)
    assert f"cannot create channel '{channel}'" in output
    assert said in output


def test_verify_webhook_channel_names_are_not_markup(tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_bytes(b"x")
    for name in ("[/x]", "[bold]sms"):
        args = ["verify-webhook", name, "--body", str(body), "--url", "https://x.test/hook"]
        result = CliRunner().invoke(_app(), args)
        assert result.exit_code == 1, result.output
        assert f"cannot create channel {name!r}" in _said(result.output)


def test_channels_lists_where_each_comes_from_and_a_conflict_breaks_only_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two plugins declaring one name had made `omnilink channels` (and every channel) fail."""
    dist = tmp_path / "dupe_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: dupe-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[omnilink.channels]\nfake = dupe_mod:X\nodd[beta] = omnilink.testing:FakeChannel\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(_app(), ["channels"])
    assert result.exit_code == 0, result.output
    output = _said(result.output)
    assert "two plugins declare it" in output
    assert "dupe-plugin" in output
    assert "odd[beta]" in output, "a name with brackets is shown as it is, not read as markup"
    assert "omnilink.providers.smtp:SMTPChannel" in output
    body = tmp_path / "body.txt"
    body.write_bytes(b"x")
    other = ["verify-webhook", "smtp", "--body", str(body), "--url", "https://x.test/hook", "--set", "host=h"]
    result = CliRunner().invoke(
        _app(), [*other, "--set", "from_address=a@b.org", "--set", "webhook_secret=k"]
    )
    assert "two plugins" not in _said(result.output), "another channel is not touched by the conflict"
    assert "not verified" in _said(result.output)


def test_demo_without_its_smtp_server_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import omnilink._demo as demo
    from omnilink.exceptions import MissingDependencyError

    def missing() -> Any:
        raise MissingDependencyError(package="aiosmtpd", extra="cli", feature="the demo's SMTP server")

    monkeypatch.setattr(demo, "run_demo", missing)
    result = CliRunner().invoke(_app(), ["demo"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "aiosmtpd" in result.output
    assert "Traceback" not in result.output


def test_demo_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    """The first command the README runs had warned that the demo's own column was not compared."""
    with caplog.at_level("WARNING"):
        report = run_demo()
    assert "4 records, 2 people." in report.notes
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
