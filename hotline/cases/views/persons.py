"""The persons on a case (victims, suspects, witnesses, callers): adding and editing them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.access import role_required
from hotline.cases import services
from hotline.cases.forms import PersonForm
from hotline.cases.labels import PERSON_ROLE_LABELS
from hotline.cases.views.common import CASE_STAFF, load_case, load_person, status_code
from hotline.cases.views.conflicts import person_conflict
from hotline.changes import apply_change
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import sc
from hotline.i18n import current_language
from hotline.reference.labels import country_choices


def _person_form() -> PersonForm:
    form = PersonForm()
    form.nationalities.choices = sc(country_choices(current_language()))
    return form


@role_required(*CASE_STAFF)
def person_new(case_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    form = _person_form()
    form.version.data = "0"  # a new person has no version yet
    if request.method == "GET":
        role = request.args.get("role", "victim")
        form.role.data = role if role in PERSON_ROLE_LABELS else "victim"
    elif form.validate():
        try:
            services.add_person(case, form.person_data(), actor=current_user)
        except HotlineError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Person added to case %(reference)s.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="persons"))
    return render_template("cases/person.html", case=case, form=form, person=None), status_code()


@role_required(*CASE_STAFF)
def person_edit(case_id: int, person_id: int):  # type: ignore[no-untyped-def]
    case = load_case(case_id)
    person = load_person(case, person_id)
    form = _person_form()
    if request.method == "GET":
        form.fill(person)
        services.record_person_view(person, current_user)
        db.session.commit()
    elif form.validate():
        response = apply_change(
            lambda: services.update_person(
                person, form.person_data(), expected_version=form.version_number(), actor=current_user
            ),
            success=_("Person saved."),
            next_url=url_for("cases.detail", case_id=case.id, _anchor="persons"),
            on_conflict=lambda exc: person_conflict(case, person.id, form),
        )
        if response is not None:
            return response
    return render_template("cases/person.html", case=case, form=form, person=person), status_code()
