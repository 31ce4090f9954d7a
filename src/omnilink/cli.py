"""The ``omnilink`` command line: ``demo``, ``channels``, ``verify-webhook``, ``resolve``.

Typer and rich are the ``cli`` extra; without them, ``omnilink`` says which install to run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from omnilink.exceptions import MissingDependencyError, OmnilinkError

__all__ = ["main"]


def _app() -> Any:
    try:
        import typer
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table
        from rich.text import Text
    except ImportError as exc:
        raise MissingDependencyError(
            package=exc.name or "typer", extra="cli", feature="the omnilink command"
        ) from exc

    app = typer.Typer(
        name="omnilink",
        help="Talk to customers on every channel as one conversation; resolve identities in batch.",
        no_args_is_help=True,
        add_completion=False,
    )
    console = Console()

    from typer.core import TyperCommand

    class Command(TyperCommand):
        def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Any: typer 0.2x has its own click
            # typer (0.2x) writes a required argument in the usage line as {INPUT}, a placeholder
            # found nowhere else in the help or the docs, which name it INPUT.
            return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]

    @app.command()
    def demo() -> None:
        """Send a message over SMTP to an in-process SMTP server and over a fake SMS channel."""
        from omnilink._demo import run_demo

        try:
            report = run_demo()
        except MissingDependencyError as exc:  # the demo's SMTP server is aiosmtpd, from the cli extra
            sys.stderr.write(f"{exc}\n")
            raise typer.Exit(2) from None
        table = Table(title="omnilink demo: what was sent")
        for column in ("channel", "to", "status", "provider message id", "content"):
            table.add_column(column)
        for row in report.rows:
            preview = row.content if len(row.content) <= 40 else row.content[:39] + "…"
            table.add_row(row.channel, row.to, row.status, row.provider_message_id or "-", preview)
        console.print(table)
        for line in report.notes:
            console.print(line)

    @app.command()
    def channels() -> None:
        """List the channels installed in this environment (entry points ``omnilink.channels``)."""
        from omnilink.channels import ChannelRegistry

        registry = ChannelRegistry()
        table = Table(title="installed channels")
        table.add_column("name")
        table.add_column("from")  # a name two plugins declare says so here, and only it fails
        for name in registry.available():
            table.add_row(Text(name), Text(registry.origin(name)))  # Text: names are not markup
        console.print(table)

    @app.command("verify-webhook", cls=Command)
    def verify_webhook(
        channel: str = typer.Argument(..., metavar="CHANNEL", help="installed channel name, e.g. twilio-sms"),
        body: Path = typer.Option(
            ...,
            "--body",
            exists=True,
            dir_okay=False,
            readable=True,
            help="file holding the raw request body",
        ),
        url: str = typer.Option(..., "--url", help="the full URL the provider posted to"),
        header: list[str] = typer.Option([], "--header", "-H", help="'Name: value', repeatable"),
        setting: list[str] = typer.Option(
            [],
            "--set",
            help=(
                "channel setting KEY=VALUE, repeatable; VALUE is read as JSON when it parses "
                '(600, 2.5, true, false, null, ["new", "old"]) and is text otherwise; quote text '
                "that looks like a number: KEY='\"12345\"'"
            ),
        ),
    ) -> None:
        """Check a captured webhook's signature and print the normalized events.

        Exits 1 with a message when the settings, the signature or the verified body is refused.
        """
        from omnilink.channels import create
        from omnilink.webhooks import WebhookRequest

        settings = {
            key: _setting_value(value) for key, value in (_pair(s, "=", "--set", "KEY") for s in setting)
        }
        headers = dict(_pair(h, ":", "--header", "Name") for h in header)
        try:
            raw = body.read_bytes()
        except OSError as exc:  # exists/readable were checked, but the file can go or fail between
            raise typer.BadParameter(
                f"cannot read {str(body)!r}: {exc.strerror or exc}", param_hint="--body"
            ) from None
        try:
            ch = create(channel, **settings)
        except OmnilinkError as exc:
            read = [k for k, v in settings.items() if not isinstance(v, str)]
            hint = (
                f" (note: --set read {', '.join(read)} as JSON, not text; to pass text that looks like a "
                "number, true, false or null, quote it: KEY='\"12345\"')"
                if read
                else ""
            )
            said = escape(f"{channel!r}: {exc}{hint}")  # the name too: '[/x]' is no markup
            console.print(f"[red]cannot create channel[/red] {said}")
            raise typer.Exit(1) from None
        request = WebhookRequest(method="POST", url=url, headers=headers, body=raw)
        try:
            ch.verify_webhook(request)
        except OmnilinkError as exc:
            console.print(f"[red]not verified:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from None
        console.print("[green]signature verified[/green]")
        try:
            events = ch.parse_webhook(request)
        except OmnilinkError as exc:  # WebhookPayloadError: signed, but not a payload the channel reads
            console.print(f"[red]verified, but the body cannot be parsed:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from None
        for event in events:
            console.print_json(json.dumps(event.model_dump(mode="json", exclude={"raw"})))

    try:
        from omnilink.identity._cli import register as register_resolve
    except ImportError:  # the resolver's CLI lands with the identity package
        pass
    else:
        register_resolve(app, console, command=Command)

    return app


def _pair(text: str, sep: str, option: str, key_name: str) -> tuple[str, str]:
    import typer

    key, found, value = text.partition(sep)
    if not found:  # a usage error (exit 2), not "refused" (exit 1): scripts tell the two apart
        spaced = " " if sep == ":" else ""
        raise typer.BadParameter(f"expects {key_name}{sep}{spaced}value, got {text!r}", param_hint=option)
    return key.strip(), value.strip()


def _setting_value(text: str) -> Any:
    """A ``--set`` value: JSON when it parses (600, true, null, a list), else the text as given.

    Every value had been a str, so ``webhook_tolerance=600`` failed comparing a float with a str and
    ``webhook_require_timestamp=false`` was a non-empty, so true, string.
    """
    try:
        return json.loads(text)
    except ValueError:  # json.JSONDecodeError; also "" and ordinary text such as +14155550100
        return text


def main() -> None:
    """Entry point of the ``omnilink`` console script."""
    try:
        app = _app()
    except MissingDependencyError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
    app()
