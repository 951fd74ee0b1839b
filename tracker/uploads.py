"""Evidence files: checked by content, stored under generated names outside static/.

Files live under ``UPLOAD_FOLDER`` (default ``instance/uploads``); the app serves them
only through views that first check the user may see the record they belong to.

A multipart request over ``MAX_CONTENT_LENGTH`` (up to :data:`DISCARD_FACTOR` times it)
is not answered with a bare 413: its fields are read, its files counted but not kept
(:class:`NotReceived`), and the view runs as usual, so the form comes back with what the
user typed and :func:`store_upload` refuses each file with the reason. Larger requests
get the 413 page. One mechanism for every upload form (``init_app``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Flask, Response, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from tracker.files import open_private, private_folder
from tracker.services.errors import DomainError

CHUNK = 64 * 1024
MIMETYPE_READ_LIMIT = 200  # the longest OpenDocument mimetype is under 60 bytes
#: a multipart request up to this many times MAX_CONTENT_LENGTH is read (its files
#: counted, not kept) so that its form can be shown again; a larger one is a 413
DISCARD_FACTOR = 5


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: str


PDF = FileKind("pdf", "application/pdf", "PDF")
PNG = FileKind("png", "image/png", "PNG")
JPEG = FileKind("jpg", "image/jpeg", "JPEG")
WEBP = FileKind("webp", "image/webp", "WebP")
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"
)
XLSX = FileKind(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"
)
PPTX = FileKind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint",
)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", "ODT")
ODS = FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", "ODS")
DOC = FileKind("doc", "application/msword", "Word 97-2003")
XLS = FileKind("xls", "application/vnd.ms-excel", "Excel 97-2003")

ALLOWED: tuple[FileKind, ...] = (PDF, PNG, JPEG, WEBP, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS)
EXTENSION_ALIASES = {"jpeg": "jpg", "ppt": "pptx"}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


class UploadError(DomainError):
    """An upload was refused; the message says why, ``filename`` which file."""

    def __init__(
        self, message: str, *, field: str | None = None, filename: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.filename = filename


class NotReceived(io.RawIOBase):
    """Where a file of a request over MAX_CONTENT_LENGTH goes: its bytes are counted,
    not kept; :func:`store_upload` refuses it."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        return 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return 0


@dataclass(frozen=True)
class StoredFile:
    stored_name: str  # relative to the upload folder, e.g. "2023/07/3f2a….pdf"
    original_name: str
    content_type: str
    size: int
    sha256: str


def upload_folder() -> Path:
    configured = current_app.config.get("UPLOAD_FOLDER")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    return private_folder(folder)


def max_file_size() -> int:
    return int(current_app.config.get("UPLOAD_MAX_FILE_SIZE", 10 * 1024 * 1024))


def max_request_size() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def allowed_types_text() -> str:
    return ", ".join(dict.fromkeys(k.label.split()[0] for k in ALLOWED))


def allowed_extensions() -> list[str]:
    """The file name endings a file input accepts: ``[".pdf", ".png", ".jpg", ".jpeg", …]``."""
    names = [k.extension for k in ALLOWED] + list(EXTENSION_ALIASES)
    return [f".{name}" for name in dict.fromkeys(names)]


def upload_limits() -> dict[str, object]:
    """What a page tells the browser about uploads (checked again by the server)."""
    return {
        "max_file_size": max_file_size(),
        "max_request_size": max_request_size(),
        "extensions": allowed_extensions(),
        "types": allowed_types_text(),
    }


def clean_filename(name: str | None) -> str:
    """A display name: no path, no control characters, at most 150 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    name = name.strip().strip(".") or "berkas"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot else name[:150]
    return name


def sniff(head: bytes, path: Path) -> FileKind | None:
    """The kind of file by its content, or None when it is not an allowed kind."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(OLE_MAGIC):
        return DOC  # refined by the extension below (doc or xls)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    # Read a few bytes only: a "mimetype" member may inflate to gigabytes.
                    with archive.open("mimetype") as member:
                        head_of_member = member.read(MIMETYPE_READ_LIMIT)
                    mimetype = head_of_member.decode("ascii", "replace").strip()
                    return {ODT.content_type: ODT, ODS.content_type: ODS}.get(mimetype)
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return DOCX
                    if any(n.startswith("xl/") for n in names):
                        return XLSX
                    if any(n.startswith("ppt/") for n in names):
                        return PPTX
        except (zipfile.BadZipFile, OSError, UnicodeDecodeError):
            return None
    return None


