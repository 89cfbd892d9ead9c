"""What the telephony services share: their errors, the conversation window, the webhook time limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from hotline.errors import HotlineError
from hotline.extensions import db

CONVERSATION_WINDOW = timedelta(hours=24)  # messages from one number within it share one Call
STATEMENT_TIMEOUT_MS = 4000  # Twilio waits 15 s for a webhook; keep well inside it


class TelephonyError(HotlineError):
    pass


class CallNotLive(TelephonyError):
    pass


class CallAlreadyClaimed(TelephonyError):
    pass


class HandoffFailed(TelephonyError):
    pass


class RecordingUnavailableError(TelephonyError):
    pass


def bound_statement_time() -> None:
    """On PostgreSQL, give up on any statement of this webhook after a few seconds (then fall back)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
