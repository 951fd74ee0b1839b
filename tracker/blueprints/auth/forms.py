from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from tracker.forms import TrackerForm, password_rules, strip


class LoginForm(TrackerForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(TrackerForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=200), password_rules],
        description=_l("At least 10 characters, with letters and digits."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field: Any) -> None:
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class LanguageForm(TrackerForm):
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
    )
