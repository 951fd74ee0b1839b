"""SKBT (surat keterangan bebas temuan): the rule on a table of cases, the request, the
check, issuing, refusing and revoking through the pages per role, the letter PDF with its
QR code, and the register's query count."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import func, select

from tests import factories
from tests.findings.factories import make_finding, make_recommendation, make_report, make_review
from tests.test_pdf_layout import layout_problems, read_pdf, signature_problems
from tracker.extensions import db
from tracker.models import HierarchyRole, Opd, Role
from tracker.models.base import utcnow
from tracker.models.finding import (
    FindingParty,
    Outcome,
    ReportKind,
    UnfollowableReason,
)
from tracker.models.finding import Repayment as RepaymentRow
from tracker.models.letter import Letter, Skbt, SkbtStatus, SkbtSubject
from tracker.services import skbt as svc
from tracker.services.findings import today_of

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NIP = "197503122000032004"
NIP_TYPED = "19750312 200003 2 004"
OTHER_NIP = "198001012005011003"
TODAY = dt.date(2023, 8, 1)
BASE = "https://tracker.malangkota.go.id"


# --- helpers (this area's own factories) -------------------------------------------------------


@dataclass
class Case:
    financial: bool = True
    amount: str = "1000000"
    repaid: str = "0"
    repaid_on: dt.date = dt.date(2023, 5, 10)
    party_nip: str | None = NIP
    outcome: Outcome | None = None
    recs: int = 1
    rec_opd: str = "own"


def make_case(case: Case, own: Opd, other: Opd) -> Any:
    """A financial (or not) finding of an LHP BPK, its party, recommendation(s) and
    repayment as ``case`` says; returns the finding."""
    finding = make_finding(
        make_report(kind=ReportKind.LHP_BPK, year=2022),
        [own, other],
        title="Kelebihan pembayaran perjalanan dinas",
        is_financial=case.financial,
        amount_to_recover=Decimal(case.amount) if case.financial else None,
    )
    if case.party_nip is not None:
        db.session.add(
            FindingParty(
                finding=finding,
                name="Siti Rahayu",
                nip=case.party_nip,
                position="Bendahara Pengeluaran",
                amount=Decimal(case.amount),
            )
        )
    if Decimal(case.repaid) > 0:
        inspector = factories.make_user(Role.INSPEKTORAT)
        db.session.add(
            RepaymentRow(
                finding=finding,
                paid_on=case.repaid_on,
                amount=Decimal(case.repaid),
                recorded_by=inspector,
            )
        )
    db.session.commit()
    for n in range(case.recs):
        rec = make_recommendation(
            finding, own if case.rec_opd == "own" else other, number=str(n + 1)
        )
        if case.outcome is not None:
            reason = (
                UnfollowableReason.COURT_PROCEEDINGS
                if case.outcome is Outcome.TIDAK_DAPAT_DITINDAKLANJUTI
                else None
            )
            make_review(rec, case.outcome, reason=reason)
    return finding


def make_inspektur(name: str = "Dr. Hadi Santoso, S.E., M.Si.") -> Any:
    inspektorat = factories.make_opd("INSPEKTORAT", "Inspektorat")
    return factories.make_person(
        inspektorat,
        name=name,
        nip="197402151999031004",
        position="Inspektur Kota Malang",
        hierarchy_role=HierarchyRole.INSPEKTUR,
    )


def approver() -> Any:
    return factories.make_user(Role.INSPEKTORAT, approves_decisions=True)


def requested(**kw: Any) -> Skbt:
    staff = factories.make_user(Role.INSPEKTORAT)
    values: dict[str, Any] = {
        "subject": SkbtSubject.OFFICIAL,
        "purpose": "Mutasi jabatan",
        "nip": NIP,
        "name": "Siti Rahayu",
        "position": "Bendahara Pengeluaran",
    }
    values.update(kw)
    skbt = svc.request(staff, now=utcnow(), **values)
    db.session.commit()
    return skbt


def issued(**kw: Any) -> Skbt:
    skbt = requested(**kw)
    now = utcnow()
    svc.issue(approver(), skbt, today=today_of(now), now=now)
    db.session.commit()
    return skbt


def _count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _names(page: str) -> list[str]:
    """The names in the register's table (the cards for phones repeat them)."""
    table = page.split('data-testid="skbt-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-testid="skbt-link">([^<]+)<', table)


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# --- the rule, on a table of cases ----------------------------------------------------------

