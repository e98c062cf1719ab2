"""PII redaction: what must be caught, what must be left alone, and restoring for human readers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.pii import PLACEHOLDER_RE, Redactor, iban_valid, luhn_valid, redact, restore


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("write to jane.doe+ops@acme-corp.co.uk today", "EMAIL", "jane.doe+ops@acme-corp.co.uk"),
        ("ping J.Smith@Example.COM", "EMAIL", "J.Smith@Example.COM"),
        ("call +44 20 7946 0958 please", "PHONE", "+44 20 7946 0958"),
        ("call +1-415-555-0100.", "PHONE", "+1-415-555-0100"),
        ("call (415) 555-0100", "PHONE", "(415) 555-0100"),
        ("call 415-555-0199 now", "PHONE", "415-555-0199"),
        ("call 415.555.0199 now", "PHONE", "415.555.0199"),
        ("Berlin office 030 1234567", "PHONE", "030 1234567"),
        ("+49 (30) 901820 is the desk", "PHONE", "+49 (30) 901820"),
        ("card 4111 1111 1111 1111 was charged", "CARD", "4111 1111 1111 1111"),
        ("card 5500-0000-0000-0004 was charged", "CARD", "5500-0000-0000-0004"),
        ("amex 378282246310005.", "CARD", "378282246310005"),
        ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("IBAN GB82WEST12345698765432", "IBAN", "GB82WEST12345698765432"),
        ("iban fr14 2004 1010 0505 0001 3m02 606 ok", "IBAN", "fr14 2004 1010 0505 0001 3m02 606"),
        ("ship to 221B Baker Street, London", "ADDRESS", "221B Baker Street"),
        ("HQ: 1600 Pennsylvania Avenue NW", "ADDRESS", "1600 Pennsylvania Avenue"),
        ("at 500 Market St. Suite 300 we", "ADDRESS", "500 Market St. Suite 300"),
        ("Lieferung an Hauptstraße 5, Berlin", "ADDRESS", "Hauptstraße 5"),
        ("bureau au 12 rue de la Paix", "ADDRESS", "12 rue de la Paix"),
    ],
)
def test_detects_pii(text: str, kind: str, value: str) -> None:
    redacted, mapping = redact(text)
    assert mapping == {f"[{kind}_1]": value}
    assert value not in redacted
    assert f"[{kind}_1]" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Ticket #48213 opened 2024-03-15 at 10:30",
        "ARR $120,000 and 1,250 seats, version 2.3.1",
        "order 1234567890123 is not a card (fails Luhn)",
        "card 4111-1111-1111-1112 fails Luhn",
        "We have 500 users and 12 Days of outage",
        "error code 0x80070005 and build 20240315",
        "p95 latency 1200 ms, 99.95% uptime",
    ],
)
def test_leaves_non_pii_alone(text: str) -> None:
    assert redact(text) == (text, {})


def test_iban_failing_mod97_is_not_labelled_iban() -> None:
    # Its digits may still be redacted as a card (over-redaction is the safe side), never as an IBAN.
    redacted, _ = redact("IBAN DE89 3704 0044 0532 0130 01 fails mod-97")
    assert "[IBAN_" not in redacted


def test_same_value_same_placeholder_across_texts() -> None:
    r = Redactor()
    a = r.redact("mail a@b.io or c@d.io")
    b = r.redact("again A@B.io")
    assert a == "mail [EMAIL_1] or [EMAIL_2]"
    assert b == "again [EMAIL_1]"
    assert r.mapping == {"[EMAIL_1]": "a@b.io", "[EMAIL_2]": "c@d.io"}


def test_card_with_other_grouping_is_the_same_card() -> None:
    r = Redactor()
    assert r.redact("4111 1111 1111 1111") == r.redact("4111-1111-1111-1111") == "[CARD_1]"


def test_restore_round_trip() -> None:
    text = "Call +44 20 7946 0958 or mail x@y.org, card 4111 1111 1111 1111."
    redacted, mapping = redact(text)
    assert restore(redacted, mapping) == text


def test_restore_leaves_unknown_placeholders() -> None:
    assert restore("see [EMAIL_9]", {"[EMAIL_1]": "a@b.io"}) == "see [EMAIL_9]"


def test_customer_written_placeholder_cannot_hijack_restore() -> None:
    # A customer typing "[EMAIL_1]" must not be turned into someone else's address on restore.
    redacted, mapping = redact("my colleague [EMAIL_1] and me: real@x.io")
    assert redacted == "my colleague (EMAIL_1) and me: [EMAIL_1]"
    assert restore(redacted, mapping) == "my colleague (EMAIL_1) and me: real@x.io"


def test_everything_in_one_message() -> None:
    text = (
        "Hi, I'm Jane (jane@acme.example, +1 415 555 0100). Refund card 4111 1111 1111 1111 or "
        "IBAN GB82 WEST 1234 5698 7654 32. Post: 10 Downing Street."
    )
    redacted, mapping = redact(text)
    assert set(mapping) == {"[EMAIL_1]", "[PHONE_1]", "[CARD_1]", "[IBAN_1]", "[ADDRESS_1]"}
    for value in mapping.values():
        assert value not in redacted


@pytest.mark.parametrize(
    "digits, ok", [("4111111111111111", True), ("79927398713", True), ("79927398710", False), ("12a4", False)]
)
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_valid(digits) is ok


@pytest.mark.parametrize(
    "iban, ok",
    [
        ("DE89370400440532013000", True),
        ("GB82 WEST 1234 5698 7654 32", True),
        ("NL91ABNA0417164300", True),
        ("DE89370400440532013001", False),
        ("XX00", False),
    ],
)
def test_iban_mod97(iban: str, ok: bool) -> None:
    assert iban_valid(iban) is ok


@given(st.text(max_size=300))
def test_restore_inverts_redact_on_any_text(text: str) -> None:
    redacted, mapping = redact(text)
    # Pre-existing placeholder-looking tokens are defanged; everything else comes back exactly.
    defanged = PLACEHOLDER_RE.sub(lambda m: f"({m.group(1)}_{m.group(2)})", text)
    assert restore(redacted, mapping) == defanged


@given(st.from_regex(r"[a-z]{1,10}\.[a-z]{1,10}@[a-z]{2,10}\.(com|org|io)", fullmatch=True))
def test_any_simple_email_is_caught(email: str) -> None:
    redacted, mapping = redact(f"contact {email} now")
    assert redacted == "contact [EMAIL_1] now"
    assert mapping["[EMAIL_1]"] == email
