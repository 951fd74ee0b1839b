"""The public verification page of an SKBT, as a stranger holding the letter sees it
(an anonymous client): the number, the name, the date of issue and whether it still
holds; nothing else, and one and the same 404 for any token that is not a letter's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from tests.letters.test_skbt import NIP, approver, issued, make_inspektur, requested
from tracker.extensions import db
from tracker.i18n import date_long
from tracker.models.base import utcnow
from tracker.models.letter import Skbt
from tracker.services import skbt as svc

PURPOSE = "Persyaratan mutasi jabatan"
REASON = "Ternyata masih ada temuan Rp 12.500.000"


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _main(page: str) -> str:
    """The page's own content (not the navigation bar)."""
    return _text(page.split("<main", 1)[1].split("</main>", 1)[0])


def _fresh(skbt: Skbt) -> Skbt:
    db.session.expire_all()
    return db.session.get(Skbt, skbt.id)


def test_a_valid_letter_shows_number_name_date_and_valid(app, client):
    make_inspektur()
    skbt = _fresh(issued(name="Siti Rahayu, S.E.", position="Bendahara", purpose=PURPOSE))
    response = client.get(f"/verify/{svc.token_for(skbt)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = _main(page)
    assert skbt.letter.number in main
    assert "Siti Rahayu, S.E." in main
    with app.test_request_context():
        assert date_long(skbt.letter.issued_on) in main
    assert 'data-testid="verify-valid"' in page and "Berlaku" in main
    # nothing else of the letter or of the person
    for secret in (NIP, "Bendahara", PURPOSE, "Hadi Santoso", "197402151999031004"):
        assert secret not in page, secret
    # kept out of search engines, caches and referrers; readable on a phone
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'name="viewport" content="width=device-width' in page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<table" not in main


def test_a_revoked_letter_says_revoked_and_when_but_not_why(app, client):
    skbt = issued(purpose=PURPOSE)
    svc.revoke(approver(), skbt, reason=REASON, now=utcnow())
    db.session.commit()
    skbt = _fresh(skbt)
    page = client.get(f"/verify/{svc.token_for(skbt)}").get_data(as_text=True)
    main = _main(page)
    assert 'data-testid="verify-revoked"' in page and 'data-testid="verify-valid"' not in page
    with app.test_request_context():
        assert f"Dicabut pada {date_long(skbt.letter.revoked_at)}" in main
    assert skbt.letter.number in main and skbt.name in main
    assert REASON not in page and "12.500.000" not in page


def _forged_with(key: bytes, skbt_id: int) -> str:
    digest = hmac.new(key, f"skbt:{skbt_id}:0".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _tokens(skbt: Skbt) -> dict[str, str]:
    real = svc.token_for(skbt)
    flipped = real[:-1] + ("A" if real[-1] != "A" else "B")
    return {
        "another key": _forged_with(b"not-the-secret-key", skbt.id),
        "one character changed": flipped,
        "truncated": real[:20],
        "extended": real + "x" * 40,
        "not ascii": "é" * 43,
        "unknown": "A" * 43,
        "its hash": skbt.token_hash or "",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "another key",
        "one character changed",
        "truncated",
        "extended",
        "not ascii",
        "unknown",
        "its hash",
    ],
)
def test_a_forged_unknown_or_malformed_token_is_404_and_says_nothing(client, kind):
    skbt = _fresh(issued(name="Siti Rahayu", purpose=PURPOSE))
    token = _tokens(skbt)[kind]
    response = client.get(f"/verify/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'data-testid="verify-invalid"' in page
    for secret in (skbt.letter.number, "Siti Rahayu", NIP, PURPOSE):
        assert secret not in page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_a_request_not_issued_has_no_verification(client):
    skbt = requested()
    assert skbt.token_hash is None
    assert client.get(f"/verify/{svc.token_for(skbt)}").status_code == 404


def test_a_new_token_generation_ends_the_old_link(client):
    skbt = _fresh(issued())
    old = svc.token_for(skbt)
    skbt.token_generation += 1
    skbt.token_hash = hashlib.sha256(svc.token_for(skbt).encode()).hexdigest()
    db.session.commit()
    assert client.get(f"/verify/{old}").status_code == 404
    assert client.get(f"/verify/{svc.token_for(_fresh(skbt))}").status_code == 200
