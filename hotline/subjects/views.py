"""Admin pages for the rights of data subjects (Ley 29733): find, export, correct, anonymise."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.access import Role, role_required
from hotline.cases import services as cases
from hotline.cases.labels import (
    DOCUMENT_LABELS,
    GENDER_LABELS,
    PERSON_ROLE_LABELS,
    STATUS_LABELS,
)
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.reference.labels import country_choices
from hotline.subjects import services
from hotline.subjects.forms import (
    SubjectAnonymiseForm,
    SubjectCorrectionForm,
    SubjectExportForm,
    SubjectSearchForm,
)
from hotline.subjects.labels import CHANGE_LABELS, KIND_LABELS

bp = Blueprint("subjects", __name__, url_prefix="/admin/subjects")


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "KIND_LABELS": KIND_LABELS,
        "CHANGE_LABELS": CHANGE_LABELS,
        "GENDER_LABELS": GENDER_LABELS,
        "DOCUMENT_LABELS": DOCUMENT_LABELS,
        "PERSON_ROLE_LABELS": PERSON_ROLE_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "PLACEHOLDER": cases.PLACEHOLDER,
    }


def _index(form: SubjectSearchForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("subjects/index.html", form=form, requests=services.list_requests()), status


@bp.route("/")
@role_required(Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    return _index(SubjectSearchForm())


@bp.route("/search", methods=["POST"])
@role_required(Role.ADMIN)
def search():  # type: ignore[no-untyped-def]
    """The search by personal data comes in the POST body and the results are this response."""
    form = SubjectSearchForm()
    if not form.validate():
        return _index(form, 400)
    result = services.find_persons(form.q.data)
    services.record_search(result, current_user)
    db.session.commit()
    return render_template("subjects/results.html", form=form, result=result)


def _persons_or_redirect() -> Any:
    try:
        return services.get_persons(request.args.getlist("person"))
    except services.SubjectError as exc:
        flash(exc.message, "error")
        return None


def _subject_page(persons: list, *, export_form=None, anonymise_form=None, status: int = 200):  # type: ignore[no-untyped-def]
    ids = ",".join(str(p.id) for p in persons)
    export_form = export_form or SubjectExportForm(persons=ids, formdata=None)
    anonymise_form = anonymise_form or SubjectAnonymiseForm(persons=ids, formdata=None)
    return (
        render_template(
            "subjects/subject.html",
            persons=persons,
            export_form=export_form,
            anonymise_form=anonymise_form,
            ids=[p.id for p in persons],
        ),
        status,
    )


@bp.route("/subject")
@role_required(Role.ADMIN)
def subject():  # type: ignore[no-untyped-def]
    persons = _persons_or_redirect()
    if persons is None:
        return redirect(url_for("subjects.index"))
    for person in persons:
        cases.record_person_view(person, current_user)
    db.session.commit()
    return _subject_page(persons)


def _posted_persons(form: Any) -> list:
    try:
        return services.get_persons(form.person_ids())
    except services.SubjectError:
        abort(404)


@bp.route("/subject/export", methods=["POST"])
@role_required(Role.ADMIN)
def export():  # type: ignore[no-untyped-def]
    form = SubjectExportForm()
    persons = _posted_persons(form)
    if not form.validate():
        return _subject_page(persons, export_form=form, status=400)
    try:
        data = services.export_subject(
            persons, reason=form.reason.data, fmt=form.fmt.data, actor=current_user
        )
    except HotlineError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _subject_page(services.get_persons([p.id for p in persons]), export_form=form, status=400)
    db.session.commit()
    if form.fmt.data == "json":
        response = Response(
            json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False),
            mimetype="application/json",
        )
        response.headers["Content-Disposition"] = (
            f'attachment; filename="datos-personales-solicitud-{data["request"]}.json"'
        )
        return response
    return render_template("subjects/export.html", data=data, persons=persons)


@bp.route("/subject/anonymise", methods=["POST"])
@role_required(Role.ADMIN)
def anonymise():  # type: ignore[no-untyped-def]
    form = SubjectAnonymiseForm()
    persons = _posted_persons(form)
    if not form.validate():
        return _subject_page(persons, anonymise_form=form, status=400)
    try:
        done = services.anonymise_subject(persons, reason=form.reason.data, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _subject_page(services.get_persons([p.id for p in persons]), anonymise_form=form, status=409)
    db.session.commit()
    flash(_("Anonymised: request %(number)d is in the register.", number=done.id), "success")
    return redirect(url_for("subjects.subject", person=[p.id for p in persons]))


@bp.route("/persons/<int:person_id>/correct", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def correct(person_id: int):  # type: ignore[no-untyped-def]
    person = services.get_person(person_id)
    if person is None:
        abort(404)
    form = SubjectCorrectionForm()
    form.nationalities.choices = [SelectChoice(c, n) for c, n in country_choices(current_language())]
    if request.method == "GET":
        form.fill(person)
        cases.record_person_view(person, current_user)
        db.session.commit()
    elif form.validate_on_submit():
        try:
            done = services.correct_subject(
                person,
                expected_version=form.version_number(),
                reason=form.reason.data,
                actor=current_user,
                **form.values(),
            )
        except HotlineError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("subjects/correct.html", form=form, person=person), 409
        db.session.commit()
        flash(_("Corrected: request %(number)d is in the register.", number=done.id), "success")
        return redirect(url_for("subjects.subject", person=person.id))
    status = 400 if request.method == "POST" else 200
    return render_template("subjects/correct.html", form=form, person=person), status
