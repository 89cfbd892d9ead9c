"""`flask --app wsgi referrals escalate`: escalate the referrals not acknowledged in time.

Run it from cron every few minutes if no worker runs (`flask worker` escalates every round). Each
referral is escalated once, however often (and however many processes) run the check.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline.extensions import db
from hotline.referrals import services

referrals = AppGroup("referrals", help="Referral deadlines.")


@referrals.command("escalate")
def escalate() -> None:
    """Warn coordinators (through the outbox) about referrals past their acknowledgement deadline."""
    try:
        done = services.escalate_overdue()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"referrals: {len(done)} escalated")
