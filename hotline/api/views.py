"""The partner API's endpoints (`/api/v1/...`): thin views over the referral services.

A call is authorised by its bearer key alone (never a session cookie: `init_api` strips cookies
from every /api/ request), then by the key's scope, then by the portal's own rules
(`referrals.services`: the partner's organisation, what it may see, what it may answer). Each call
writes one `api.request` audit row naming the key, committed with the change it made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hotline.access import ACCESS_ATTR
from hotline.api import services
from hotline.api.models import Scope
from hotline.api.problems import ApiProblem, problem, register_problem_handlers
from hotline.api.schemas import (
    CaseNumberAddedSchema,
    CaseNumberBodySchema,
    CaseNumberSchema,
    DeclineBodySchema,
    ListArgsSchema,
    NoteBodySchema,
    OutcomeBodySchema,
    ReferralDetailSchema,
    ReferralPageSchema,
    ReferralStateSchema,
    UpdateBodySchema,
    WebhookBodySchema,
    WebhookCreatedSchema,
    WebhookListSchema,
)
from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.extensions import db, limiter
from hotline.referrals import services as referrals
from hotline.referrals.models import Referral
from hotline.versioning import check_version

API_KEY_ACCESS = "api_key"  # the access rule of every API view: a valid bearer key (checked here)
IDEMPOTENCY_HEADER = "Idempotency-Key"

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Referrals addressed to the key's organisation, and its webhooks.",
)
register_problem_handlers(bp)

_STATE = ReferralStateSchema()
STATE_ATTRIBUTES = tuple(field.attribute or name for name, field in _STATE.fields.items())


def _rate_key() -> str:
    """Per key (its public prefix, read without the database); callers without one, per address."""
    header = request.headers.get("Authorization") or ""
    parts = header[7:].strip().split("_", 2) if header[:7].lower() == "bearer " else []
    if len(parts) == 3 and len(parts[1]) == 12:
        return f"api-key:{parts[1]}"
    return f"api-anon:{request.remote_addr}"


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", "120 per minute"))


limiter.limit(_rate_limit, key_func=_rate_key)(bp)


# --- authentication, scopes and the audit of every call ----------------------------------------


@bp.before_request
def authenticate() -> Any:
    limit = int(current_app.config.get("API_MAX_BODY_BYTES", 64 * 1024))
    if (request.content_length or 0) > limit:
        return problem(413, _("Send at most %(kib)d KiB.", kib=limit // 1024))
    request.max_content_length = limit
    header = request.headers.get("Authorization") or ""
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    key = services.authenticate(token)
    if key is None:
        if token and token.startswith("hlk_"):
            audit.record(
                "api.auth_failed",
                object_type="api_key",
                outcome=Outcome.DENIED,
                summary=f"{request.method} {request.path}: unknown, revoked or expired key",
            )
            db.session.commit()
        return problem(
            401,
            _("Send a valid, unexpired API key: Authorization: Bearer <key>."),
            headers={"WWW-Authenticate": 'Bearer realm="hotline-api"'},
        )
    g.api_key = key
    g.api_actor = services.actor_for(key)
    if referrals.active_organisation(g.api_actor) is None:
        return problem(
            403, _("Your organisation is deactivated in the partner directory. Please call the hotline.")
        )
    return None


@bp.after_request
def audit_call(response: Response) -> Response:
    key = g.get("api_key")
    if key is None:
        return response
    status = response.status_code
    if status >= 400:
        db.session.rollback()
    target = ",".join(f"{k}={v}" for k, v in sorted((request.view_args or {}).items()))
    outcome = (
        Outcome.SUCCESS if status < 400 else Outcome.DENIED if status in (401, 403, 404) else Outcome.FAILURE
    )
    replay = " (replayed)" if g.get("api_replayed") else ""
    audit.record(
        "api.request",
        actor=g.api_actor,
        object_type="api_key",
        object_id=key.id,
        outcome=outcome,
        summary=f"key {key.id} {request.method} {request.endpoint} {target} -> {status}{replay}",
    )
    try:
        db.session.commit()
    except IntegrityError:
        # The same Idempotency-Key arrived twice at once: the other request's answer is stored.
        db.session.rollback()
        return _replay_after_race() or problem(409, _("The same request is being processed; retry it."))
    except SQLAlchemyError:
        db.session.rollback()
        return problem(503, _("The database is not answering; nothing was changed. Retry later."))
    return response


def _replay_after_race() -> Response | None:
    idem = g.get("api_idempotency")
    if idem is None:
        return None
    try:
        stored = services.find_stored(g.api_key.id, idem[0], idem[1])
    except services.IdempotencyMismatch:
        return None
    return _stored_response(stored) if stored else None


def key_required(scope: Scope) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view needs a key (checked before every view of the blueprint) holding `scope`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not g.api_actor.has(scope):
                raise ApiProblem(403, _("This key lacks the scope %(scope)s.", scope=scope.value))
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, API_KEY_ACCESS)
        return wrapper

    return decorator


# --- helpers ------------------------------------------------------------------------------------


def _referral_or_404(referral_id: int, *, detail: bool = False) -> Referral:
    """The portal's rule: another organisation's referral, a revoked one and a missing id are the
    same 404, and the attempt is audited (kept although the answer is an error)."""
    referral = referrals.get_partner_referral(referral_id, g.api_actor, detail=detail)
    if referral is None:
        db.session.commit()
        raise ApiProblem(404, _("There is no referral with this id for your organisation."))
    return referral


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
CURSOR_PATTERN = r"^[0-9]{1,20}\.[0-9]{1,19}$"


def _encode_cursor(referral: Referral) -> str:
    """`<microseconds since 1970 of updated_at>.<id>` of the last referral of the page."""
    return f"{(referral.updated_at - EPOCH) // timedelta(microseconds=1)}.{referral.id}"


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Any cursor of the documented form means a place in the order (past the end: an empty page)."""
    if not re.match(CURSOR_PATTERN, cursor):
        raise ApiProblem(422, _("This cursor is not one the API gave."), errors={"cursor": ["Not valid."]})
    micros, last_id = (int(part) for part in cursor.split("."))
    try:
        at = min(EPOCH + timedelta(microseconds=micros), LATEST)
    except OverflowError:
        at = LATEST
    return at, min(last_id, 2**31 - 1)  # ids are 32-bit integers


