from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
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
    """The code prompt at sign-in: the app's six-digit code, or one of the recovery codes."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("The six digits shown by your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )


def _new_code_field() -> StringField:
    return StringField(
        _l("Six-digit code from the app"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


def _current_code_field() -> StringField:
    return StringField(
        _l("Current code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("From your authenticator app as it is now, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )


class TwoStepSetupForm(FlaskForm):
    """The first code of a new authenticator, which turns two-step verification on."""

    code = _new_code_field()


class TwoStepRenewForm(FlaskForm):
    """Move two-step verification to a new authenticator: who you are, then the new app's code."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    current_code = _current_code_field()
    code = _new_code_field()


class TwoStepConfirmForm(FlaskForm):
    """Password and a current code, before turning it off or making new recovery codes."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    current_code = _current_code_field()


class StrongPassword:
    """WTForms validator applying the password policy (the view sets `user_email` and `user_name`)."""

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        problems = passwords.password_problems(
            field.data or "", email=getattr(form, "user_email", None), name=getattr(form, "user_name", None)
        )
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


PASSWORD_HINT = _l(
    "At least 12 characters, hard to guess. A phrase of four or five words is easy to remember."
)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), StrongPassword()], description=PASSWORD_HINT
    )
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(_l("The two passwords do not match."))


class SetPasswordForm(FlaskForm):
    """The page of a one-time link: the user chooses their password."""

    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), StrongPassword()], description=PASSWORD_HINT
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
    role = SelectField(
        _l("Role"),
        choices=role_choices(),
        validators=[DataRequired()],
        description=_l(
            "Once a second administrator approves, the user receives an e-mail with a link to choose "
            "a password."
        ),
    )


class UserRoleForm(_PartnerChoiceMixin, FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An action button with only the CSRF token (deactivate, reset password...)."""


class RefuseRequestForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=300)])
