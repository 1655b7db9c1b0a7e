"""Redaction through the real data preparation: placeholders in the examples, counts (never
values) in the manifest, and the user's files left exactly as they were."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from engine.contract.config import DataSettings
from engine.data.prepare import prepare_examples

ROWS = [
    "Thanks for writing in! Reach our team at help@foghorn.example any time this week.",
    "Call the shop on +44 20 7946 0958 and ask for the harbour blend, it's back in stock.",
    "Our new tin holds 100 g of leaf for $12.99, enough for about forty cups of tea.",
    "Order by 2024-05-01 with code SPRING and we ship free (version 2.10.3 of the app).",
    "Questions? jo.bloggs@foghorn.example or 555-123-4567, we answer within a day.",
]


def test_redaction_is_applied_counted_and_leaves_the_source_alone(tmp_path: Path) -> None:
    source = tmp_path / "posts.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([row] for row in ROWS)
    before = hashlib.sha256(source.read_bytes()).hexdigest()

    prepared = prepare_examples(
        DataSettings(
            sources=(str(source),),
            text_column="text",
            heldout_fraction=0.0,
            redact=("email", "phone"),
            rights="i_wrote_it",
        )
    )

    examples = prepared.train + prepared.heldout
    prose = " ".join(e.response for e in examples if e.is_prose)
    assert prose.count("[EMAIL]") == 2 and prose.count("[PHONE]") == 2
    everything = " ".join(f"{e.prompt} {e.system} {e.response}" for e in examples)
    for value in ("help@foghorn.example", "+44 20 7946 0958", "jo.bloggs@", "555-123-4567"):
        assert value not in everything
    texts = prose
    assert "$12.99" in texts and "2024-05-01" in texts and "2.10.3" in texts

    manifest_text = json.dumps(prepared.manifest)
    (entry,) = prepared.manifest["files"]
    assert entry["redactions"] == {"email": 2, "phone": 2}
    assert "foghorn.example" not in manifest_text and "7946" not in manifest_text
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before == entry["sha256"]
