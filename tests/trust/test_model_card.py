"""The model card: what it says from each run file, what it says when files are missing,
and that it never carries the user's writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.contract.ab_test import ABTest
from engine.contract.config import DataSettings, ModelSettings, RunConfig
from engine.model_card import CARD_FILE, NOT_MEASURED, build_model_card, write_model_card

SECRET_TEXT = "Our confidential autumn slogan: warmth you can wear"
SECRET_FILE = "letter-to-jane-doe.docx"


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    config = RunConfig(
        model=ModelSettings(name="Qwen/Qwen2.5-0.5B-Instruct"),
        data=DataSettings(
            sources=(f"/home/jane/{SECRET_FILE}",), rights="i_wrote_it", redact=("email", "phone")
        ),
        name="Jane's newsletter voice",
    )
    write_json(
        tmp_path / "run.json",
        {
            "config": config.to_dict(),
            "base_model_path": str(tmp_path / "no-such-model"),
            "software": {
                "python": "3.11.9",
                "torch": "2.13.0",
                "peft": "0.21.2",
                "bitsandbytes": None,
            },
            "hardware": {"os": "Linux 6.8", "gpus": [{"name": "NVIDIA H100 80GB HBM3"}]},
            "state": "finished",
            "created": "2026-11-27T20:00:00+0000",
            "result": {
                "steps": 120,
                "final_loss": 1.2345,
                "best_heldout_loss": 1.5,
                "reason": "finished",
                "seconds": 600,
            },
        },
    )
    write_json(
        tmp_path / "data-manifest.json",
        {
            "version": 1,
            "rights": "i_wrote_it",
            "settings": {"redact": ["email", "phone"]},
            "train_examples": 180,
            "heldout_examples": 20,
            "files": [
                {
                    "path": SECRET_FILE,
                    "kind": "docx",
                    "sha256": "ab" * 32,
                    "size_bytes": 20480,
                    "rows_read": 210,
                    "rows_kept": 200,
                    "rows_dropped": {"duplicate": 7, "too_short": 3},
                    "redactions": {"email": 4, "phone": 2},
                }
            ],
        },
    )
    write_json(
        tmp_path / "evaluation.json",
        {
            "schema": 1,
            "heldout_examples": 20,
            "perplexity": {
                "base": {"loss": 3.2, "perplexity": 24.53, "tokens": 900},
                "tuned": {"loss": 2.1, "perplexity": 8.17, "tokens": 900},
            },
            "style": {
                "method": "char n-grams + function words",
                "prompts": 6,
                "base": {"score": 0.21},
                "tuned": {"score": 0.47},
            },
            "summary": [
                "Your held-out writing surprises the tuned model 3.0x less than the base model."
            ],
            "samples": [{"prompt": SECRET_TEXT, "base": "x", "tuned": SECRET_TEXT}],
        },
    )
    test = ABTest.make([SECRET_TEXT] * 6, ["base"] * 6, [SECRET_TEXT] * 6, seed=1)
    for i in range(6):
        test.record(i, test.trials[i].tuned_side if i < 5 else "tie")
    test.save(tmp_path)
    return tmp_path


def test_card_states_everything_the_run_recorded(run_dir: Path) -> None:
    card = write_model_card(run_dir).read_text(encoding="utf-8")
    assert (run_dir / CARD_FILE).exists()
    for expected in [
        "# Jane's newsletter voice",
        "Qwen/Qwen2.5-0.5B-Instruct",
        "license: apache-2.0",  # from the model catalog
        "Licence: apache-2.0",
        "wrote the training text",
        "180 for training, 20 kept aside",
        "email addresses: 4",
        "phone numbers: 2",
        "7 duplicate",
        "ab" * 32,
        "LoRA rank 16, alpha 32",
        "Steps trained: 120",
        "NVIDIA H100",
        "| Held-out perplexity (lower is better) | 24.53 | 8.17 |",
        "| 0.21 | 0.47 |",
        "tuned answer 5 times and the base answer 0 times (1 could not tell",
        "it can state false things confidently",
        "imitates style, not facts",
        "## Intended use",
        "- torch: 2.13.0",
        "- bitsandbytes: not installed",
    ]:
        assert expected in card, expected


def test_card_never_contains_the_users_text_or_file_names(run_dir: Path) -> None:
    card = build_model_card(run_dir)
    assert SECRET_TEXT not in card
    assert SECRET_FILE not in card
    assert "/home/jane" not in card


def test_missing_files_say_not_measured(run_dir: Path) -> None:
    for name in ("evaluation.json", "ab-test.json", "data-manifest.json"):
        (run_dir / name).unlink()
    card = build_model_card(run_dir)
    assert f"Held-out perplexity and style score: {NOT_MEASURED}" in card
    assert f"Blind A/B test: {NOT_MEASURED}" in card
    assert "Data summary: not recorded" in card
    assert "wrote the training text" in card  # the rights answer still comes from run.json


def test_empty_folder_still_gives_a_card(tmp_path: Path) -> None:
    card = write_model_card(tmp_path, dest=tmp_path / "export").read_text(encoding="utf-8")
    assert (tmp_path / "export" / CARD_FILE).exists()
    assert "Licence: not stated" in card
    assert "Versions: not recorded" in card
    assert "## Known limits" in card


def test_local_base_model_licence_from_its_readme(tmp_path: Path) -> None:
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "README.md").write_text("---\nlicense: mit\ntags: [x]\n---\n# hi\n", encoding="utf-8")
    config = RunConfig(model=ModelSettings(name=str(model)))
    write_json(tmp_path / "run.json", {"config": config.to_dict(), "base_model_path": str(model)})
    card = build_model_card(tmp_path)
    assert "Licence: mit" in card
    assert str(tmp_path) not in card  # the local path is reduced to the folder's name
