"""Errors shared by the API services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.errors import HotlineError


class ApiError(HotlineError):
    """A rule of the API was broken (the message is safe to show)."""

    status = 422
    title = _l("The request cannot be processed")


class IdempotencyMismatch(ApiError):
    status = 409
    title = _l("Idempotency key reused")


class IdempotencyInProgress(ApiError):
    status = 409
    title = _l("The same request is being processed")


class WebhookRefused(ApiError):
    status = 409  # the organisation's webhooks as they stand refuse it (too many, already there)
    title = _l("The webhook cannot be registered")
