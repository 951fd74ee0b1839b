"""Evidence files: checked by content, stored under generated names outside static/.

Files live under ``UPLOAD_FOLDER`` (default ``instance/uploads``); the app serves them
only through views that first check the user may see the record they belong to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from tracker.files import open_private, private_folder
from tracker.services.errors import DomainError

CHUNK = 64 * 1024
MIMETYPE_READ_LIMIT = 200  # the longest OpenDocument mimetype is under 60 bytes


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
    """An upload was refused; the message says why."""


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


def allowed_types_text() -> str:
    return ", ".join(dict.fromkeys(k.label.split()[0] for k in ALLOWED))


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


def _copy_limited(source: IO[bytes], target: Path, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open_private(target) as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(
                    _("The file is larger than the limit of %(limit)s.", limit=human_size(limit))
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
        )
    )


def human_size(size: int) -> str:
    """'10 MB', '500 KB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, round(size / 1024))} KB"


def store_upload(upload: FileStorage, *, today: dt.date) -> StoredFile:
    """Check and keep an uploaded file; raise UploadError with a clear reason."""
    original = clean_filename(upload.filename)
    if not upload.filename:
        raise UploadError(_("No file was chosen."))
    token = uuid.uuid4().hex
    try:
        folder = private_folder(upload_folder() / f"{today.year:04d}" / f"{today.month:02d}")
    except OSError as exc:
        raise _not_stored(original, exc) from exc
    temporary = folder / f".{token}.part"
    try:
        size, sha = _copy_limited(upload.stream, temporary, max_file_size())
        if size == 0:
            raise UploadError(_("The file %(name)s is empty.", name=original))
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
                )
            )
        if ext and ext != kind.extension:
            raise UploadError(
                _(
                    "The content of %(name)s does not match its extension (it is %(kind)s).",
                    name=original,
                    kind=kind.label,
                )
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
