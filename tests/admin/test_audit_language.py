"""The audit log speaks the user's language: column labels, related records by name,
statuses by label; and a page of it costs the same number of queries whatever it shows."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import inspect

from tests import factories
from tests.commitments.factories_commitments import make_commitment
from tests.findings.factories import make_recommendation, make_review
from tests.workshops.factories_workshops import invite, make_workshop
from tracker.audit import SKIPPED_COLUMNS
from tracker.blueprints.admin.audit_text import ENTITY_LABELS, field_label
from tracker.extensions import db
from tracker.models import AuditLog, Base
from tracker.models.finding import Outcome

UTC = dt.UTC


def _audited() -> list[type]:
    return [m.class_ for m in Base.registry.mappers if getattr(m.class_, "__audited__", False)]


def test_every_audited_record_and_column_has_a_label(app):
    missing = []
    with app.test_request_context():
        for model in _audited():
            name = model.__name__
            if name not in ENTITY_LABELS:
                missing.append(name)
            for attr in inspect(model).column_attrs:
                if attr.key not in SKIPPED_COLUMNS and field_label(name, attr.key) == attr.key:
                    missing.append(f"{name}.{attr.key}")
    assert not missing, f"no label in tracker/blueprints/admin/audit_text.py for: {missing}"


def _rows(page: str) -> list[str]:
    """The audit table's rows as text."""
    rows = re.findall(r'<tr data-testid="audit-row">(.*?)</tr>', page, re.S)
    return [_text(row) for row in rows]


def _text(markup: str) -> str:
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return text.replace(" :", ":")


def test_reviews_invitations_and_commitments_show_names_and_labels(client, login_as):
    """Written by the real flush hook: the entries hold ids and enum values."""
    login_as("admin")
    opd = factories.make_opd("DINKES", "Dinas Kesehatan")
    rec = make_recommendation(opd=opd, number="2", text="Menyusun peta proses bisnis.")
    review = make_review(rec, outcome=Outcome.BELUM_DITINDAKLANJUTI)
    review.outcome = Outcome.SESUAI
    db.session.commit()
    head = factories.make_person(opd, name="dr. Husnul Muarif", position="Kepala Dinas")
    workshop = make_workshop(title="Workshop Penguatan Kapasitas")
    invite(workshop, head)

    page = client.get("/admin/audit?entity_type=RecommendationReview").get_data(as_text=True)
    rows = _rows(page)
    update = next(row for row in rows if "Diubah" in row)
    assert "Hasil reviu: 3. Belum ditindaklanjuti → 1. " in update, update
    assert "belum_ditindaklanjuti" not in page and "sesuai →" not in page
    created = rows[-1]
    assert "Rekomendasi: — → 2. Menyusun peta proses bisnis." in created, created
    assert "recommendation_id" not in page

    page = client.get("/admin/audit?entity_type=Invitation").get_data(as_text=True)
    (row,) = _rows(page)
    assert "Pejabat: — → dr. Husnul Muarif" in row, row
    assert "Workshop: — → Workshop Penguatan Kapasitas" in row, row
    assert "person_id" not in page and "workshop_id" not in page

    make_commitment(opd, due_on=dt.date(2023, 12, 31), made_by=head, workshop=workshop)
    page = client.get("/admin/audit?entity_type=Commitment").get_data(as_text=True)
    (row,) = _rows(page)
    assert "OPD: — → Dinas Kesehatan" in row, row
    assert "Dibuat oleh: — → dr. Husnul Muarif" in row, row
    assert "Workshop: — → Workshop Penguatan Kapasitas" in row, row
    assert "Batas waktu: — → 31 Des 2023" in row, row
    assert "Status: — → " in row and "active" not in row, row


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_values_in_english_too(client, login_as):
    login_as("admin")
    rec = make_recommendation(number="7", text="Tetapkan SOP.")
    entry = AuditLog(
        at=dt.datetime(2024, 3, 10, 2, 0, tzinfo=UTC),
        actor_label="system",
        action="update",
        entity_type="RecommendationReview",
        entity_id=1,
        entity_label="2023-S1: 1",
        changes={
            "recommendation_id": [None, rec.id],
            "outcome": ["belum_ditindaklanjuti", "sesuai"],
            "new_due_on": [None, "2024-01-31"],
            "reviewer_id": [None, 999_999],
        },
    )
    db.session.add(entry)
    db.session.commit()
    text = _text(client.get(f"/admin/audit/{entry.id}").get_data(as_text=True))
    assert "Recommendation: — → 7. Tetapkan SOP." in text
    assert "Review outcome: 3. Not yet followed up → 1. Follow-up matches the recommendation" in (
        text
    )
    assert "New deadline: — → 31 Jan 2024" in text
    assert "Reviewer: — → #999999" in text  # a record since deleted keeps its number


def _grow(n: int) -> None:
    """``n`` audit entries that each point at records of their own: OPDs, officials,
    workshops, recommendations, users."""
    for i in range(n):
        opd = factories.make_opd()
        person = factories.make_person(opd)
        workshop = make_workshop(title=f"Workshop {i}")
        rec = make_recommendation(opd=opd)
        user = factories.make_user("inspektorat")
        for entity_type, changes in (
            ("Invitation", {"workshop_id": [None, workshop.id], "person_id": [None, person.id]}),
            (
                "RecommendationReview",
                {
                    "recommendation_id": [None, rec.id],
                    "reviewer_id": [None, user.id],
                    "outcome": ["belum_sesuai", "sesuai"],
                },
            ),
            ("Person", {"opd_id": [None, opd.id], "hierarchy_role": ["other", "sekda"]}),
        ):
            db.session.add(
                AuditLog(
                    at=dt.datetime(2024, 1, 1 + i % 28, tzinfo=UTC),
                    actor_label="system",
                    action="update",
                    entity_type=entity_type,
                    entity_id=i + 1,
                    entity_label=f"#{i}",
                    changes=changes,
                )
            )
    db.session.commit()


# Only the entries made by _grow (the factories' own writes are audited too, dated today).
@pytest.mark.parametrize(
    "query",
    [
        "?date_to=2024-12-31",
        "?date_to=2024-12-31&per_page=100",
        "?date_to=2024-12-31&entity_type=Invitation",
    ],
)
def test_names_cost_the_same_queries_at_any_size(client, login_as, count_queries, query):
    login_as("admin")
    _grow(3)
    url = f"/admin/audit{query}"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(30)
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    rows = _rows(page.get_data(as_text=True))
    assert rows and not [row for row in rows if "→ #" in row or "_id" in row]
