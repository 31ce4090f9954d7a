"""The `omnilink` command: the demo sends for real (SMTP on loopback), and the other commands work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from omnilink._demo import run_demo
from omnilink.cli import _app
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
    assert received["Message-ID"].strip("<>") == by_channel["smtp"].provider_message_id.strip("<>")  # type: ignore[union-attr]


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
