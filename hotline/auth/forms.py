from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from hotline.auth import passwords
from hotline.auth.models import Role

ROLE_LABELS = {
    Role.OPERATOR: _l("Operator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
    Role.PARTNER: _l("Partner focal point"),
}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    # Field names are a stable interface: password managers and proxies rely on them.
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("Six-digit code"),
        validators=[DataRequired(), Length(min=6, max=7)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class StrongPassword:
    """WTForms validator applying the password policy (needs the e-mail from another field)."""

    def __init__(self, email_field: str | None = None) -> None:
        self.email_field = email_field

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        email = form[self.email_field].data if self.email_field else getattr(form, "user_email", None)
        problems = passwords.password_problems(field.data or "", email=email)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 12 characters. A phrase of several words is easy to remember."),
    )
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(_l("The two passwords do not match."))


class _PartnerChoiceMixin:
    partner = SelectField(_l("Partner organisation"), choices=[])

    def validate_partner(self, field: SelectField) -> None:
        role = self.role.data  # type: ignore[attr-defined]
        if role == Role.PARTNER.value and not field.data:
            raise ValidationError(_l("Choose the organisation of this partner user."))
        if role != Role.PARTNER.value and field.data:
            raise ValidationError(_l("Only partner users belong to an organisation."))


class UserForm(_PartnerChoiceMixin, FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])
    password = PasswordField(
        _l("Temporary password"),
        validators=[DataRequired(), StrongPassword(email_field="email")],
        description=_l("The user must change it at the first login."),
    )


class UserRoleForm(_PartnerChoiceMixin, FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An action button with only the CSRF token (deactivate, reset password...)."""


class TotpEnableForm(TotpForm):
    """The first code from the authenticator app, which turns two-step verification on."""
