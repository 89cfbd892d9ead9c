"""The reports' forms: the filter bar (GET), the identifiable export (POST), the working-group period."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from hotline.reports.exports import REASON_MAX, REASON_MIN
from hotline.reports.filters import EARLIEST, ReportFilter, default_filter, range_errors

PERIOD_LABELS = {"day": _l("Day"), "week": _l("Week"), "month": _l("Month")}
DATASET_LABELS = {
    "calls": _l("Contacts"),
    "cases": _l("Cases"),
    "referrals": _l("Referrals"),
    "htcds": _l("Victims, standard form (HTCDS / CTDC), k-anonymised"),
}
FORMAT_LABELS = {"csv": _l("CSV"), "xlsx": _l("Excel (XLSX)")}


def _known(message: object):  # type: ignore[no-untyped-def]
    def check(form: Any, field: Any) -> None:
        values = {str(c.value if isinstance(c, SelectChoice) else c[0]) for c in field.choices}
        if field.data and field.data not in values:
            raise ValidationError(message)

    return check


class ReportFilterForm(FlaskForm):
    """The filter bar above the dashboard and the exports (GET: changes nothing, no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    period = SelectField(
        _l("Group by"),
        choices=[SelectChoice(k, v) for k, v in PERIOD_LABELS.items()],
        default="month",
        validate_choice=False,
        validators=[_known(_l("Choose days, weeks or months."))],
    )
    region = SelectField(
        _l("Region"),
        validate_choice=False,
        validators=[_known(_l("Choose a region from the list."))],
        description=_l("A department includes its provinces (Lima includes Lima Metropolitana)."),
    )
    form = SelectField(
        _l("Form of exploitation"),
        validate_choice=False,
        validators=[_known(_l("Choose a form of exploitation from the list."))],
    )
    partner = SelectField(
        _l("Partner"), validate_choice=False, validators=[_known(_l("Choose a partner from the list."))]
    )

    def set_choices(
        self, regions: list[tuple[str, str]], forms: list[tuple[str, str]], partners: list[tuple[int, str]]
    ) -> None:
        self.region.choices = [SelectChoice("", _l("All regions"))] + [SelectChoice(c, n) for c, n in regions]
        self.form.choices = [SelectChoice("", _l("All forms"))] + [SelectChoice(c, n) for c, n in forms]
        self.partner.choices = [SelectChoice("", _l("All partners"))] + [
            SelectChoice(str(i), n) for i, n in partners
        ]

    def validate_with_dates(self, today: date) -> bool:
        """The fields, then the range (reversed, absurd or too long ranges get a clear message)."""
        ok = self.validate()
        if self.start.errors or self.end.errors:
            return False
        start, end = self._dates(today)
        errors = range_errors(start, end, self._period(), today)
        if errors:
            self.end.errors = [*self.end.errors, *errors]
            return False
        return ok

    def _period(self) -> str:
        field = getattr(self, "period", None)  # the exports have no periods (see views._filter_form)
        return field.data if field is not None and field.data in PERIOD_LABELS else "month"

    def _dates(self, today: date) -> tuple[date, date]:
        """Missing dates default to the twelve months up to the end date (today by default)."""
        end = self.end.data or today
        if self.start.data:
            return self.start.data, end
        # No year before the first possible date: range_errors then explains what is allowed.
        return (default_filter(end).start if end >= EARLIEST else end), end

    def to_filter(self, today: date) -> ReportFilter:
        """The filter of a validated form."""
        start, end = self._dates(today)
        return ReportFilter(
            start=start,
            end=end,
            region=self.region.data or None,
            form=self.form.data or None,
            partner_id=int(self.partner.data) if self.partner.data else None,
            period=self._period(),
        )


class IdentifiableExportForm(FlaskForm):
    """An identifiable export: managers only, with a written reason (kept in the audit trail)."""

    dataset = SelectField(
        _l("Data"),
        choices=[SelectChoice(k, v) for k, v in DATASET_LABELS.items() if k != "htcds"],
        validators=[InputRequired()],
    )
    fmt = SelectField(
        _l("Format"),
        choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Why do you need identifiable data?"),
        validators=[InputRequired(message=_l("Write why you need identifiable data."))],
        description=_l(
            "For example the request or legal basis (a prosecutor's request, a data-quality check). "
            "It is kept in the audit trail: do not write names or other personal data here."
        ),
        render_kw={"maxlength": REASON_MAX, "minlength": REASON_MIN, "rows": 3},
    )
    # The active filters travel in hidden fields (never personal data).
    start = HiddenField()
    end = HiddenField()
    region = HiddenField()
    form = HiddenField()
    partner = HiddenField()


class WorkingGroupForm(FlaskForm):
    """Which period the working-group report covers (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Period"),
        choices=[SelectChoice("month", _l("Month"))],  # published figures cover one month (README)
        default="month",
        validate_choice=False,
    )
    year = IntegerField(
        _l("Year"),
        validators=[Optional(), NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2026."))],
    )
    number = IntegerField(
        _l("Month (1–12) or quarter (1–4)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=12, message=_l("Enter a month from 1 to 12 or a quarter from 1 to 4.")),
        ],
    )
    partner = SelectField(
        _l("Partner"), validate_choice=False, validators=[_known(_l("Choose a partner from the list."))]
    )
    reasons = BooleanField(
        _l("Include the partners' decline reasons"),
        description=_l(
            "Their own words: read them before sharing the report, they must not identify anyone."
        ),
    )


class ReleaseMakeForm(FlaskForm):
    """Make the next release of a period (POST, CSRF): the period is checked by the service."""

    period = SelectField(
        _l("Period"),
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a period."))],
        description=_l("Quarters and years that have ended and have victims in no release yet."),
    )
