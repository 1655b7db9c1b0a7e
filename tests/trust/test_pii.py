"""The personal-data scanner and redaction: placeholders, counts, the tricky look-alikes."""

from __future__ import annotations

import itertools
import time

import pytest

from engine.contract.config import PII_KINDS
from engine.contract.pii_kinds import PLACEHOLDERS
from engine.data.pii import Finding, redact, scan


def kinds_found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in scan(text)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Write to jane.doe+news@example.co.uk today.", "email", "jane.doe+news@example.co.uk"),
        ("London desk: +44 20 7946 0958.", "phone", "+44 20 7946 0958"),
        ("Call (555) 123-4567 after 5.", "phone", "(555) 123-4567"),
        ("Or 555-123-4567 any time", "phone", "555-123-4567"),
        ("Berlin: +49 30 123456", "phone", "+49 30 123456"),
        ("Text 07700 900123 instead", "phone", "07700 900123"),
        ("Card 4111 1111 1111 1111 on file", "card", "4111 1111 1111 1111"),
        ("Pay to DE89 3704 0044 0532 0130 00 please", "iban", "DE89 3704 0044 0532 0130 00"),
        ("Pay to GB82WEST12345698765432.", "iban", "GB82WEST12345698765432"),
        ("The server at 192.168.1.20 is down", "ip", "192.168.1.20"),
        ("Bind to 2001:db8::8a2e:370:7334 first", "ip", "2001:db8::8a2e:370:7334"),
        (
            "Reset here: https://app.example.com/reset?token=abc123XYZ.",
            "url_token",
            "https://app.example.com/reset?token=abc123XYZ",
        ),
        ("Drop by 221B Baker Street, London.", "address", "221B Baker Street"),
        ("Dear Sarah, welcome aboard.", "name", "Sarah"),
    ],
)
def test_finds_each_kind(text: str, kind: str, value: str) -> None:
    assert (kind, value) in kinds_found(text)
    found = next(f for f in scan(text) if f.kind == kind)
    assert text[found.start : found.end] == value


@pytest.mark.parametrize(
    "text",
    [
        "The bundle is $1,299.00 until Friday.",
        "Update to version 2.10.3 or v1.2.3.4 for the fix.",
        "Launch date 2024-05-01 at 10:30, or 01.05.2024.",
        "Order #555-123-4567 shipped; ISBN 978-3-16-148410-0.",
        "Fake card 4111 1111 1111 1112 fails the checksum.",
        "Conversion went up 12.5% across 30,000 visitors in 2023.",
        "Zip 90210 and SKU 10-4432-77 are not personal.",
        "Tracking link https://example.com/blog?utm_source=news&utm_campaign=spring_sale",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    assert scan(text) == []


def test_redact_uses_typed_placeholders_and_counts() -> None:
    text = "Mail a@b.com or c@d.org, call +44 20 7946 0958, card 4111-1111-1111-1111."
    redacted, counts = redact(text, ["email", "phone", "card"])
    assert redacted == "Mail [EMAIL] or [EMAIL], call [PHONE], card [CARD]."
    assert counts == {"email": 2, "phone": 1, "card": 1}


def test_redact_only_the_chosen_kinds() -> None:
    text = "Mail a@b.com or call +44 20 7946 0958"
    redacted, counts = redact(text, ["phone"])
    assert redacted == "Mail a@b.com or call [PHONE]"
    assert counts == {"phone": 1}


def test_every_kind_has_a_placeholder_and_unknown_kinds_fail() -> None:
    assert set(PLACEHOLDERS) == set(PII_KINDS)
    with pytest.raises(ValueError, match="Unknown kind"):
        scan("x", ["passport"])


def test_findings_do_not_overlap_and_are_sorted() -> None:
    text = "Ping admin@10.0.0.1.example.com or 4111111111111111 or 10.0.0.1 now"
    findings = scan(text)
    assert findings == sorted(findings, key=lambda f: f.start)
    for a, b in itertools.pairwise(findings):
        assert a.end <= b.start
    assert all(isinstance(f, Finding) for f in findings)


def test_fast_enough_for_a_big_csv() -> None:
    rows = [
        f"Hi team, row {i}: our sale on 2024-05-01 is 20% off over $49.99; "
        f"call 555-123-{i % 10000:04d} or write to sales{i}@shop.com."
        for i in range(10_000)
    ]
    started = time.process_time()  # CPU time: other processes on a busy machine do not count
    found = sum(len(scan(row)) for row in rows)
    elapsed = time.process_time() - started
    assert found >= 20_000
    assert elapsed < 6.0  # 10,000 rows; about 1 s on a quiet laptop core


def test_redacting_everything_leaves_nothing_to_find() -> None:
    import json
    from pathlib import Path

    labelled = Path(__file__).parent / "data" / "pii_labelled.jsonl"
    for line in labelled.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        redacted, counts = redact(text, PII_KINDS)
        assert scan(redacted) == []
        assert sum(counts.values()) == len(scan(text))


def test_no_kinds_means_no_findings() -> None:
    assert scan("mail a@b.com", []) == []
    assert redact("mail a@b.com", []) == ("mail a@b.com", {})
