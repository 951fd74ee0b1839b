"""Signatures given at check-in (the personal pass page, the door kiosk or the attendance
screen), placed in the person's row of the daftar hadir.

A signature arrives as a small SVG document drawn by ``static/js/signature.js``. It is shown
on printed documents and pages, so it is checked strictly and stored as a fresh document
written here from what passed the check, never as the bytes that were sent:

- at most :data:`MAX_BYTES`; no DOCTYPE, no entity, no processing instruction, no text;
- only the elements ``svg`` (the root), ``g`` and ``path``, and only the attributes in
  :data:`ALLOWED_ATTRIBUTES`, each with a value of its expected shape (path data made of
  path commands and numbers, colours as ``#rgb``/``#rrggbb``/``none``, plain numbers): no
  script, ``foreignObject``, event handler, link or ``style`` can pass;
- at least one stroke.

The standard library's expat parser is used with every declaration handler refusing, so
an entity is never defined, let alone expanded.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AttendanceSignature, AttendanceStatus, Invitation
from tracker.services.errors import DomainError

MAX_BYTES = 64 * 1024
MAX_DEPTH = 3  # svg > g > path
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ALLOWED_ELEMENTS = frozenset({"svg", "g", "path"})
ALLOWED_ATTRIBUTES = frozenset(
    {
        "d",
        "viewBox",
        "width",
        "height",
        "fill",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "xmlns",
    }
)
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PATTERNS = {
    # path data: commands and numbers only (no letters that could start a word)
    "d": re.compile(r"^[MmLlHhVvCcSsQqTtAaZz0-9eE.,+\-\s]*$"),
    "viewBox": re.compile(rf"^\s*{_NUMBER}(?:[\s,]+{_NUMBER}){{3}}\s*$"),
    "width": re.compile(rf"^{_NUMBER}(?:px|%)?$"),
    "height": re.compile(rf"^{_NUMBER}(?:px|%)?$"),
    "stroke-width": re.compile(rf"^{_NUMBER}$"),
    "fill": re.compile(r"^(?:none|#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6})$"),
    "stroke": re.compile(r"^(?:none|#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6})$"),
    "stroke-linecap": re.compile(r"^(?:butt|round|square)$"),
    "stroke-linejoin": re.compile(r"^(?:miter|round|bevel)$"),
    "xmlns": re.compile(rf"^{re.escape(SVG_NAMESPACE)}$"),
}
_DRAWS = re.compile(r"\d")
#: the statuses in which a person has arrived (in person or through a representative)
ARRIVED = (AttendanceStatus.HADIR, AttendanceStatus.DIWAKILI)


class SignatureRefused(ValueError):
    """The SVG is not a signature this application accepts (the message says why)."""


class SignatureError(DomainError):
    """A signature was refused (shown at the pad)."""


@dataclass
class _Element:
    tag: str
    attributes: dict[str, str]
    children: list[_Element] = field(default_factory=list)


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _write(element: _Element) -> str:
    attributes = "".join(f' {k}="{_escape(v)}"' for k, v in element.attributes.items())
    if element.tag == "svg" and "xmlns" not in element.attributes:
        attributes = f' xmlns="{SVG_NAMESPACE}"{attributes}'
    if not element.children:
        return f"<{element.tag}{attributes}/>"
    inner = "".join(_write(child) for child in element.children)
    return f"<{element.tag}{attributes}>{inner}</{element.tag}>"


def _refuse_declaration(*_args: object) -> None:
    raise SignatureRefused(_("The signature may not contain declarations or entities."))


def _refuse_other(data: str) -> None:
    """Anything expat reports without a handler of its own: whitespace around the root is
    fine, anything else (a CDATA section, an entity reference) is refused."""
    if data.strip():
        _refuse_declaration()


def clean_svg(svg: str | None) -> str:
    """The signature ``svg`` written again from its checked elements; raises
    :class:`SignatureRefused` with an Indonesian (or the user's language) message."""
    text = (svg or "").strip()
    if not text:
        raise SignatureRefused(_("Please sign before saving."))
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SignatureRefused(
            _("The signature is too large (at most %(kb)d KB).", kb=MAX_BYTES // 1024)
        )
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.NotationDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    parser.ProcessingInstructionHandler = _refuse_declaration
    parser.DefaultHandler = _refuse_other  # CDATA, an entity reference, ...

    stack: list[_Element] = []
    roots: list[_Element] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag not in ALLOWED_ELEMENTS or (tag == "svg") != (not stack):
            raise SignatureRefused(
                _("The signature may only contain strokes (element “%(tag)s” refused).", tag=tag)
            )
        if len(stack) >= MAX_DEPTH:
            raise SignatureRefused(_("The signature is nested too deeply."))
        for name, value in attributes.items():
            if name not in ALLOWED_ATTRIBUTES:
                raise SignatureRefused(
                    _("The signature may not carry the attribute “%(name)s”.", name=name)
                )
            pattern = _PATTERNS.get(name)
            if pattern is None or not pattern.match(value):
                raise SignatureRefused(
                    _("The attribute “%(name)s” of the signature has an invalid value.", name=name)
                )
        element = _Element(tag, dict(attributes))
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        if data.strip():
            raise SignatureRefused(_("The signature may only contain strokes, not text."))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.CommentHandler = lambda _data: None
    parser.XmlDeclHandler = lambda *_args: None
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise SignatureRefused(_("The signature is not a valid SVG image.")) from exc
    if len(roots) != 1:
        raise SignatureRefused(_("The signature is not a valid SVG image."))
    root = roots[0]
    if "viewBox" not in root.attributes:
        raise SignatureRefused(_("The signature has no drawing area (viewBox)."))
    if not any(_DRAWS.search(p.attributes.get("d", "")) for p in _paths(root)):
        raise SignatureRefused(_("Please sign before saving."))
    return _write(root)


def _paths(element: _Element) -> Iterable[_Element]:
    for child in element.children:
        if child.tag == "path":
            yield child
        yield from _paths(child)


def signer_name(invitation: Invitation) -> str:
    """Who signs for this invitation: the representative when the invitee sent one (they
    are the one at the door), else the invitee."""
    if invitation.status is AttendanceStatus.DIWAKILI:
        rep = invitation.representative
        if rep is not None:
            return rep.name
        if invitation.representative_name:
            return invitation.representative_name
    return invitation.person.name


def save(
    invitation: Invitation, svg: str | None, signed_by: str, at: dt.datetime
) -> AttendanceSignature:
    """Keep ``svg`` as the signature of ``invitation`` (replacing an earlier one), signed
    by ``signed_by`` (the invitee or their representative) at ``at``. Refused before the
    person has arrived, and for anything :func:`clean_svg` refuses."""
    if invitation.workshop.is_cancelled:
        raise SignatureError(_("This workshop has been cancelled."))
    if invitation.status not in ARRIVED:
        raise SignatureError(_("A signature can only be given after arriving (checking in)."))
    allowed = {invitation.person.name, signer_name(invitation)}
    signed_by = (signed_by or "").strip()
    if signed_by not in allowed:
        raise SignatureError(
            _("Only the invitee or their representative can sign."), field="signed_by"
        )
    try:
        cleaned = clean_svg(svg)
    except SignatureRefused as exc:
        raise SignatureError(str(exc), field="signature") from exc
    signature = db.session.get(AttendanceSignature, invitation.id)
    if signature is None:
        signature = AttendanceSignature(invitation_id=invitation.id)
        db.session.add(signature)
    signature.svg = cleaned
    signature.signed_by = signed_by
    signature.signed_at = at
    db.session.flush()
    return signature


def for_workshop(workshop_id: int) -> dict[int, AttendanceSignature]:
    """The signatures given at a workshop, by invitation id (one query)."""
    found = db.session.scalars(
        select(AttendanceSignature)
        .join(Invitation, Invitation.id == AttendanceSignature.invitation_id)
        .where(Invitation.workshop_id == workshop_id)
    )
    return {s.invitation_id: s for s in found}


def data_uri(svg: str) -> str:
    """The stored SVG as a ``data:`` URI, for an ``<img>`` on a page or in a PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def of(invitation: Invitation) -> AttendanceSignature | None:
    return db.session.get(AttendanceSignature, invitation.id)