CASES = [
    ("official not named", "official", Case(party_nip=None), 0),
    ("someone else's NIP", "official", Case(party_nip=OTHER_NIP), 0),
    ("named, fully repaid", "official", Case(repaid="1000000"), 0),
    ("named, open balance, open recommendation", "official", Case(), 1),
    ("named, open balance, outcome 1", "official", Case(outcome=Outcome.SESUAI), 0),
    ("named, open balance, outcome 2", "official", Case(outcome=Outcome.BELUM_SESUAI), 1),
    (
        "named, open balance, outcome 4",
        "official",
        Case(outcome=Outcome.TIDAK_DAPAT_DITINDAKLANJUTI),
        1,
    ),
    ("named, partly repaid", "official", Case(repaid="400000"), 1),
    ("named, repaid only after the day", "official", Case(repaid_on=dt.date(2023, 9, 1)), 1),
    ("named, no recommendation yet", "official", Case(recs=0), 1),
    ("named, two open recommendations", "official", Case(recs=2), 2),
    ("named on a non-financial finding", "official", Case(financial=False), 0),
    ("OPD with an open financial recommendation", "opd", Case(party_nip=None), 1),
    ("OPD, financial recommendation outcome 1", "opd", Case(outcome=Outcome.SESUAI), 0),
    ("OPD, financial finding fully repaid", "opd", Case(repaid="1000000"), 0),
    ("OPD, non-financial recommendation", "opd", Case(financial=False), 0),
    ("OPD, another OPD's recommendation", "opd", Case(rec_opd="other"), 0),
]


@pytest.mark.parametrize(
    ("subject", "case", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_rule(app, subject, case, expected):
    own = factories.make_opd("BPKAD", "Badan Pengelola Keuangan dan Aset Daerah")
    other = factories.make_opd("DINKES", "Dinas Kesehatan")
    finding = make_case(case, own, other)
    found = (
        svc.blockers(today=TODAY, nip=NIP)
        if subject == "official"
        else svc.blockers(today=TODAY, opd_id=own.id)
    )
    assert len(found) == expected
    for blocker in found:
        assert blocker.finding.id == finding.id
        assert blocker.report.id == finding.report_id
        paid = Decimal(case.repaid) if case.repaid_on <= TODAY else Decimal(0)
        assert blocker.balance == Decimal(case.amount) - paid
        if case.recs:
            assert blocker.recommendation is not None
            assert blocker.recommendation.finding_id == finding.id
        else:
            assert blocker.recommendation is None


def test_the_check_is_one_query_whatever_the_data(app, count_queries):
    own = factories.make_opd("BPKAD")
    other = factories.make_opd("DINKES")

    def grow(n: int) -> None:
        for _ in range(n):
            make_case(Case(recs=2), own, other)
            make_case(Case(repaid="300000"), own, other)

    grow(1)
    with count_queries() as small:
        assert len(svc.blockers(today=TODAY, nip=NIP)) == 3
        assert len(svc.blockers(today=TODAY, opd_id=own.id)) == 3
    grow(4)
    with count_queries() as large:
        assert len(svc.blockers(today=TODAY, nip=NIP)) == 15
        assert len(svc.blockers(today=TODAY, opd_id=own.id)) == 15
    assert small.count == large.count == 2


# --- the request -------------------------------------------------------------------------------


def test_staff_record_a_request_the_nip_typed_in_parts_name_from_the_officials_list(
    client, login_as
):
    person = factories.make_person(
        factories.make_opd(), name="Siti Rahayu, S.E.", position="Bendahara", nip=NIP
    )
    login_as("inspektorat")
    form = client.get("/skbt/new").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]{32})"', form)
    assert token, "the request form carries a one-time token"
    data = {
        "submission_token": token.group(1),
        "subject": "official",
        "nip": NIP_TYPED,
        "name": "",
        "purpose": "Mutasi jabatan",
    }
    # "Check": the check and the official's name, nothing recorded
    checked = client.post("/skbt/new", data={**data, "check": "y"})
    assert checked.status_code == 200
    page = checked.get_data(as_text=True)
    assert 'data-testid="skbt-clear"' in page
    assert person.name in page and person.position in page
    assert _count(Skbt) == 0
    # "Record": once, whatever the number of clicks
    first = client.post("/skbt/new", data={**data, "save": "y"})
    assert first.status_code == 302
    second = client.post("/skbt/new", data={**data, "save": "y"}, follow_redirects=True)
    assert "This form had already been sent" in second.get_data(as_text=True)
    assert _count(Skbt) == 1
    skbt = db.session.scalars(select(Skbt)).one()
    assert first.headers["Location"].endswith(f"/skbt/{skbt.id}")
    assert (skbt.nip, skbt.name, skbt.position) == (NIP, person.name, person.position)
    assert skbt.status is SkbtStatus.REQUESTED and skbt.letter is None


