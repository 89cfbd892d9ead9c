from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from hotline.forms import no_nul, record_id, sane_date, strip


class AuditFilterForm(FlaskForm):
    """GET filter form for the audit trail (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=60)])
    actor_id = IntegerField(_l("User id"), validators=[Optional(), record_id])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("success", _l("Success")),
            SelectChoice("failure", _l("Failure")),
            SelectChoice("denied", _l("Denied")),
        ],
        validators=[Optional()],
    )
    since = DateField(_l("From"), validators=[Optional(), sane_date])
    until = DateField(_l("To"), validators=[Optional(), sane_date])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


class AuditExportForm(FlaskForm):
    """Download the trail (CSV): the admin says why, and the export is audited."""

    reason = TextAreaField(
        _l("Why do you need this export?"),
        validators=[
            DataRequired(message=_l("Say why you need the export.")),
            Length(min=10, max=500, message=_l("Between %(min)d and %(max)d characters.")),
            no_nul,
        ],
        filters=[strip],
    )
