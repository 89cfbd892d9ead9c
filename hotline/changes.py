"""How a view runs one change: commit it and say so, or explain why nothing was saved.

A view calls one service; this turns its outcome into the answer. On success the transaction is
committed, the message flashed and the user sent on (POST/redirect/GET). On a version conflict the
caller's conflict page is shown (409); without one, the conflict is explained like a broken rule. On a
broken rule the transaction is rolled back, the reason flashed, and None returned, so that the view
re-renders its form with what was typed (or sends the user back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect

from hotline.errors import HotlineError, VersionConflict
from hotline.extensions import db


def apply_change(
    change: Callable[[], object],
    *,
    success: str,
    next_url: str,
    on_conflict: Callable[[VersionConflict], Any] | None = None,
    category: str = "success",
) -> Any | None:
    try:
        change()
    except VersionConflict as exc:
        if on_conflict is not None:
            return on_conflict(exc)
        db.session.rollback()
        flash(str(exc), "error")
        return None
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None
    db.session.commit()
    flash(success, category)
    return redirect(next_url)
