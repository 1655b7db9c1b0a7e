"""What the run detail view shows, read from a run folder (no Qt here, easy to test).

A run folder holds run.json (settings), data-manifest.json (files, rights, redaction counts),
evaluation.json (held-out perplexity and style score, base versus tuned), ab-test.json (the
blind picks) and model-card.md. Any of them can be missing (older runs, runs that stopped
early) or damaged; every figure here is then None and the view says "not measured". Nothing
here reads the user's writing: only counts, settings and the engine's own sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.contract.ab_test import ABScore, ABTest
from engine.contract.pii_kinds import LABELS as PII_LABELS
from gui.core.run_files import CONFIG_FILE, REQUEST_FILE, RunSummary, read_json_object, summarize

MANIFEST_FILE = "data-manifest.json"
EVALUATION_FILE = "evaluation.json"
CARD_FILE = "model-card.md"

RIGHTS_LABELS = {
    "i_wrote_it": "I wrote this",
    "organisation_owns_it": "My organisation owns it",
    "have_permission": "I have permission",
    "other": "Other",
}


@dataclass
class Pair:
    """One measure for the base model and the tuned one (None: not measured)."""

    base: float | None = None
    tuned: float | None = None

    @property
    def measured(self) -> bool:
        return self.base is not None or self.tuned is not None


@dataclass
class Ancestor:
    """An earlier run this one continued from (Train more), as its run.json recorded it."""

    path: Path | None
    name: str
    created: str  # 'YYYY-mm-dd HH:MM', or '' when not recorded
    steps: int | None
    train_examples: int | None
    files: int | None

    @property
    def still_here(self) -> bool:
        return self.path is not None and (self.path / CONFIG_FILE).is_file()


@dataclass
class RunReport:
    summary: RunSummary
    settings: dict[str, Any] = field(default_factory=dict)  # label -> value, None if unknown
    train_examples: int | None = None
    heldout_examples: int | None = None
    files_used: int | None = None
    files_skipped: int = 0
    rows_dropped: dict[str, int] = field(default_factory=dict)
    rights: str = ""  # the answer's label, "" when not stated
    redact_chosen: list[str] = field(default_factory=list)  # labels
    redactions: dict[str, int] = field(default_factory=dict)  # label -> count
    has_manifest: bool = False
    loss: Pair = field(default_factory=Pair)
    perplexity: Pair = field(default_factory=Pair)
    style: Pair = field(default_factory=Pair)
    eval_sentences: list[str] = field(default_factory=list)
    eval_note: str = ""
    ab: ABScore | None = None
    ab_trials: int = 0
    card: Path | None = None
    created: str = ""
    title: str = ""  # the name given to the run, "" when none
    lineage: list[Ancestor] = field(default_factory=list)  # parent first, then its parent...

    @property
    def has_evaluation(self) -> bool:
        return self.loss.measured or self.perplexity.measured or self.style.measured

    @property
    def ab_taken(self) -> bool:
        return self.ab is not None and self.ab.tuned + self.ab.base + self.ab.ties > 0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pair(section: Any, key: str) -> Pair:
    section = _dict(section)
    return Pair(
        _number(_dict(section.get("base")).get(key)),
        _number(_dict(section.get("tuned")).get(key)),
    )


def _settings(config: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    lora, training = _dict(config.get("lora")), _dict(config.get("training"))
    result = _dict(run.get("result"))
    max_steps = _count(training.get("max_steps"))
    return {
        "Dial": training.get("dial") if isinstance(training.get("dial"), str) else None,
        "LoRA rank": _count(lora.get("rank")),
        "Learning rate": _number(training.get("learning_rate")),
        "Epochs": _number(training.get("epochs")),
        "Step limit": max_steps if max_steps else None,
        "Steps trained": _count(result.get("steps")),
        "Sequence length": _count(training.get("sequence_length")),
    }


def load_report(run_dir: Path) -> RunReport:
    """Everything the detail view shows about `run_dir`, whatever state its files are in."""
    run_dir = Path(run_dir)
    report = RunReport(summary=summarize(run_dir))
    run = read_json_object(run_dir / CONFIG_FILE) or read_json_object(run_dir / REQUEST_FILE) or {}
    config = _dict(run.get("config", run))
    report.settings = _settings(config, run)
    report.created = _when(run.get("created"))
    title = config.get("name")
    report.title = title if isinstance(title, str) else ""
    report.lineage = _lineage(run.get("parent"))
    if report.settings["Steps trained"] is None and report.summary.steps:
        report.settings["Steps trained"] = report.summary.steps

    manifest = read_json_object(run_dir / MANIFEST_FILE)
    rights = ""
    if manifest is not None:
        report.has_manifest = True
        report.train_examples = _count(manifest.get("train_examples"))
        report.heldout_examples = _count(manifest.get("heldout_examples"))
        files = [f for f in manifest.get("files", []) or [] if isinstance(f, dict)]
        used = [f for f in files if not f.get("skipped")]
        report.files_used, report.files_skipped = len(used), len(files) - len(used)
        for f in files:
            for reason, n in _dict(f.get("rows_dropped")).items():
                if _count(n):
                    label = str(reason).replace("_", " ")
                    report.rows_dropped[label] = report.rows_dropped.get(label, 0) + int(n)
            for kind, n in _dict(f.get("redactions")).items():
                if _count(n) is not None:
                    label = PII_LABELS.get(kind, str(kind))
                    report.redactions[label] = report.redactions.get(label, 0) + int(n)
        chosen = _dict(manifest.get("settings")).get("redact") or []
        if isinstance(chosen, list):
            report.redact_chosen = [PII_LABELS.get(str(k), str(k)) for k in chosen]
        rights = manifest.get("rights") or ""
    rights = rights or _dict(config.get("data")).get("rights") or ""
    report.rights = RIGHTS_LABELS.get(rights, "") if isinstance(rights, str) else ""

    evaluation = read_json_object(run_dir / EVALUATION_FILE) or {}
    report.loss = _pair(evaluation.get("perplexity"), "loss")
    report.perplexity = _pair(evaluation.get("perplexity"), "perplexity")
    report.style = _pair(evaluation.get("style"), "score")
    sentences = evaluation.get("summary")
    if isinstance(sentences, list):
        report.eval_sentences = [str(s) for s in sentences if isinstance(s, str)]
    note = evaluation.get("note")
    report.eval_note = note if isinstance(note, str) else ""

    ab = ABTest.load(run_dir)
    if ab is not None:
        report.ab, report.ab_trials = ab.score(), len(ab.trials)
    card = run_dir / CARD_FILE
    report.card = card if card.is_file() else None
    return report


def _when(value: Any) -> str:
    """run.json's 'created' (YYYY-mm-ddTHH:MM:SS+zone) as 'YYYY-mm-dd HH:MM'."""
    return value[:16].replace("T", " ") if isinstance(value, str) else ""


def _lineage(parent: Any) -> list[Ancestor]:
    """The chain of runs this one continued from, nearest first (bounded: a damaged file
    cannot loop)."""
    chain: list[Ancestor] = []
    while isinstance(parent, dict) and len(chain) < 50:
        data = _dict(parent.get("data"))
        files = data.get("files")
        folder = parent.get("run_dir")
        chain.append(
            Ancestor(
                path=Path(folder) if isinstance(folder, str) and folder else None,
                name=str(parent.get("name") or ""),
                created=_when(parent.get("created")),
                steps=_count(parent.get("steps")),
                train_examples=_count(data.get("train_examples")),
                files=len(files) if isinstance(files, list) else None,
            )
        )
        parent = parent.get("parent")
    return chain


def read_card(path: Path | None) -> str | None:
    """The model card's Markdown, or None when it is missing or unreadable."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def fmt(value: float | int | None, digits: int = 3) -> str:
    """A figure for the view: 'not measured' when None, thousands separators when large."""
    if value is None:
        return "not measured"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.{digits}g}"