def _copy_limited(source: IO[bytes], target: Path, limit: int, name: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open_private(target) as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(
                    _(
                        "%(name)s is larger than the limit of %(limit)s.",
                        name=name,
                        limit=human_size(limit),
                    ),
                    filename=name,
                )
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _not_stored(name: str, exc: OSError) -> UploadError:
    current_app.logger.error("upload %s could not be stored: %s", name, exc)
    return UploadError(
        _(
            "The file %(name)s could not be stored on the server (the disk may be full). "
            "Nothing was saved; please try again later or tell the administrator.",
            name=name,
        ),
        filename=name,
    )


def human_size(size: int) -> str:
    """'10 MB', '1,5 MB', '500 KB' (numbers as the interface's language writes them)."""
    from tracker.i18n import number

    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        digits = 0 if megabytes >= 100 or megabytes == int(megabytes) else 1
        return f"{number(megabytes, digits)} MB"
    return f"{number(max(1, round(size / 1024)))} KB"


def store_upload(upload: FileStorage, *, today: dt.date) -> StoredFile:
    """Check and keep an uploaded file; raise UploadError with a clear reason."""
    original = clean_filename(upload.filename)
    if not upload.filename:
        raise UploadError(_("No file was chosen."))
    if isinstance(upload.stream, NotReceived):
        raise UploadError(not_received_message(), filename=original)
    token = uuid.uuid4().hex
    try:
        folder = private_folder(upload_folder() / f"{today.year:04d}" / f"{today.month:02d}")
    except OSError as exc:
        raise _not_stored(original, exc) from exc
    temporary = folder / f".{token}.part"
    try:
        size, sha = _copy_limited(upload.stream, temporary, max_file_size(), original)
        if size == 0:
            raise UploadError(_("The file %(name)s is empty.", name=original), filename=original)
        with temporary.open("rb") as handle:
            head = handle.read(16)
        kind = sniff(head, temporary)
        ext = original.rpartition(".")[2].lower() if "." in original else ""
        ext = EXTENSION_ALIASES.get(ext, ext)
        if kind is DOC and ext == "xls":
            kind = XLS
        if kind is None:
            raise UploadError(
                _(
                    "The file %(name)s is not an allowed type. Allowed: %(types)s.",
                    name=original,
                    types=allowed_types_text(),
                ),
                filename=original,
            )
        if ext and ext != kind.extension:
            raise UploadError(
                _(
                    "The content of %(name)s does not match its extension (it is %(kind)s).",
                    name=original,
                    kind=kind.label,
                ),
                filename=original,
            )
        final = folder / f"{token}.{kind.extension}"
        temporary.rename(final)
    except OSError as exc:  # a full disk, a read-only or vanished volume
        raise _not_stored(original, exc) from exc
    finally:
        temporary.unlink(missing_ok=True)
    relative = final.relative_to(upload_folder()).as_posix()
    return StoredFile(relative, original, kind.content_type, size, sha)


def stored_path(stored_name: str) -> Path:
    root = upload_folder().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:
        raise FileNotFoundError(stored_name)
    return path


def send_stored(stored_name: str, download_name: str, content_type: str) -> Response:
    """Serve a kept file; images and PDFs inline, the rest as downloads, never executed."""
    path = stored_path(stored_name)
    inline = content_type in (
        PDF.content_type,
        PNG.content_type,
        JPEG.content_type,
        WEBP.content_type,
    )
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=download_name,
        max_age=0,
    )
    # Never run anything from an upload; PDFs keep the browser's viewer working.
    if content_type != PDF.content_type:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_stored(stored_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        stored_path(stored_name).unlink(missing_ok=True)


# --- requests over MAX_CONTENT_LENGTH -------------------------------------------------


def not_received_message() -> str:
    return _(
        "The files were not received: together they were larger than %(total)s "
        "(each file may be at most %(each)s). Send fewer or smaller files, in several "
        "updates if needed.",
        total=human_size(max_request_size()),
        each=human_size(max_file_size()),
    )


def _discard(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None = None,
    content_length: int | None = None,
) -> IO[bytes]:
    return NotReceived()  # type: ignore[return-value]


def read_oversized_form() -> None:
    """Before anything reads the form: a multipart POST over MAX_CONTENT_LENGTH but not
    over DISCARD_FACTOR times it is parsed with its files counted, not kept, so the view
    shows its form again with the user's text and each file refused by store_upload."""
    limit = max_request_size()
    length = request.content_length
    if (
        not limit
        or length is None
        or length <= limit
        or length > limit * DISCARD_FACTOR
        or request.method != "POST"
        or request.mimetype != "multipart/form-data"
    ):
        return
    request.max_content_length = length
    parser = FormDataParser(
        stream_factory=_discard,
        max_form_memory_size=request.max_form_memory_size,
        max_content_length=length,
        max_form_parts=request.max_form_parts,
        cls=request.parameter_storage_class,
    )
    stream, form, files = parser.parse(
        request.stream, request.mimetype, length, request.mimetype_params
    )
    # As werkzeug's own parsing does: the parsed data replaces the cached properties.
    request.__dict__.update(stream=stream, form=form, files=files)


def too_large(_exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """A request too large even to be read: say what the limits are."""
    if request.mimetype == "multipart/form-data":
        message = _(
            "What you sent is larger than %(total)s in all (each file may be at most "
            "%(each)s). Nothing was saved: go back and send fewer or smaller files, in "
            "several updates if needed.",
            total=human_size(max_request_size()),
            each=human_size(max_file_size()),
        )
    else:
        message = _("What you sent is too large. Make it smaller or send fewer files.")
    title = _("Too large")
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": message, "status": 413}, 413
    return render_template("errors/error.html", code=413, title=title, message=message), 413


def init_app(app: Flask) -> None:
    """After tracker.guards: this runs before every other request guard (CSRF included)."""
    app.before_request_funcs.setdefault(None, []).insert(0, read_oversized_form)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.add_template_global(upload_limits)
    app.add_template_filter(human_size, "file_size")
