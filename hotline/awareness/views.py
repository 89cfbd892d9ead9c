"""Public pages. A placeholder home until the awareness site lands."""

from __future__ import annotations

from flask import Blueprint, render_template

from hotline.auth.access import public

bp = Blueprint("awareness", __name__)


@bp.route("/")
@public
def home():  # type: ignore[no-untyped-def]
    return render_template("awareness/home.html")
