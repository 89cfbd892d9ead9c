"""`flask retention run [--dry-run] [--years N]`: anonymise the cases closed longer than the period."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.subjects import services

retention = AppGroup("retention", help="Anonymise the personal data of cases closed long ago.")


def _describe(changes: dict[str, int]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in sorted(changes.items())) or "nothing to change"


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
@click.option(
    "--years",
    type=click.IntRange(min=1, max=100),
    default=None,
    help="Closed longer than this many years (default: RETENTION_YEARS).",
)
def run(dry_run: bool, years: int | None) -> None:
    """Anonymise every case closed longer than the retention period, one transaction per case."""
    years = years or int(current_app.config["RETENTION_YEARS"])
    cutoff = services.retention_cutoff(years)
    due = services.list_due_cases(years=years)
    db.session.rollback()  # each case in its own transaction
    verb = "would change" if dry_run else "changed"
    click.echo(
        f"retention{' (dry run)' if dry_run else ''}: {len(due)} cases closed before "
        f"{cutoff.date().isoformat()} ({years} years) and not yet anonymised"
    )
    outcomes: list[services.RetentionOutcome] = []
    totals: dict[str, int] = {}
    failed = 0
    for case_id, reference in due:
        try:
            outcome = services.apply_retention(case_id, years=years)
        except HotlineError as exc:  # e.g. changed by someone else meanwhile: left for the next run
            db.session.rollback()
            failed += 1
            click.echo(f"  {reference}: skipped ({exc})", err=True)
            continue
        if outcome is None:
            db.session.rollback()
            click.echo(f"  {reference}: no longer due")
            continue
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        outcomes.append(outcome)
        for kind, count in outcome.changes.items():
            totals[kind] = totals.get(kind, 0) + count
        click.echo(f"  {reference}: {verb} {_describe(outcome.changes)}")
    if not dry_run and outcomes:
        services.record_retention_run(years=years, outcomes=outcomes)
        db.session.commit()
    click.echo(f"retention: {len(outcomes)} cases; {verb}: {_describe(totals)}")
    if failed:
        raise click.ClickException(f"{failed} cases could not be anonymised (see above); run again")
