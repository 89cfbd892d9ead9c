"""Admin pages of the partner directory."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.access import Role, role_required
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.partners import services
from hotline.partners.forms import KIND_LABELS, PartnerForm
from hotline.partners.models import Partner, PartnerKind
from hotline.reference.services import list_exploitation_forms, list_regions

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")


@bp.route("/")
@role_required(Role.ADMIN, Role.COORDINATOR)
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "partners/index.html",
        partners=services.list_partners(),
        focal_points=services.count_focal_points(),
        kind_labels=KIND_LABELS,
    )


def _form(partner: Partner | None) -> PartnerForm:
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    lang = current_language()
    form.regions.choices = [SelectChoice(r.ubigeo, r.name) for r in list_regions()]
    form.exploitation_forms.choices = [SelectChoice(f.code, f.name(lang)) for f in list_exploitation_forms()]
    if request.method == "GET" and partner is not None:
        form.regions.data = [r.ubigeo for r in partner.regions]
        form.exploitation_forms.data = [f.code for f in partner.exploitation_forms]
    return form


def _data(form: PartnerForm) -> services.PartnerData:
    return services.PartnerData(
        code=form.code.data,
        name_es=form.name_es.data.strip(),
        name_en=form.name_en.data.strip(),
        kind=PartnerKind(form.kind.data),
        role=form.role.data or "",
        is_active=form.is_active.data,
        handles_minors=form.handles_minors.data,
        handles_foreigners=form.handles_foreigners.data,
        handles_abroad=form.handles_abroad.data,
        is_24_7=form.is_24_7.data,
        office_hours=form.office_hours.data or "",
        phone=form.phone.data or None,
        email=(form.email.data or "").strip().lower() or None,
        region_codes=tuple(form.regions.data or ()),
        form_codes=tuple(form.exploitation_forms.data or ()),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():  # type: ignore[no-untyped-def]
    return _edit(None)


@bp.route("/<int:partner_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(partner_id: int):  # type: ignore[no-untyped-def]
    return _edit(db.get_or_404(Partner, partner_id))


def _edit(partner: Partner | None):  # type: ignore[no-untyped-def]
    form = _form(partner)
    if form.validate_on_submit():
        try:
            saved = services.save_partner(partner, _data(form), actor=current_user)
        except HotlineError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Partner %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("partners.index"))
    return render_template("partners/edit.html", form=form, partner=partner)
