"""People's names in running text: known names, cues, products and places left alone, the
user's "not personal" words, reasons, and the figures on the fresh labelled set."""

from __future__ import annotations

import csv
import importlib.util
import time
from pathlib import Path

import pytest

from engine.contract.config import DataSettings
from engine.data.name_lists import name_lists
from engine.data.names import NameMemory, find_names
from engine.data.pii import redact, scan
from engine.data.prepare import prepare_examples
from engine.model_card import build_model_card

ROOT = Path(__file__).resolve().parents[2]
FRESH = ROOT / "tests" / "trust" / "data" / "pii_fresh.txt"


def names(text: str, memory: NameMemory | None = None) -> list[str]:
    return [f.value for f in find_names(text, memory)]


@pytest.mark.parametrize(
    ("text", "name", "reason"),
    [
        # The four the old scanner missed, tried as a new user would (issue 17).
        (
            "Thanks again to Priya Raman for the tasting notes.",
            "Priya Raman",
            "a known first and family name",
        ),
        (
            "Our roaster Marcus Oyelaran will be pouring samples.",
            "Marcus Oyelaran",
            "a known first name and a capitalised word",
        ),
        ("Customer quote from Jane O'Malley: great beans.", "Jane O'Malley", "a known first"),
        ("Ask our barista Kenji: he knows every bean.", "Kenji", "after 'our barista'"),
        ("Photo by Chidi Okafor.", "Chidi Okafor", "family name"),
        ("Thanks, Lupe! The pastries were gone by noon.", "Lupe", "after 'Thanks'"),
        ("Dear Mrs Kowalczyk, your order shipped.", "Kowalczyk", "after the title 'Mrs'"),
        ("— Aroha Tane, Wellington", "Aroha Tane", "a known first name"),
        ("Kaito, our roaster, says the lot is good.", "Kaito", "before 'our roaster'"),
        ("We asked Hugo about his brew method.", "Hugo", "a known first name after 'asked'"),
        ("The beans Kenji picked are lovely.", "Kenji", "in the middle of a sentence"),
    ],
)
def test_names_in_running_text_are_found_with_a_reason(text: str, name: str, reason: str) -> None:
    found = list(find_names(text))
    assert [f.value for f in found] == [name]
    assert reason in found[0].reason
    assert text[found[0].start : found[0].end] == name


@pytest.mark.parametrize(
    "text",
    [
        "The Grace Hopper Blend is back in stock.",
        "Pair it with a Driftwood mug for the full Sunday ritual.",
        "Summer is coming and so is our Cold Brew Club.",
        "Will you join us in Lisbon this spring?",
        "May brings the first Aurora Roast of the year.",
        "Juniper & Finch opens a second shop in Santa Monica.",
        "Victoria Station is a five minute walk from the shop.",
        "Georgia and Carolina get next-day delivery.",
        "The Hazel sweater comes in three colours.",
        "Henrietta Street is home to our smallest kiosk.",
        "Ethiopia Guji and Kenya Nyeri are on the slow bar.",
        "Hello Dallas! The roast is finally in Texas.",
        "PayPal and Apple Pay both work at checkout.",
    ],
)
def test_products_places_and_sentence_starts_are_left_alone(text: str) -> None:
    assert names(text) == []


def test_a_phrase_seen_as_a_product_is_left_alone_in_later_rows() -> None:
    text = "Meet Grace Hopper at the counter on Friday."
    assert names(text) == ["Grace Hopper"]  # alone, it reads like a person
    memory = NameMemory()
    assert names("Our Grace Hopper Blend is back.", memory) == []
    assert names(text, memory) == []


def test_words_seen_in_lower_case_are_not_names_on_their_own() -> None:
    memory = NameMemory()
    assert names("We asked Hazel about the lamp.", memory) == ["Hazel"]
    names("A hazel tree shades the terrace.", memory)
    assert names("We asked Hazel about the lamp.", memory) == []
    assert names("We asked Hazel Okoro about the lamp.", memory) == ["Hazel Okoro"]


def test_words_marked_not_personal_are_left_alone_everywhere() -> None:
    text = "A note from our founder, Amara Nwosu: thank you. Photos by Kemi."
    assert names(text) == ["Amara Nwosu", "Kemi"]
    memory = NameMemory.marked(["amara nwosu", "Kemi"])
    assert names(text, memory) == []
    assert scan(text, names=memory) == []
    # Only the marked phrase: another Amara is still a name.
    assert names("Thanks to Amara Obi for the photos.", memory) == ["Amara Obi"]


