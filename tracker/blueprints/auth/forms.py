from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import EqualTo, InputRequired, Length

from tracker.forms import TrackerForm, strip


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
        validators=[InputRequired(), Length(min=10, max=200)],
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


class LanguageForm(TrackerForm):
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
    )
