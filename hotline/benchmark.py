"""`flask --app wsgi bench`: time the pages people use most against the current database.

Run it after `demo-data` (see `make bench`). Each page is requested through the WSGI app in-process,
signed in as a real user, N times; it prints the median and 95th percentile and the SQL statements per
request, so a regression (slow query, missing index, N+1) shows as a number.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from hotline.extensions import db


@dataclass
class Timing:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    status: int


BENCH_PASSWORD = "bench-password-not-for-production"  # noqa: S105  (a throwaway benchmark account)
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # noqa: S105  (its authenticator, same)


def _bench_user(role: str) -> str:
    from hotline.auth import services
    from hotline.auth.models import Role

    email = f"bench-{role}@bench.pe"
    user = services.get_user_by_email(email)
    if user is None:
        user = services.create_user(
            email=email, role=Role(role), password=BENCH_PASSWORD, name=f"Bench {role}"
        )
        db.session.commit()
    if services.must_enrol(user):  # two-step sign-in is mandatory for this role
        import pyotp

        from hotline.database import utcnow

        earlier = utcnow() - timedelta(seconds=60)  # leaves the current code free for the sign-in
        services.enable_two_step(
            user, BENCH_TOTP_SECRET, pyotp.TOTP(BENCH_TOTP_SECRET).at(earlier), now=earlier
        )
        db.session.commit()
    return email


class _Client(FlaskClient):
    """Each request in a fresh app context, as in production (the CLI runs inside one already)."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _client(app: Flask, role: str) -> FlaskClient:
    import re

    email = f"bench-{role}@bench.pe"
    client = _Client(app, app.response_class, use_cookies=True)
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "bench login failed"
    if response.headers["Location"] == "/login/code":
        import pyotp

        for _attempt in range(2):  # a run a moment ago may have used this code: then the next one
            html = client.get("/login/code").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            code = pyotp.TOTP(BENCH_TOTP_SECRET).now()
            response = client.post("/login/code", data={"code": code, "csrf_token": token})
            if response.status_code == 302:
                break
            time.sleep(30 - time.time() % 30 + 0.5)
        assert response.status_code == 302, "bench second step failed"
    return client


def measure(app: Flask, name: str, request: Callable[[], object], runs: int) -> Timing:
    counter = {"n": 0}

    def count(*_args: object) -> None:
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = request()  # warm-up (template compile, caches)
        samples, queries = [], []
        for _ in range(runs):
            counter["n"] = 0
            start = time.perf_counter()
            response = request()
            samples.append((time.perf_counter() - start) * 1000)
            queries.append(counter["n"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(name, statistics.median(samples), p95, max(queries), response.status_code)  # type: ignore[attr-defined]


def _drained(response: object) -> object:
    response.get_data()  # type: ignore[attr-defined]  (a streamed download is timed to its last byte)
    return response


def run(app: Flask, runs: int = 20) -> list[Timing]:
    from hotline.calls.models import Call
    from hotline.cases.models import Case, Person

    with app.app_context():
        case_id = db.session.scalar(select(func.max(Case.id)))
        a_case = db.session.get(Case, case_id) if case_id else None
        phone = db.session.scalar(select(Call.caller_number).where(Call.caller_number.is_not(None)).limit(1))
        person = db.session.scalar(select(Person).where(Person.name.is_not(None)).limit(1))
        name = person.name if person else "Nadie"
        counts = {
            "calls": db.session.scalar(select(func.count()).select_from(Call)),
            "cases": db.session.scalar(select(func.count()).select_from(Case)),
        }
        reference = a_case.reference if a_case else "TP"
        for role in ("operator", "admin", "manager"):
            _bench_user(role)
        db.session.remove()
    # Requests run outside the app context above, each in its own (as in production).
    operator, admin, manager = _client(app, "operator"), _client(app, "admin"), _client(app, "manager")
    export = f"/reports/exports/calls.csv?start={date.today() - timedelta(days=30)}&end={date.today()}"
    print(f"data set: {counts['calls']:,} calls, {counts['cases']:,} cases")  # noqa: T201
    pages: list[tuple[str, Callable[[], object]]] = [
        ("healthz", lambda: operator.get("/healthz")),
        ("login page", lambda: _Client(app, app.response_class).get("/login")),
        ("calls queue", lambda: operator.get("/calls/")),
        ("intake form", lambda: operator.get("/calls/new")),
        ("case list", lambda: operator.get("/cases/")),
        ("case list filtered", lambda: operator.get("/cases/?status=triaged&risk=urgent&region=15")),
        ("case search: phone", lambda: operator.get("/cases/", query_string={"q": phone or "999"})),
        ("case search: name", lambda: operator.get("/cases/", query_string={"q": name})),
        ("case search: reference", lambda: operator.get("/cases/", query_string={"q": reference})),
        ("case detail", lambda: operator.get(f"/cases/{case_id}")),
        ("audit trail", lambda: admin.get("/admin/audit/")),
        ("audit filtered", lambda: admin.get("/admin/audit/?action=case.view")),
        ("reports dashboard", lambda: manager.get("/reports/")),
        ("reports filtered", lambda: manager.get("/reports/?region=15&form=SEXUAL&period=week")),
        ("export calls csv 30 days", lambda: _drained(manager.get(export))),
    ]
    return [measure(app, label, call, runs) for label, call in pages]


def print_table(timings: list[Timing]) -> None:
    print(f"{'page':<26}{'status':>7}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")  # noqa: T201
    for t in timings:
        print(f"{t.name:<26}{t.status:>7}{t.median_ms:>11.1f}{t.p95_ms:>9.1f}{t.queries:>9}")  # noqa: T201