def _stored_response(stored: services.StoredResponse) -> Response:
    g.api_replayed = True
    response = Response(stored.body, status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent(change: Callable[[], tuple[dict[str, Any], int]]) -> Response:
    """Run `change` once per Idempotency-Key (when the request carries one)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        body, status = change()
        return Response(json.dumps(body, sort_keys=True), status=status, mimetype="application/json")
    try:
        services.check_key(key)
    except services.ApiError as exc:
        raise ApiProblem(422, str(exc), errors={IDEMPOTENCY_HEADER: [str(exc)]}) from exc
    fingerprint = services.fingerprint(request.method, request.path, request.get_data())
    stored = services.find_stored(g.api_key.id, key, fingerprint)
    if stored is not None:
        return _stored_response(stored)
    body, status = change()
    text = json.dumps(body, sort_keys=True)
    services.store(g.api_key.id, key, fingerprint, status_code=status, body=text)
    g.api_idempotency = (key, fingerprint)
    return Response(text, status=status, mimetype="application/json")


def _answer(referral_id: int, apply: Callable[[Referral], Any]) -> Any:
    def change() -> tuple[dict[str, Any], int]:
        referral = _referral_or_404(referral_id)
        apply(referral)
        return _STATE.dump(referral), 200

    return _idempotent(change)


IDEMPOTENCY_DOC = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Retrying with the same key and body returns the first answer; 24 hours per API key.",
    "schema": {"type": "string", "pattern": services.KEY_PATTERN, "maxLength": 100},
}
CHANGE_RESPONSES = (400, 401, 403, 404, 409, 413, 422, 429)


def _documented(*statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        for status in statuses:
            view = bp.alt_response(status, response=_status_name(status))(view)
        return view

    return decorator


def _status_name(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).name


# --- referrals ----------------------------------------------------------------------------------


@bp.route("/referrals", methods=["GET"])
@key_required(Scope.REFERRALS_READ)
@bp.arguments(ListArgsSchema, location="query", as_kwargs=True)
@bp.response(200, ReferralPageSchema)
@_documented(401, 403, 422, 429)
def list_referrals(
    status: str | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    """Referrals addressed to your organisation, oldest change first (follow `next_cursor`)."""
    after = _decode_cursor(cursor) if cursor else None
    rows = referrals.list_partner_changes(
        g.api_actor, status=status, updated_since=updated_since, after=after, limit=limit + 1
    )
    page = rows[:limit]
    return {"items": page, "next_cursor": _encode_cursor(page[-1]) if len(rows) > limit else None}


@bp.route("/referrals/<int:referral_id>", methods=["GET"])
@key_required(Scope.REFERRALS_READ)
@bp.response(200, ReferralDetailSchema)
@_documented(401, 403, 404, 429)
def get_referral(referral_id: int) -> Any:
    """One referral: its state and exactly the facts the hotline shared with your organisation."""
    referral = _referral_or_404(referral_id, detail=True)
    referrals.record_referral_view(referral, g.api_actor, summary=f"partner API key {g.api_key.id}")
    data: dict[str, Any] = {name: getattr(referral, name) for name in STATE_ATTRIBUTES}
    data["shared"] = referrals.read_snapshot(referral.shared_data)
    data["timeline"] = referrals.partner_timeline(referral)
    data["case_numbers"] = list(referral.case_numbers)
    return data


def _change_route(
    path: str, schema: type, summary: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.__doc__ = summary
        view = _documented(*CHANGE_RESPONSES)(view)
        view = bp.response(200, ReferralStateSchema)(view)
        view = bp.doc(parameters=[IDEMPOTENCY_DOC])(view)
        view = bp.arguments(schema)(view)
        view = key_required(Scope.REFERRALS_WRITE)(view)
        return bp.route(path, methods=["POST"])(view)

    return decorator


@_change_route("/referrals/<int:referral_id>/acknowledge", NoteBodySchema, "Acknowledge receipt.")
def acknowledge(body: dict[str, Any], referral_id: int) -> Any:
    return _answer(
        referral_id,
        lambda r: referrals.acknowledge(
            r, actor=g.api_actor, expected_version=body["version"], note=body.get("note")
        ),
    )


@_change_route("/referrals/<int:referral_id>/accept", NoteBodySchema, "Accept the referral.")
def accept(body: dict[str, Any], referral_id: int) -> Any:
    return _answer(
        referral_id,
        lambda r: referrals.accept(
            r, actor=g.api_actor, expected_version=body["version"], note=body.get("note")
        ),
    )


@_change_route("/referrals/<int:referral_id>/decline", DeclineBodySchema, "Decline, saying why.")
def decline(body: dict[str, Any], referral_id: int) -> Any:
    return _answer(
        referral_id,
        lambda r: referrals.decline(
            r, reason=body["reason"], actor=g.api_actor, expected_version=body["version"]
        ),
    )


@_change_route("/referrals/<int:referral_id>/updates", UpdateBodySchema, "Report progress.")
def post_update(body: dict[str, Any], referral_id: int) -> Any:
    return _answer(
        referral_id,
        lambda r: referrals.post_update(
            r, note=body["note"], actor=g.api_actor, expected_version=body["version"]
        ),
    )


@_change_route("/referrals/<int:referral_id>/outcome", OutcomeBodySchema, "Report the outcome (closes it).")
def record_outcome(body: dict[str, Any], referral_id: int) -> Any:
    return _answer(
        referral_id,
        lambda r: referrals.record_outcome(
            r, outcome=body["outcome"], note=body["note"], actor=g.api_actor, expected_version=body["version"]
        ),
    )


@bp.route("/referrals/<int:referral_id>/case-numbers", methods=["POST"])
@key_required(Scope.REFERRALS_WRITE)
@bp.arguments(CaseNumberBodySchema)
@bp.doc(parameters=[IDEMPOTENCY_DOC])
@bp.response(201, CaseNumberAddedSchema)
@_documented(*CHANGE_RESPONSES)
def add_case_number(body: dict[str, Any], referral_id: int) -> Any:
    """Record your own number for the case (a prosecutor's file number, a police complaint...)."""

    def change() -> tuple[dict[str, Any], int]:
        referral = _referral_or_404(referral_id)
        check_version(referral, body["version"])
        row = referrals.add_case_number(referral, kind=body["kind"], number=body["number"], actor=g.api_actor)
        return {"referral": _STATE.dump(referral), "case_number": CaseNumberSchema().dump(row)}, 201

    return _idempotent(change)


# --- webhooks -----------------------------------------------------------------------------------


@bp.route("/webhooks", methods=["GET"])
@key_required(Scope.WEBHOOKS_MANAGE)
@bp.response(200, WebhookListSchema)
@_documented(401, 403, 429)
def list_webhooks() -> Any:
    """Your organisation's webhooks."""
    return {"items": services.list_webhooks(g.api_actor.partner_id)}


@bp.route("/webhooks", methods=["POST"])
@key_required(Scope.WEBHOOKS_MANAGE)
@bp.arguments(WebhookBodySchema)
@bp.response(201, WebhookCreatedSchema)
@_documented(400, 401, 403, 409, 413, 422, 429)
def register_webhook(body: dict[str, Any]) -> Any:
    """Register an HTTPS address to be told of new referrals, revocations and missed deadlines."""
    endpoint, secret = services.register_webhook(
        g.api_actor.partner,
        url=body["url"],
        events=body.get("events"),
        actor=g.api_actor,
        key_id=g.api_key.id,
    )
    data = {name: getattr(endpoint, name) for name in ("id", "url", "events", "created_at")}
    return {**data, "secret": secret}, 201


@bp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@key_required(Scope.WEBHOOKS_MANAGE)
@bp.response(204)
@_documented(401, 403, 404, 429)
def delete_webhook(webhook_id: int) -> Any:
    """Stop deliveries to this webhook."""
    endpoint = services.get_webhook(webhook_id, partner_id=g.api_actor.partner_id)
    if endpoint is None:
        raise ApiProblem(404, _("There is no webhook with this id for your organisation."))
    services.disable_webhook(endpoint, actor=g.api_actor, key_id=g.api_key.id)
    return ""


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.doc(hide=True)
@key_required(Scope.REFERRALS_READ)
def not_found(anything: str) -> Any:
    raise ApiProblem(404, _("There is no such address in the API."))