def test_redaction_replaces_names_and_keeps_the_rest() -> None:
    text = "Thanks again to Priya Raman for the Grace Hopper Blend notes."
    redacted, counts = redact(text, ["name"])
    assert redacted == "Thanks again to [NAME] for the Grace Hopper Blend notes."
    assert counts == {"name": 1}


def test_every_finding_of_every_kind_says_why() -> None:
    found = scan("Write to jane@example.com or thank Priya Raman on +44 20 7946 0958.")
    assert {f.kind for f in found} == {"email", "name", "phone"}
    assert all(f.reason for f in found)


def test_name_lists_come_from_many_countries_and_are_built_once() -> None:
    lists = name_lists()
    assert lists is name_lists()
    assert len(lists.first) > 15_000 and len(lists.last) > 15_000
    given = ["priya", "kenji", "chidi", "olga", "mateo", "fatima", "aroha", "kwame", "ji-woo"]
    family = ["nguyen", "okafor", "kowalski", "tanaka", "yılmaz", "mensah", "müller"]
    assert sum(g in lists.first for g in given) >= 7
    assert sum(f in lists.last for f in family) >= 6
    assert "santa monica" in lists.places and "the" not in lists.first


def write_rows(path: Path, texts: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    return path


ROWS = [
    "A note from our founder, Amara Nwosu: five good years of slow coffee and kind people.",
    "Thanks again to Priya Raman for the tasting notes on our new single origin from Huila.",
    "The Grace Hopper Blend is back in stock, roasted this Tuesday in small batches for you.",
    "Our roaster Marcus Oyelaran will be pouring samples at the Saturday market by the river.",
]


def test_the_data_step_reports_reasons_and_remembers_not_personal(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "posts.csv", ROWS)
    report = prepare_examples(DataSettings(sources=(str(path),))).report
    found = next(f for f in report.pii if f.kind == "name")
    assert found.count == 3
    assert len(found.reasons) == len(found.samples) == 3
    assert "a known first and family name" in found.reasons
    assert set(found.words) == {"Amara Nwosu", "Priya Raman", "Marcus Oyelaran"}
    assert all("Priya Raman" not in sample for sample in found.samples)  # masked

    settings = DataSettings(sources=(str(path),), not_personal=("Amara Nwosu",), redact=("name",))
    prepared = prepare_examples(settings)
    found = next(f for f in prepared.report.pii if f.kind == "name")
    assert found.count == 2 and "Amara Nwosu" not in found.words
    texts = [e.response for e in prepared.train + prepared.heldout]
    assert any("Amara Nwosu" in t for t in texts)
    assert not any("Priya Raman" in t for t in texts)
    assert prepared.manifest["settings"]["not_personal_count"] == 1
    assert "Amara" not in str(prepared.manifest)


def test_the_model_card_says_words_were_marked_not_personal(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "posts.csv", ROWS)
    prepared = prepare_examples(
        DataSettings(sources=(str(path),), not_personal=("Amara Nwosu", "Juniper"))
    )
    import json

    (tmp_path / "data-manifest.json").write_text(json.dumps(prepared.manifest), encoding="utf-8")
    card = build_model_card(tmp_path)
    assert "Words marked 'not personal'" in card and ": 2." in card
    assert "Amara" not in card and "Juniper" not in card


def test_not_personal_words_are_checked() -> None:
    with pytest.raises(ValueError, match="between 1 and 80"):
        DataSettings(not_personal=("  ",))


@pytest.fixture(scope="module")
def fresh_report() -> dict:
    spec = importlib.util.spec_from_file_location("pii_eval", ROOT / "bench" / "pii_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate(FRESH)


def test_fresh_set_is_big_varied_and_mostly_capitalised_non_names(fresh_report: dict) -> None:
    test_part = fresh_report["test"]
    assert test_part["snippets"] >= 300
    assert test_part["kinds"]["name"]["support"] >= 100
    assert fresh_report["negative_snippets"] >= fresh_report["snippets"] / 2


def test_names_on_the_fresh_test_part_meet_the_targets(fresh_report: dict) -> None:
    # Measured 0.908 precision and 0.937 recall; the floors leave room for small changes.
    figures = fresh_report["test"]["kinds"]["name"]
    assert figures["precision"] >= 0.88, figures
    assert figures["recall"] >= 0.90, figures


def test_scanning_stays_fast() -> None:
    rows = [line for line in FRESH.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows = [row.replace("[[", "").replace("]]", "") for row in rows] * 10
    name_lists()
    memory = NameMemory()
    started = time.process_time()
    for row in rows:
        scan(row, names=memory)
    per_row = (time.process_time() - started) / len(rows)
    assert per_row < 200e-6, per_row  # measured about 50 microseconds a row
