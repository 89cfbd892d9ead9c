"""The background worker: `flask --app wsgi worker` runs every job of `jobs()`, round after round.

A job is a function of the app that commits its own work and returns a line for the output (or
None when it has nothing to say). Each job is guarded on its own: one that raises is rolled back and
logged with its name and the exception's class only (an exception message can quote personal
data), and the round goes on with the next job. It simply runs again next round.

`flask outbox send` delivers the outbox once; `flask outbox send --loop` is the worker (the name the
deployment has always used).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from hotline.audit import chain
from hotline.cases import services as cases
from hotline.extensions import db
from hotline.notifications import services as outbox
from hotline.referrals import services as referrals
from hotline.telephony import services as telephony

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100  # outbox messages per round
DEFAULT_INTERVAL = 15.0  # seconds between rounds


@dataclass(frozen=True)
class Job:
    name: str  # logged when the job fails: an id, never data
    run: Callable[[Flask], str | None]


@dataclass
class RoundReport:
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # names of the jobs that raised


def escalate_referrals(app: Flask) -> str | None:
    """Warn coordinators (through the outbox) about referrals past their acknowledgement deadline."""
    escalated = referrals.escalate_overdue()
    db.session.commit()
    return f"referrals: {len(escalated)} escalated" if escalated else None


def seal_audit_trail(app: Flask) -> str | None:
    """Seal the audit rows committed since the last round into the hash chain (hotline/audit/chain.py)."""
    sealed = chain.seal_pending(db.session)
    db.session.commit()
    return f"audit: {sealed} rows sealed" if sealed else None


def delete_search_keys(app: Flask) -> str | None:
    """Delete the case searches past their `SEARCH_KEY_TTL` (their encrypted text with them)."""
    deleted = cases.delete_expired_search_keys()
    db.session.commit()
    return f"search keys: {deleted} expired deleted" if deleted else None


def purge_idempotency(app: Flask) -> str | None:
    """Delete the partner API's stored answers older than 24 hours (`Idempotency-Key`)."""
    from hotline.api import services as api

    deleted = api.purge_expired()
    db.session.commit()
    return f"api: {deleted} idempotency records expired" if deleted else None


def deliver_outbox(app: Flask, *, batch: int = DEFAULT_BATCH) -> str:
    """Send the SMS and e-mail that are due (each message is committed on its own)."""
    report = outbox.deliver_pending(outbox.get_senders(app), batch=batch)
    return (
        f"outbox: sent {report.sent}, retry {report.retried}, failed {report.failed}, "
        f"skipped {report.skipped}"
    )


def jobs(*, batch: int = DEFAULT_BATCH) -> list[Job]:
    """The worker's jobs, in order. Escalations come first, so the warnings they queue go out in
    the same round. A new periodic task is one more Job here."""
    return [
        Job("referrals.escalate", escalate_referrals),
        Job("outbox.deliver", partial(deliver_outbox, batch=batch)),
        Job("audit.seal", seal_audit_trail),
        Job("cases.search_keys", delete_search_keys),
        Job("api.idempotency", purge_idempotency),
        Job("telephony.media", telephony.media_job),
    ]


def run_round(app: Flask, round_jobs: Sequence[Job]) -> RoundReport:
    """Run each job once; a job that raises is rolled back and logged, and the others still run."""
    report = RoundReport()
    for job in round_jobs:
        try:
            line = job.run(app)
        except Exception as exc:  # noqa: BLE001  (one job's failure must not stop the others)
            _rollback()
            log.error("worker job failed job=%s error=%s", job.name, type(exc).__name__)
            report.failed.append(job.name)
            report.lines.append(f"worker: {job.name} failed ({type(exc).__name__}), retried next round")
        else:
            if line:
                report.lines.append(line)
    return report


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001  (the database may be gone: the next round tries again)
        log.error("worker rollback failed error=%s", type(exc).__name__)
        db.session.remove()


def run(
    app: Flask,
    round_jobs: Sequence[Job],
    *,
    max_rounds: int | None = None,
    interval: float = DEFAULT_INTERVAL,
    echo: Callable[[str], None] = click.echo,
    sleep: Callable[[float], None] = time.sleep,
) -> RoundReport:
    """Run rounds until `max_rounds` (None: forever), `interval` seconds apart; the last round's report."""
    rounds = 0
    while True:
        report = run_round(app, round_jobs)
        for line in report.lines:
            echo(line)
        rounds += 1
        if max_rounds is not None and rounds >= max_rounds:
            return report
        sleep(interval)


def _report_senders(app: Flask) -> None:
    for channel, sender in outbox.get_senders(app).items():
        if not sender.enabled:
            click.echo(f"{channel}: disabled ({getattr(sender, 'reason', '')})")


def _finish(report: RoundReport) -> None:
    if report.failed:  # a bounded run (cron, tests) tells its caller that a job failed
        raise click.exceptions.Exit(1)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one round and stop.")
@click.option("--max-rounds", type=click.IntRange(min=1), default=None, help="Stop after this many rounds.")
@click.option("--interval", type=click.FloatRange(min=0), default=DEFAULT_INTERVAL, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), default=DEFAULT_BATCH, show_default=True)
def worker(once: bool, max_rounds: int | None, interval: float, batch: int) -> None:
    """Run the background jobs (outbox delivery, referral escalation) every --interval seconds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _report_senders(app)
    _finish(run(app, jobs(batch=batch), max_rounds=1 if once else max_rounds, interval=interval))


outbox_cli = AppGroup("outbox", help="Deliver queued SMS and e-mail notifications.")


@outbox_cli.command("send")
@click.option("--batch", type=click.IntRange(min=1), default=DEFAULT_BATCH, show_default=True)
@click.option("--loop", is_flag=True, help="Run the whole worker (`flask worker`), round after round.")
@click.option("--interval", type=click.FloatRange(min=0), default=DEFAULT_INTERVAL, show_default=True)
@click.option("--rounds", default=0, hidden=True, help="With --loop, stop after this many rounds (tests).")
def send(batch: int, loop: bool, interval: float, rounds: int) -> None:
    """Deliver what is due once; with --loop, keep running every job of the worker."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _report_senders(app)
    if loop:
        _finish(run(app, jobs(batch=batch), max_rounds=rounds or None, interval=interval))
    else:
        _finish(run(app, [Job("outbox.deliver", partial(deliver_outbox, batch=batch))], max_rounds=1))