def test_an_unknown_official_is_typed_and_an_opd_is_chosen(client, login_as):
    opd = factories.make_opd("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    login_as("inspektorat")
    response = client.post(
        "/skbt/new",
        data={
            "subject": "official",
            "nip": OTHER_NIP,
            "name": "Agus Salim",
            "position": "Staf",
            "purpose": "Kenaikan pangkat",
            "save": "y",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/skbt/new",
        data={"subject": "opd", "opd_id": str(opd.id), "purpose": "Penilaian WBK", "save": "y"},
    )
    assert response.status_code == 302
    rows = db.session.scalars(select(Skbt).order_by(Skbt.id)).all()
    assert [(r.subject, r.name, r.nip, r.opd_id) for r in rows] == [
        (SkbtSubject.OFFICIAL, "Agus Salim", OTHER_NIP, None),
        (SkbtSubject.OPD, opd.name, None, opd.id),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": "official", "nip": NIP, "name": "A", "purpose": ""}, "required"),
        ({"subject": "official", "nip": "1975 0312", "name": "A", "purpose": "x"}, "18 digits"),
        ({"subject": "official", "nip": "", "name": "A", "purpose": "x"}, "required"),
        ({"subject": "official", "nip": OTHER_NIP, "name": "", "purpose": "x"}, "required"),
        ({"subject": "opd", "opd_id": "", "purpose": "x"}, "Choose an OPD"),
        ({"subject": "nobody", "purpose": "x"}, "Not a valid choice"),
    ],
)
def test_a_request_with_a_mistake_is_shown_again(client, login_as, data, message):
    login_as("inspektorat")
    response = client.post("/skbt/new", data={**data, "save": "y"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Skbt) == 0


# --- issue, refuse, revoke per role -----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("approver", True), ("inspektorat", False), ("pimpinan", False)],
)
def test_who_may_issue(client, login, who, allowed):
    make_inspektur()
    skbt = requested()
    user = approver() if who == "approver" else factories.make_user(Role(who))
    login(user)
    response = client.post(f"/skbt/{skbt.id}/issue")
    if not allowed:
        assert response.status_code == 403
        assert _count(Letter) == 0
        return
    assert response.status_code == 302
    db.session.expire_all()
    skbt = db.session.get(Skbt, skbt.id)
    assert skbt.status is SkbtStatus.ISSUED
    year = today_of(utcnow()).year
    assert skbt.letter.number == f"700/1/SKBT/35.73.401/{year}"
    assert skbt.letter.signer_name == "Dr. Hadi Santoso, S.E., M.Si."
    assert skbt.token_hash is not None
    page = client.get(f"/skbt/{skbt.id}").get_data(as_text=True)
    assert skbt.letter.number in page
    assert f"/verify/{svc.token_for(skbt)}" in page


def test_an_opd_user_sees_no_skbt(client, login_as):
    skbt = issued()
    login_as("opd")
    for url in ("/skbt/", f"/skbt/{skbt.id}", f"/skbt/{skbt.id}.pdf", "/skbt/new"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/skbt/{skbt.id}/revoke", data={"reason": "x"}).status_code == 403


def test_issue_is_refused_while_blocked_and_the_page_links_the_blockers(client, login):
    own = factories.make_opd("BPKAD")
    finding = make_case(Case(recs=2), own, factories.make_opd())
    skbt = requested()
    login(approver())
    page = client.get(f"/skbt/{skbt.id}").get_data(as_text=True)
    assert 'data-testid="skbt-blocked"' in page
    assert 'data-testid="skbt-issue"' not in page  # no button while blocked
    links = re.findall(r'href="(/findings/\d+#rec-\d+)"', page)
    assert links == [f"/findings/{finding.id}#rec-{r.id}" for r in finding.recommendations]
    assert "Rp" in _text(page) and "1,000,000" in _text(page)
    # sent anyway (a page opened before the finding was recorded): checked again
    response = client.post(f"/skbt/{skbt.id}/issue", follow_redirects=True)
    assert "Not issued: 2 open financial findings block this SKBT." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Skbt, skbt.id).status is SkbtStatus.REQUESTED
    assert _count(Letter) == 0
    # once repaid, it can be issued
    db.session.add(
        RepaymentRow(
            finding_id=finding.id,
            paid_on=dt.date(2023, 5, 1),
            amount=Decimal("1000000"),
            recorded_by=factories.make_user(Role.INSPEKTORAT),
        )
    )
    db.session.commit()
    assert client.post(f"/skbt/{skbt.id}/issue").status_code == 302
    db.session.expire_all()
    assert db.session.get(Skbt, skbt.id).status is SkbtStatus.ISSUED


def test_a_double_click_on_issue_makes_one_letter(client, login):
    skbt = requested()
    login(approver())
    page = client.get(f"/skbt/{skbt.id}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]{32})"', page).group(1)
    assert client.post(f"/skbt/{skbt.id}/issue", data={"submission_token": token}).status_code
    again = client.post(
        f"/skbt/{skbt.id}/issue", data={"submission_token": token}, follow_redirects=True
    )
    assert "This form had already been sent" in again.get_data(as_text=True)
    # a second form (another tab) is refused by the rule
    other = client.post(f"/skbt/{skbt.id}/issue", follow_redirects=True)
    assert "This SKBT has already been issued." in other.get_data(as_text=True)
    assert _count(Letter) == 1


def test_refuse_needs_a_note(client, login):
    skbt = requested()
    login(approver())
    response = client.post(f"/skbt/{skbt.id}/refuse", data={"note": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    response = client.post(f"/skbt/{skbt.id}/refuse", data={"note": "Berkas tidak lengkap."})
    assert response.status_code == 302
    db.session.expire_all()
    skbt = db.session.get(Skbt, skbt.id)
    assert (skbt.status, skbt.note) == (SkbtStatus.REFUSED, "Berkas tidak lengkap.")
    # a refused request is not issued afterwards
    page = client.post(f"/skbt/{skbt.id}/issue", follow_redirects=True).get_data(as_text=True)
    assert "This request has been refused" in page
    assert _count(Letter) == 0


def test_revoke_needs_a_reason_and_asks_first(client, login):
    skbt = issued()
    login(approver())
    page = client.get(f"/skbt/{skbt.id}").get_data(as_text=True)
    assert re.search(r'data-testid="skbt-revoke-form"\s+data-confirm="Revoke SKBT ', page)
    response = client.post(f"/skbt/{skbt.id}/revoke", data={"reason": ""})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Skbt, skbt.id).letter.revoked_at is None
    response = client.post(f"/skbt/{skbt.id}/revoke", data={"reason": "Temuan baru 2023."})
    assert response.status_code == 302
    db.session.expire_all()
    letter = db.session.get(Skbt, skbt.id).letter
    assert letter.revoked_at is not None and letter.revoke_reason == "Temuan baru 2023."
    assert letter.revoked_by_id is not None
    again = client.post(f"/skbt/{skbt.id}/revoke", data={"reason": "lagi"})
    assert "already been revoked" in again.get_data(as_text=True)


def test_staff_and_leaders_read_but_do_not_decide(client, login_as):
    skbt = requested()
    login_as("pimpinan")
    page = client.get(f"/skbt/{skbt.id}").get_data(as_text=True)
    assert skbt.name in page and 'data-testid="skbt-rule"' in page
    assert "skbt-issue" not in page and "skbt-refuse" not in page
    assert 'data-testid="skbt-new"' not in client.get("/skbt/").get_data(as_text=True)
    assert client.post(f"/skbt/{skbt.id}/refuse", data={"note": "x"}).status_code == 403


def test_the_request_page_states_the_rule_and_its_sources(client, login_as):
    login_as("inspektorat")
    page = _text(client.get("/skbt/new").get_data(as_text=True))
    assert "Peraturan BPK Nomor 2 Tahun 2017" in page
    assert "Peraturan BPK Nomor 3 Tahun 2007" in page


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="id")
def test_the_rule_is_stated_in_indonesian(client, login_as):
    login_as("inspektorat")
    page = _text(client.get("/skbt/new").get_data(as_text=True))
    assert "Kapan SKBT dapat diterbitkan" in page
    assert "Peraturan BPK Nomor 2 Tahun 2017 tentang Pemantauan Pelaksanaan" in page


# --- the letter ----------------------------------------------------------------------------------


@pytest.mark.app_config(BASE_URL=BASE, BABEL_DEFAULT_LOCALE="id")
def test_the_letter_pdf_carries_number_name_signer_and_a_qr_to_its_verification(client, login_as):
    make_inspektur()
    skbt = issued(name="Siti Rahayu, S.E.")
    login_as("pimpinan")
    response = client.get(f"/skbt/{skbt.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    db.session.expire_all()
    skbt = db.session.get(Skbt, skbt.id)
    letter = skbt.letter
    assert "SURAT KETERANGAN BEBAS TEMUAN" in text
    assert f"Nomor: {letter.number}" in text
    assert "Siti Rahayu, S.E." in text and NIP in text
    assert "Mutasi jabatan" in text
    assert "Dr. Hadi Santoso, S.E., M.Si." in text and "NIP 197402151999031004" in text
    assert "Inspektur Kota Malang" in text
    assert "Peraturan BPK Nomor 2 Tahun 2017" in text
    assert not list(layout_problems(response.data))
    assert not signature_problems(read_pdf(response.data))
    token = svc.token_for(skbt)
    page = pypdfium2.PdfDocument(response.data)[0]
    scanned = [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    assert scanned == [f"{BASE}/verify/{token}"]
    # and that link says it is valid
    client.post("/logout")
    assert client.get(f"/verify/{token}").status_code == 200


@pytest.mark.app_config(BASE_URL=BASE, BABEL_DEFAULT_LOCALE="id")
def test_the_letter_keeps_to_one_page_with_the_longest_texts(client, login_as):
    make_inspektur(name="Prof. Dr. Ir. Hadi Santoso Wiryaatmadja, S.E., M.Si., Ak., CA.")
    opd = factories.make_opd("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia")
    skbt = issued(subject=SkbtSubject.OPD, opd_id=opd.id, nip=None, purpose="Keperluan " * 30)
    login_as("inspektorat")
    data = client.get(f"/skbt/{skbt.id}.pdf").data
    pages = read_pdf(data)
    assert len(pages) == 1
    assert not list(layout_problems(data))
    assert not signature_problems(pages)
    text = " ".join(line.text for line in pages[0].lines)
    assert opd.name in text and "tidak mempunyai rekomendasi" in text


def test_no_pdf_before_the_letter_is_issued(client, login_as):
    skbt = requested()
    login_as("inspektorat")
    assert client.get(f"/skbt/{skbt.id}.pdf").status_code == 404


# --- the register ------------------------------------------------------------------------------


def test_the_register_searches_filters_and_pages(client, login_as):
    first = issued(nip=NIP, name="Siti Rahayu")
    requested(nip=OTHER_NIP, name="Agus Salim")
    revoked = issued(nip="199001012015031001", name="Rina Wati")
    svc.revoke(approver(), revoked, reason="keliru", now=utcnow())
    db.session.commit()
    login_as("inspektorat")

    def names(query: str) -> list[str]:
        return _names(client.get(f"/skbt/?{query}").get_data(as_text=True))

    assert names("q=Siti") == ["Siti Rahayu"]
    assert names("q=19750312+200003+2+004") == ["Siti Rahayu"]
    db.session.expire_all()
    number = db.session.get(Skbt, first.id).letter.number
    assert names(f"q={number}") == ["Siti Rahayu"]
    assert names("status=requested") == ["Agus Salim"]
    assert names("status=valid") == ["Siti Rahayu"]
    assert names("status=revoked") == ["Rina Wati"]
    assert sorted(names("status=issued")) == ["Rina Wati", "Siti Rahayu"]
    assert names("sort=name&dir=asc") == ["Agus Salim", "Rina Wati", "Siti Rahayu"]
    assert names("sort=name&per_page=1&page=2") == ["Rina Wati"]
    empty = client.get("/skbt/?q=tidak-ada").get_data(as_text=True)
    assert 'data-testid="empty-state"' in empty


@pytest.mark.parametrize("page", ["/skbt/", "/skbt/?q=a&status=issued", "detail"])
def test_query_count_is_constant(client, login, count_queries, page):
    own = factories.make_opd("BPKAD")
    other = factories.make_opd("DINKES")
    target = requested()
    login(approver())
    url = f"/skbt/{target.id}" if page == "detail" else page

    def grow(n: int) -> None:
        for i in range(n):
            make_case(Case(recs=2), own, other)
            issued(nip=f"{199001012015031000 + i + _count(Skbt)}", name=f"Pejabat {i}")
            requested(subject=SkbtSubject.OPD, opd_id=own.id, nip=None, name=None)

    grow(2)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(6)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
