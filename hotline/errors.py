"""The HotlineError base class and the error pages (a 500 rolls back and shows only an id)."""

from __future__ import annotations

import logging
import secrets
import traceback

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException

from hotline.extensions import db

log = logging.getLogger(__name__)


class HotlineError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user (translatable)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class VersionConflict(HotlineError):
    """Someone else changed the record since the form was loaded, or the form came without its version.

    Every change to a versioned record names the version it was based on; a missing version is a
    conflict, never a silent overwrite.
    """

    def __init__(self, object_id: int | None = None, message: object | None = None) -> None:
        super().__init__(message or _l("Someone else changed this record while you were editing it."))
        self.object_id = object_id


class ClearBadRequest(BadRequest):
    """A 400 whose (translated) description tells the user what was wrong and what is allowed."""

    def __init__(self, message: object) -> None:
        super().__init__(description=str(message))
        self.message = message


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def database_unavailable(exc: Exception, error_id: str):  # type: ignore[no-untyped-def]
    """The database failed mid-request: everything was rolled back, and what the user typed comes back.

    The page offers the same form again, filled with what was sent, to send once the database
    answers; it touches neither the database nor the signed-in user (both may be unusable now).
    """
    log.error("database error id=%s endpoint=%s class=%s", error_id, request.endpoint, type(exc).__name__)
    if _wants_json():
        return jsonify(error="Service Unavailable", status=503, error_id=error_id), 503
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and request.method == "POST"
    ]
    response = render_template(
        "errors/503.html", error_id=error_id, typed=typed, action=request.full_path.rstrip("?")
    )
    return response, 503, {"Retry-After": "30"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        detail = str(exc.message) if isinstance(exc, ClearBadRequest) else None
        if _wants_json():
            return jsonify(error=exc.name, status=code, detail=detail), code
        template = f"errors/{code}.html" if code in (400, 403, 404, 413, 429) else "errors/generic.html"
        return render_template(template, code=code, name=exc.name, detail=detail), code

    @app.errorhandler(Exception)
    def server_error(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        error_id = secrets.token_hex(6)
        if isinstance(exc, SQLAlchemyError):
            return database_unavailable(exc, error_id)
        # The frames (file, line, function) and the class, never the message: it can quote data.
        log.error(
            "unhandled error id=%s endpoint=%s class=%s\n%s",
            error_id,
            request.endpoint,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
        if _wants_json():
            return jsonify(error="Internal Server Error", status=500, error_id=error_id), 500
        return render_template("errors/500.html", error_id=error_id), 500
