"""Cross-cutting pages: the staff home page, /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.access import login_required, public
from hotline.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/app")
@login_required
def home():  # type: ignore[no-untyped-def]
    return render_template("core/home.html")
