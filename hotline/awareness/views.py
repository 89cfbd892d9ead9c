"""The public awareness site (Spanish and English) and the anonymous tip form at /report.

Spanish is the default; `?lang=en` switches (hotline.i18n remembers it in a cookie). Each page has
canonical and hreflang links built on HOTLINE_PUBLIC_URL. No view here reads case data: tips go to
`calls.services` through `awareness.services.file_tip`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from hotline.access import public
from hotline.awareness import services
from hotline.awareness.forms import TipForm
from hotline.extensions import db, limiter
from hotline.i18n import current_language

log = logging.getLogger(__name__)

bp = Blueprint("awareness", __name__)

TIP_REFERENCE_KEY = "awareness_tip_reference"
QUICK_EXIT_URL = "https://www.google.com/search?q=clima"


def tip_rate_limit() -> str:
    return current_app.config["TIP_RATE_LIMIT"]


def _hotline_number() -> str:
    return current_app.config["HOTLINE_PUBLIC_NUMBER"]


def public_url(endpoint: str, lang: str | None = None, external: bool = False, **values: Any) -> str:
    """A public page's URL in a language; `external` prefixes HOTLINE_PUBLIC_URL (canonical links)."""
    if lang:
        values["lang"] = lang
    path = url_for(endpoint, **values)
    if external:
        return current_app.config["HOTLINE_PUBLIC_URL"].rstrip("/") + path
    return path


def _tel_link(number: str) -> Markup:
    return Markup('<a href="tel:{}">{}</a>').format(services.phone_target(number), number)


@bp.context_processor
def public_context() -> dict[str, Any]:
    lang = current_language()
    endpoint = request.endpoint or "awareness.home"
    alternates = {code: public_url(endpoint, code, external=True) for code in services.LANGUAGES}
    alternates["x-default"] = public_url(endpoint, external=True)
    number = _hotline_number()
    emergency = current_app.config.get("HOTLINE_EMERGENCY_NUMBER") or "105"
    return {
        "public_url": public_url,
        "canonical_url": alternates.get(lang, alternates["x-default"]),
        "alternate_urls": alternates,
        "public_nav": services.list_pages(lang, hotline_number=_hotline_number()),
        "quick_exit_url": QUICK_EXIT_URL,
        "hotline_number": number,
        "hotline_tel": services.phone_target(number),
        "hotline_link": _tel_link(number),
        "emergency_number": emergency,
        "emergency_link": _tel_link(emergency),
    }


def _page(slug: str):  # type: ignore[no-untyped-def]
    lang = current_language()
    page = services.get_page(slug, lang, hotline_number=_hotline_number())
    return render_template(
        f"awareness/{'home' if slug == 'home' else 'page'}.html",
        page=page,
        source_dates=services.source_dates(lang) if page.source else None,
        destinations=services.list_destinations(lang),
    )


@bp.route("/")
@public
def home():  # type: ignore[no-untyped-def]
    return _page("home")


@bp.route("/reconocer-la-trata")
@public
def recognise():  # type: ignore[no-untyped-def]
    return _page("recognise")


@bp.route("/ofertas-falsas")
@public
def scams():  # type: ignore[no-untyped-def]
    return _page("scams")


@bp.route("/migracion-en-cifras")
@public
def migration():  # type: ignore[no-untyped-def]
    return _page("migration")


@bp.route("/oim-en-el-peru")
@public
def iom():  # type: ignore[no-untyped-def]
    return _page("iom")


@bp.route("/que-se-hace")
@public
def action():  # type: ignore[no-untyped-def]
    return _page("action")


@bp.route("/report", methods=["GET", "POST"])
@public
@limiter.limit(tip_rate_limit, methods=["POST"])
def report():  # type: ignore[no-untyped-def]
    form = TipForm()
    form.set_region_choices(services.region_choices())
    lang = current_language()
    if request.method == "POST" and form.website.data:
        # Honeypot filled: a bot. Store nothing and answer exactly as for a real tip.
        log.info("web tip discarded: honeypot field filled")
        session[TIP_REFERENCE_KEY] = services.decoy_reference()
        return redirect(public_url("awareness.report_sent", lang))
    if form.validate_on_submit():
        # The visitor's IP must not be stored with the tip: the audit row that calls.services
        # writes takes its IP from g.client_ip, so clear it for this request. (The rate limiter
        # keeps a counter per IP in its own store, expiring within the hour; it is never joined to
        # the tip.)
        g.client_ip = None
        call = services.file_tip(
            what_happened=form.what_happened.data or "",
            region_ubigeo=form.region.data or None,
            when=form.when.data or "",
            at_risk=form.at_risk.data or [],
            contact=form.contact.data or "",
            language=lang,
        )
        db.session.commit()
        log.info("web tip stored as call id=%s", call.id)
        session[TIP_REFERENCE_KEY] = services.tip_reference(call.id)
        return redirect(public_url("awareness.report_sent", lang))
    return _report_form(form)


def _report_form(form: TipForm, status: int = 200):  # type: ignore[no-untyped-def]
    html = render_template(
        "awareness/report.html",
        form=form,
        title=_("Report trafficking anonymously"),
        description=_(
            "Send a tip about a possible case of human trafficking without giving your name. "
            "It reaches the national hotline's operators."
        ),
    )
    return html, status


@bp.route("/report/sent")
@public
def report_sent():  # type: ignore[no-untyped-def]
    # Shown once: reloading later (or on a shared device) shows the empty form instead.
    reference = session.pop(TIP_REFERENCE_KEY, None)
    if reference is None:
        return redirect(public_url("awareness.report", current_language()))
    return render_template(
        "awareness/report_sent.html",
        reference=reference,
        title=_("Thank you: your tip has been sent"),
        description=_("Your tip has reached the national hotline against trafficking in persons."),
    )


@bp.errorhandler(CSRFError)
def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
    """A tip whose form expired: 400 and nothing stored, but the visitor keeps what they typed."""
    if request.endpoint == "awareness.report":
        form = TipForm()
        form.set_region_choices(services.region_choices())
        form.csrf_token.errors = [_("The form expired. Please send it again.")]
        return _report_form(form, 400)
    return _public_error(exc)


@bp.errorhandler(429)
def too_many(exc: HTTPException):  # type: ignore[no-untyped-def]
    return _public_error(exc)


def _public_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    """Errors on public pages keep the public frame (quick exit, hotline number)."""
    code = exc.code or 500
    if code == 429:
        heading = _("Please wait a moment")
        message = _(
            "Several tips have been sent from this connection in a short time. Please try again later."
        )
    else:
        heading = _("Something went wrong")
        message = _("Your request could not be processed. Please try again.")
    return render_template("awareness/error.html", heading=heading, message=message), code
