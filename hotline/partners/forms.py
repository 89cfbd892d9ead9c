from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.partners.models import PartnerKind

KIND_LABELS = {
    PartnerKind.MINISTRY: _l("Ministry or State agency"),
    PartnerKind.POLICE: _l("Police"),
    PartnerKind.PROSECUTOR: _l("Public prosecutor"),
    PartnerKind.JUDICIARY: _l("Judiciary"),
    PartnerKind.OMBUDSMAN: _l("Ombudsman"),
    PartnerKind.LOCAL_GOV: _l("Regional or local government"),
    PartnerKind.CIVIL_SOCIETY: _l("Civil society"),
    PartnerKind.INTERNATIONAL: _l("International organisation"),
}

E164 = Regexp(r"^\+[1-9]\d{6,14}$", message=_l("Use the international format, e.g. +5114181818."))


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PartnerForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Letters, digits and hyphens only.")),
        ],
    )
    name_es = StringField(_l("Name in Spanish"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    role = TextAreaField(_l("Role in the response to trafficking"), validators=[Optional(), Length(max=5000)])
    is_active = BooleanField(_l("Active (receives referrals)"), default=True)
    handles_minors = BooleanField(_l("Handles children and adolescents"))
    handles_foreigners = BooleanField(_l("Handles foreign victims"))
    handles_abroad = BooleanField(_l("Handles Peruvians abroad"))
    is_24_7 = BooleanField(_l("Available 24 hours, 7 days"))
    office_hours = StringField(_l("Office hours"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone for notifications and hand-offs"), validators=[Optional(), E164])
    email = EmailField(
        _l("Institutional e-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )
    regions = CheckboxListField(
        _l("Regions covered"),
        choices=[],
        validators=[Optional()],
        description=_l("Leave all unticked for national coverage."),
    )
    exploitation_forms = CheckboxListField(
        _l("Forms of exploitation handled"),
        choices=[],
        validators=[Optional()],
        description=_l("Leave all unticked if it handles every form."),
    )
