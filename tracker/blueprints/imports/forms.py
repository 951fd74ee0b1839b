"""Forms of the import pages: the upload (what the file holds, the file) and the
confirmation. The service checks the kind and the file again and names the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, SubmitField

from tracker.forms import CreateForm, TrackerForm


class UploadForm(CreateForm):
    """Sent twice (a double click), it checks the file once."""

    kind = SelectField(_l("What the file holds"), choices=[])
    file = FileField(
        _l("File"),
        description=_l(
            "Excel (.xlsx) or CSV (separated by ; or ,). Nothing is imported yet: you "
            "first see what the import would do."
        ),
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(TrackerForm):
    submit = SubmitField(_l("Confirm import"))
