"""Signals of the cases domain, for the floors above it (connected in `create_app`, never here).

A receiver is called synchronously, in the caller's transaction; an exception it raises reaches
the caller unchanged.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

case_closing = _signals.signal(
    "case-closing",
    doc="""A case is about to close: `send(case, override_reason=..., actor=...)`.

    Sent by `close_case` after its own checks and before any change; a receiver refuses the close by
    raising a HotlineError (its message is shown to the user).""",
)
