"""`flask --app wsgi referrals escalate`: escalate the referrals not acknowledged in time.

Run it from cron every few minutes; the outbox worker loop may call `run_escalation()` too. Each
referral is escalated once, however often (and however many processes) run the check.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline.extensions import db

referrals = AppGroup("referrals", help="Referral deadlines.")


def run_escalation() -> int:
    """Escalate what is overdue and commit; returns how many referrals were escalated."""
    from hotline.referrals.services import escalate_overdue

    try:
        done = escalate_overdue()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(done)


@referrals.command("escalate")
def escalate() -> None:
    """Warn coordinators (through the outbox) about referrals past their acknowledgement deadline."""
    click.echo(f"referrals: {run_escalation()} escalated")
