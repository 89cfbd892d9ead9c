"""Signals of the referrals domain, for the floors above it (connected in `create_app`, never here).

A receiver is called synchronously, in the caller's transaction: what it queues is committed with
the change it describes, or dropped with it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

partner_event = _signals.signal(
    "referral-partner-event",
    doc="""Something the partner is told about happened: `send(referral, event=...)`, with event
    "sent", "revoked" or "escalated" (the acknowledgement deadline passed). Receivers queue
    notices (the partner API's webhooks); they never change the referral.""",
)
