"""Errors as RFC 9457 problem details (`application/problem+json`), with translated titles and
never a stack trace."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Response, json, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from hotline.errors import HotlineError, VersionConflict
from hotline.extensions import db

log = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: lambda: _("The request is malformed"),
    401: lambda: _("A valid API key is required"),
    403: lambda: _("This key may not do that"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict with the referral's current state"),
    413: lambda: _("The request body is too large"),
    415: lambda: _("Send JSON"),
    422: lambda: _("The request cannot be processed"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Internal error"),
    503: lambda: _("Service unavailable"),
}


def title_for(status: int) -> str:
    maker = TITLES.get(status)
    return maker() if maker else _("Error")


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title or title_for(status), "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiProblem(HTTPException):
    """Raised by the API's views to answer with a problem."""

    def __init__(self, status: int, detail: object | None = None, **extra: Any) -> None:
        super().__init__(description=None if detail is None else str(detail))
        self.code = status
        self.extra = extra

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:  # type: ignore[override]
        return problem(self.code or 500, self.description, **self.extra)


def _validation_errors(exc: HTTPException) -> dict | None:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not isinstance(messages, dict):
        return None
    # webargs nests by location ("json", "query"): keep the field names
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update({str(k): v for k, v in errors.items()})
        else:
            flat[str(location)] = errors
    return flat


def register_problem_handlers(bp: Any) -> None:
    @bp.errorhandler(ApiProblem)
    def api_problem(exc: ApiProblem):  # type: ignore[no-untyped-def]
        return exc.get_response()

    @bp.errorhandler(VersionConflict)
    def version_conflict(exc: VersionConflict):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return problem(
            409,
            _("The referral changed since the version you sent. Read it again and retry."),
            title=_("Version conflict"),
        )

    @bp.errorhandler(HotlineError)
    def domain_error(exc: HotlineError):  # type: ignore[no-untyped-def]
        # A rule of the referral's life refused the change (already accepted, revoked...): the
        # request was well formed, the referral's state does not allow it.
        db.session.rollback()
        status = getattr(exc, "status", 409)
        title = getattr(exc, "title", None)
        return problem(status, str(exc), title=str(title) if title else None)

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        errors = _validation_errors(exc) if status in (400, 422) else None
        detail = None
        if status == 422:
            detail = _("Some fields are missing or not valid; see errors.")
        elif status == 400:
            detail = _("The body is not valid JSON.")
        elif status == 413:
            detail = _("Send at most %(kib)d KiB.", kib=_limit_kib())
        elif status == 429:
            detail = _("Slow down and retry later.")
        headers = {}
        if status == 429:
            headers["Retry-After"] = "60"
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return problem(status, detail, errors=errors, headers=headers)

    @bp.errorhandler(Exception)
    def server_error(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        error_id = secrets.token_hex(6)
        log.exception("api error id=%s endpoint=%s", error_id, request.endpoint)
        return problem(
            500, _("Something went wrong on our side (error %(id)s).", id=error_id), error_id=error_id
        )


def _limit_kib() -> int:
    from flask import current_app

    return int(current_app.config.get("API_MAX_BODY_BYTES", 64 * 1024)) // 1024
