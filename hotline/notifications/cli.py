"""`flask --app wsgi outbox send [--loop]`: deliver the queued notifications."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.notifications import services

outbox = AppGroup("outbox", help="Deliver queued SMS and e-mail notifications.")


@outbox.command("send")
@click.option("--batch", default=100, show_default=True, help="Messages per round.")
@click.option("--loop", is_flag=True, help="Keep running, one round every --interval seconds.")
@click.option("--interval", default=15, show_default=True)
@click.option("--rounds", default=0, hidden=True, help="Stop after this many rounds (tests).")
def send(batch: int, loop: bool, interval: int, rounds: int) -> None:
    senders = services.get_senders(current_app)
    for channel, sender in senders.items():
        if not sender.enabled:
            click.echo(f"{channel}: disabled ({getattr(sender, 'reason', '')})")
    while True:
        if loop:  # the long-running worker also escalates overdue referrals (cron does it otherwise)
            from hotline.referrals.cli import run_escalation

            escalated = run_escalation()
            if escalated:
                click.echo(f"referrals: {escalated} escalated")
        report = services.deliver_pending(senders, batch=batch)
        click.echo(
            f"outbox: sent {report.sent}, retry {report.retried}, failed {report.failed}, "
            f"skipped {report.skipped}"
        )
        rounds -= 1
        if not loop or rounds == 0:
            break
        time.sleep(interval)
