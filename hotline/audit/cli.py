"""`flask --app wsgi audit verify | seal`: check and extend the audit trail's seal."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from hotline.audit import chain
from hotline.extensions import db

audit_cli = AppGroup("audit", help="Check the audit trail's hash chain.")


@audit_cli.command("verify")
def verify() -> None:
    """Walk the sealed chain; exit 1 and name the first row that does not match."""
    report = chain.verify(db.session)
    if report.ok:
        click.echo(f"audit chain intact: {report.sealed} sealed rows, {report.unsealed} not sealed yet")
        return
    click.echo(
        f"audit chain BROKEN at row id {report.broken_at} (position {report.broken_seq}): {report.reason}; "
        f"{report.sealed} rows read",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("seal")
@click.option("--batch", default=5000, show_default=True, help="Rows per transaction.")
def seal(batch: int) -> None:
    """Seal every committed row that has no seal yet (the worker does this each round)."""
    total = 0
    while True:
        done = chain.seal_pending(db.session, limit=batch)
        db.session.commit()
        total += done
        if done < batch:
            break
    click.echo(f"sealed {total} audit rows")
