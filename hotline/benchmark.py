"""The server side of the load benchmark (`make bench`; the harness itself is `bench/`, outside the app).

Nothing here runs unless the app is built with `BENCH_BASELINE=True`, which only the bench runner
sets (`hotline:create_app({"BENCH_BASELINE": True, ...})` under gunicorn). Then `register` adds:
- an `X-Query-Count` header on every response: the SQL statements the request ran before its
  response started (a streamed download's later queries are not in it);
- `POST /bench/baseline`: signed in, CSRF-checked, one audit row inserted and committed. It is what
  the cheapest possible write costs through the same stack, so intake throughput is read against it.

`prepare` (called by the runner before it starts gunicorn) creates the bench accounts (two-step
sign-in set up with `BENCH_TOTP_SECRET`) and picks the records the pages are timed on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, g, has_request_context, jsonify
from flask_login import current_user
from sqlalchemy import event, func, select

from hotline.access import role_required
from hotline.auth.models import Role
from hotline.extensions import db

BENCH_PASSWORD = "bench-password-not-for-production"  # noqa: S105  (a throwaway benchmark account)
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # noqa: S105  (its authenticator, same)
BENCH_ROLES = ("operator", "manager", "partner")
QUERY_HEADER = "X-Query-Count"

bp = Blueprint("bench", __name__, url_prefix="/bench")


@bp.route("/baseline", methods=["POST"])
@role_required(*Role)
def baseline():  # type: ignore[no-untyped-def]
    from hotline.audit import services as audit

    event_row = audit.record("bench.baseline", actor=current_user, object_type="bench")
    db.session.commit()
    return jsonify(id=event_row.id), 201


def register(app: Flask) -> None:
    """Bench mode only: the baseline endpoint and the query-count header."""
    if not app.config.get("BENCH_BASELINE"):
        return
    app.register_blueprint(bp)

    def count(*_args: Any) -> None:
        if has_request_context():
            g.bench_queries = g.get("bench_queries", 0) + 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)

    @app.after_request
    def query_count(response):  # type: ignore[no-untyped-def]
        response.headers[QUERY_HEADER] = str(g.get("bench_queries", 0))
        return response


def bench_email(role: str) -> str:
    return f"bench-{role}@bench.pe"


def _bench_user(role: str, partner_code: str | None) -> str:
    import pyotp

    from hotline.auth import services
    from hotline.database import utcnow

    email = bench_email(role)
    user = services.get_user_by_email(email)
    if user is None:
        user = services.create_user(
            email=email,
            role=Role(role),
            password=BENCH_PASSWORD,
            name=f"Bench {role}",
            partner_code=partner_code if role == "partner" else None,
        )
        db.session.commit()
    if services.must_enrol(user):  # two-step sign-in is mandatory for this role
        earlier = utcnow() - timedelta(seconds=60)  # leaves the current code free for the sign-in
        services.enable_two_step(
            user, BENCH_TOTP_SECRET, pyotp.TOTP(BENCH_TOTP_SECRET).at(earlier), now=earlier
        )
        db.session.commit()
    return email


def prepare() -> dict[str, Any]:
    """Bench accounts, and what the pages are timed on (inside an app context; commits)."""
    from hotline.calls.models import Call
    from hotline.cases.models import Case, Person
    from hotline.partners.models import Partner
    from hotline.referrals.models import Referral

    busiest = db.session.execute(
        select(Partner.code, func.count(Referral.id))
        .join(Referral, Referral.partner_id == Partner.id)
        .group_by(Partner.code)
        .order_by(func.count(Referral.id).desc())
        .limit(1)
    ).first()
    partner_code = busiest[0] if busiest else db.session.scalar(select(Partner.code).limit(1))
    users = {role: _bench_user(role, partner_code) for role in BENCH_ROLES}
    # A recent case with referrals and persons: the page an operator opens most.
    case_id = db.session.scalar(
        select(Case.id).where(Case.id.in_(select(Referral.case_id))).order_by(Case.id.desc()).limit(1)
    ) or db.session.scalar(select(func.max(Case.id)))
    case = db.session.get(Case, case_id) if case_id else None
    person = db.session.scalar(select(Person).where(Person.name.is_not(None)).order_by(Person.id).limit(1))
    with_document = db.session.scalar(
        select(Person).where(Person.document_index.is_not(None)).order_by(Person.id).limit(1)
    )
    phone = db.session.scalar(
        select(Call.caller_number).where(Call.case_id.is_not(None), Call.caller_number.is_not(None)).limit(1)
    )
    newest = db.session.scalar(select(func.max(Call.received_at)))
    fixtures = {
        "users": users,
        "partner_code": partner_code,
        "case_id": case_id,
        "reference": case.reference if case else "TP-2000-000001",
        "name": person.name if person else "Nadie Nadie",
        "phone": phone or "999999999",
        "document": with_document.document_number if with_document else "00000000",
        "newest_call": newest.isoformat() if newest else None,
        "counts": {
            "calls": db.session.scalar(select(func.count()).select_from(Call)),
            "cases": db.session.scalar(select(func.count()).select_from(Case)),
            "persons": db.session.scalar(select(func.count()).select_from(Person)),
            "referrals": db.session.scalar(select(func.count()).select_from(Referral)),
        },
    }
    db.session.commit()
    return fixtures
