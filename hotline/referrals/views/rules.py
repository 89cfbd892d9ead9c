"""Routing rules pages (admins and coordinators): list, create, edit."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import Role, role_required
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import yes_no_choice, yes_no_value
from hotline.i18n import current_language
from hotline.partners.services import list_partners
from hotline.reference.services import list_exploitation_forms, list_regions
from hotline.referrals import services
from hotline.referrals.forms import RuleForm
from hotline.referrals.models import RoutingRule
from hotline.referrals.views.common import conflict, incomplete

RULE_EDITORS = (Role.ADMIN, Role.COORDINATOR)
TRI_FIELDS = ("minors", "foreign_victims", "peruvians_abroad", "adult_women")
LIST_FIELDS = ("exploitation_forms", "regions", "risks", "indicators")


@role_required(*RULE_EDITORS)
def rules():  # type: ignore[no-untyped-def]
    locale = current_language()
    return render_template(
        "referrals/rules.html",
        rules=services.list_rules(),
        forms_names={f.code: f.name(locale) for f in list_exploitation_forms()},
        regions={r.ubigeo: r.name for r in list_regions()},
    )


def _form(rule: RoutingRule | None) -> RuleForm:
    form = RuleForm(obj=rule if request.method == "GET" else None)
    form.creating = rule is None
    locale = current_language()
    form.partners.choices = [(p.code, f"{p.code} — {p.name(locale)}") for p in list_partners()]
    form.exploitation_forms.choices = [(f.code, f.name(locale)) for f in list_exploitation_forms()]
    form.regions.choices = [(r.ubigeo, r.name) for r in list_regions()]
    if request.method == "GET" and rule is not None:
        form.version.data = str(rule.version_id)
        form.partners.data = [p.code for p in rule.partners]
        for name in TRI_FIELDS:
            form[name].data = yes_no_choice(getattr(rule, name))
    return form


def _data(form: RuleForm) -> services.RuleData:
    values: dict[str, Any] = {name: tuple(form[name].data or ()) for name in LIST_FIELDS}
    values.update({name: yes_no_value(form[name].data) for name in TRI_FIELDS})
    return services.RuleData(
        code=form.code.data or "",
        name_es=form.name_es.data or "",
        name_en=form.name_en.data or "",
        kind=form.kind.data,
        basis=form.basis.data or "",
        is_active=bool(form.is_active.data),
        position=form.position.data or 0,
        partner_codes=tuple(form.partners.data or ()),
        **values,
    )


@role_required(*RULE_EDITORS)
def rule_new():  # type: ignore[no-untyped-def]
    return _edit(None)


@role_required(*RULE_EDITORS)
def rule_edit(rule_id: int):  # type: ignore[no-untyped-def]
    rule = db.session.get(RoutingRule, rule_id) if 0 < rule_id <= 2**31 - 1 else None
    if rule is None:
        abort(404)
    return _edit(rule)


def _edit(rule: RoutingRule | None):  # type: ignore[no-untyped-def]
    form = _form(rule)
    if request.method == "POST" and rule is not None and form.version_number() is None:
        return incomplete(request.path)
    if form.validate_on_submit():
        try:
            saved = services.save_rule(
                rule, _data(form), actor=current_user, expected_version=form.version_number()
            )
        except services.VersionConflict as exc:
            return conflict(request.path, message=str(exc))
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Rule %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("referrals.rules"))
    status = 422 if request.method == "POST" else 200
    return render_template("referrals/rule_edit.html", form=form, rule=rule), status
