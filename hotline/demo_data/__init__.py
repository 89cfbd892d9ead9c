"""A large synthetic data set for benchmarks and demos: `flask --app wsgi demo-data --calls N`.

For N contacts over five years it writes about N/4 cases (with their forms of exploitation,
persons, notes), two referrals per referred case in every status with their timelines and
deadlines (some overdue, escalated), and the audit rows the work leaves, in call order so that ids
follow time as they do in production. Everything is fictitious and reproducible from --seed.

Speed (a million contacts in a few minutes) comes from three choices, all for load, never for real
data:
- rows go in by table in bulk, bypassing the per-row services: `COPY` through psycopg on
  PostgreSQL, `executemany` on SQLite; ids are given explicitly, and the sequences are moved past
  them at the end (`advance_sequences`), then `ANALYZE`;
- personal fields are encrypted with the production key and format (a Fernet token that the app
  decrypts like any other), but each distinct value is encrypted once and its token reused
  (`_Sealer`): a repeated fictitious name shares its ciphertext, which production never does;
- on PostgreSQL, when the account may, the session skips the foreign-key triggers while it loads
  (`session_replication_role = replica`, as `pg_restore --disable-triggers` does): the loader
  builds every reference itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from hotline.database import advance_sequences, utcnow
from hotline.demo_data.loading import Writer, analyze_tables, drop_indexes, restore_indexes
from hotline.demo_data.rows import BIG_LOAD, UNFINISHED_CALLS, DemoDataReport, Generator
from hotline.extensions import db

__all__ = ["DemoDataReport", "generate"]


def generate(
    calls: int,
    *,
    seed: int = 1818,
    days: int = 5 * 365,
    batch: int = 20000,
    staff: tuple[int, int] = (60, 12),
    progress: Callable[[int, int], None] | None = None,
    analyze: bool = True,
) -> DemoDataReport:
    """Add `calls` contacts over the last `days` days, with the cases, persons, notes, referrals,
    referral events and audit rows they imply. `staff` is how many operators and coordinators
    handle them (existing accounts first). Commits once per batch."""
    rng = random.Random(seed)  # noqa: S311  (fictitious data, reproducible on purpose)
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(days=days)
    generator = Generator(rng, now=now, staff=staff)
    db.session.commit()
    phones = [f"9{rng.randrange(10**8):08d}" for _ in range(max(calls // 6, 10))]  # repeat callers
    span = days * 86400
    # More contacts every year (the line gets known): the density grows over the period.
    offsets = sorted(int(span * rng.random() ** 0.75) for _ in range(calls))
    unfinished = min(UNFINISHED_CALLS, calls // 20)
    report = DemoDataReport()
    big = db.engine.dialect.name == "postgresql" and calls >= BIG_LOAD
    dropped = drop_indexes() if big else []
    try:
        writer = Writer(db.engine, background=big)
        done = 0
        try:
            while done < calls:
                for offset in offsets[done : done + batch]:
                    done += 1
                    generator.call(
                        start + timedelta(seconds=offset), phones, unfinished=calls - done < unfinished
                    )
                writer.put(generator.take(report))
                generator.save_counters()
                db.session.commit()
                if progress:
                    progress(done, calls)
        finally:
            writer.close()
    finally:
        restore_indexes(dropped)
    advance_sequences(db.session)  # explicit ids were inserted: the next intake must not collide
    db.session.commit()
    if analyze:
        analyze_tables()
    return report
