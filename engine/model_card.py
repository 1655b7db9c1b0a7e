"""The model card written into every run and every export (model-card.md).

It is assembled from what the run folder records: run.json (settings, base model, software
versions, hardware, result), data-manifest.json (files with SHA-256, rows kept and dropped,
the rights answer, redaction counts), evaluation.json (held-out perplexity and style score,
base versus tuned) and ab-test.json (the user's blind picks). Whatever is missing is stated
as "not recorded" or "not measured" rather than guessed.

It never contains the user's writing: not the examples, not the prompts or answers kept in
evaluation.json and ab-test.json, not file names (which can name people); files are
identified by their SHA-256 fingerprint. The licence comes from run.json when it names one,
else the model catalog, else the base model's own README front matter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from engine.contract.ab_test import ABTest
from engine.contract.catalog import DEMO_ORIGIN
from engine.contract.pii_kinds import LABELS as PII_LABELS
from engine.demo import DEMO_MODEL
from engine.tiny_test_model import TINY_TEST_MODEL

CARD_FILE = "model-card.md"
NOT_RECORDED = "not recorded"
NOT_MEASURED = "not measured"

RIGHTS_WORDS = {
    "i_wrote_it": "The person who trained this adapter wrote the training text.",
    "organisation_owns_it": "The training text belongs to the organisation of the person who "
    "trained this adapter.",
    "have_permission": "The person who trained this adapter has permission to use the "
    "training text.",
    "other": "Other (the person who trained this adapter chose 'other'; ask them before reuse).",
}

INTENDED_USE = (
    "Drafting text in the voice of the training writing (marketing copy, emails, posts, "
    "prose) for a person to review and edit before it is published. It is a style adapter "
    "for the base model named above, loaded with that model (or merged into it)."
)
KNOWN_LIMITS = [
    "It imitates style, not facts: it can state false things confidently, invent names, "
    "numbers, prices and quotes, and its knowledge is only the base model's.",
    "It can repeat phrases, and occasionally whole passages, from its training text.",
    "It inherits the base model's biases and gaps, and its licence terms.",
    "A small or one-sided training set gives a narrow voice: it may sound the same whatever "
    "you ask.",
    "The evaluation scores are measured on a small held-out part of the user's own data; they say how "
    "close it sounds, not how good or correct the writing is.",
]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _licence(run: dict[str, Any], model_name: str) -> str | None:
    for key in ("license", "licence", "base_model_license"):
        if isinstance(run.get(key), str) and run[key]:
            return run[key]
    try:
        from engine.contract.catalog import find

        entry = find(model_name) if model_name else None
        if entry is not None and entry.license:
            return entry.license
    except (ValueError, OSError):
        pass
    base_path = run.get("base_model_path")
    if isinstance(base_path, str) and base_path:
        try:
            readme = (Path(base_path) / "README.md").read_text(encoding="utf-8")[:4000]
        except OSError:
            return None
        front = re.match(r"---\s*\n(.*?)\n---", readme, re.DOTALL)
        if front:
            found = re.search(r"^licen[cs]e:\s*['\"]?([\w.\-]+)", front.group(1), re.MULTILINE)
            if found:
                return found.group(1)
    return None


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return NOT_RECORDED
    if isinstance(value, float):
        if value != value:  # NaN
            return NOT_MEASURED
        # Four significant figures, but never a thousands-sized number in exponent form.
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.{digits}g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _front_matter(model_name: str, licence: str | None) -> list[str]:
    lines = ["---", "library_name: peft"]
    if (
        model_name
        and model_name not in (DEMO_MODEL, TINY_TEST_MODEL)
        and "/" in model_name
        and not Path(model_name).is_absolute()
    ):
        lines.append(f"base_model: {model_name}")
    if licence:
        lines.append(f"license: {licence}")
    lines += ["tags:", "- quillora", "- qlora", "- lora", "- writing-style", "---", ""]
    return lines


def _base_model_section(config: dict[str, Any], licence: str | None) -> list[str]:
    model = config.get("model", {})
    name = model.get("name") or NOT_RECORDED
    shown = (
        Path(name).name + " (a folder on the trainer's computer)"
        if Path(name).is_absolute()
        else name
    )
    lines = ["## Base model", "", f"- Model: {shown}"]
    if model.get("revision") and model.get("revision") != "main":
        lines.append(f"- Revision: {model['revision']}")
    lines.append(
        f"- Licence: {licence}"
        if licence
        else "- Licence: not stated; check the base model's "
        "own page before sharing or selling what you make with it."
    )
    if name == DEMO_MODEL:
        lines.append(f"- Quillora's offline demo model: {DEMO_ORIGIN}.")
    elif name == TINY_TEST_MODEL:
        lines.append("- Quillora's tiny random test model: it only mimics its samples.")
    elif name.lower().endswith(".gguf"):
        lines.append(
            "- Converted from a GGUF file to bf16 on the trainer's computer; a file stored in "
            "4 bits trains a little worse than the original weights."
        )
    return [*lines, ""]


def _data_section(manifest: dict[str, Any] | None, config: dict[str, Any]) -> list[str]:
    lines = ["## Training data", ""]
    rights = (manifest or {}).get("rights") or config.get("data", {}).get("rights") or ""
    lines.append(f"- Rights: {RIGHTS_WORDS.get(rights, 'not stated.')}")
    if manifest is None:
        return [*lines, f"- Data summary: {NOT_RECORDED} (no data-manifest.json in the run).", ""]
    files = [f for f in manifest.get("files", []) if isinstance(f, dict)]
    used = [f for f in files if not f.get("skipped")]
    lines += [
        f"- Examples: {_fmt(manifest.get('train_examples'))} for training, "
        f"{_fmt(manifest.get('heldout_examples'))} kept aside for evaluation",
        f"- Files: {len(used)} used"
        + (f", {len(files) - len(used)} skipped" if len(files) > len(used) else ""),
    ]
    redactions: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for f in files:
        for kind, n in (f.get("redactions") or {}).items():
            redactions[kind] = redactions.get(kind, 0) + int(n)
        for reason, n in (f.get("rows_dropped") or {}).items():
            dropped[reason] = dropped.get(reason, 0) + int(n)
    if dropped:
        reasons = ", ".join(
            f"{n:,} {reason.replace('_', ' ')}" for reason, n in sorted(dropped.items())
        )
        lines.append(f"- Rows left out: {reasons}")
    chosen = manifest.get("settings", {}).get("redact") or []
    if chosen:
        lines.append(
            "- Personal data replaced by placeholders before training: "
            + ", ".join(PII_LABELS.get(k, k).lower() for k in chosen)
        )
        counts = ", ".join(
            f"{PII_LABELS.get(k, k).lower()}: {n:,}" for k, n in sorted(redactions.items())
        )
        lines.append(f"- Redactions made: {counts or 'none found'}")
    else:
        lines.append("- Personal data: no redaction was chosen for this run.")
    not_personal = int(manifest.get("settings", {}).get("not_personal_count") or 0)
    if not_personal:
        lines.append(
            f"- Words marked 'not personal' by the person who trained this adapter: "
            f"{not_personal:,}. The personal-data check left them alone in every row (neither "
            "counted nor redacted); they are not listed here because they can name people."
        )
    if used:
        lines += [
            "",
            "Source files, identified by fingerprint (names are left out because they can "
            "name people):",
            "",
            "| # | Type | Size | Rows kept / read | SHA-256 |",
            "|---|------|------|------------------|---------|",
        ]
        for i, f in enumerate(used, 1):
            size = f.get("size_bytes")
            lines.append(
                f"| {i} | {f.get('kind', '?')} | {_fmt(size) + ' bytes' if size is not None else '?'} "
                f"| {_fmt(f.get('rows_kept'))} / {_fmt(f.get('rows_read'))} | "
                f"`{f.get('sha256') or NOT_RECORDED}` |"
            )
    lines += ["", "The training text itself is not part of this card.", ""]
    return lines


def _lineage_section(run: dict[str, Any]) -> list[str]:
    """Train more: the earlier runs this adapter continued from, each with its data."""
    parent = run.get("parent")
    if not isinstance(parent, dict):
        return []
    lines = [
        "## Continued from earlier training",
        "",
        "This adapter did not start fresh: it continued training the adapter of an earlier "
        "run, so it also learned from that run's writing (described below; the section above "
        "describes only the writing added in this run).",
        "",
    ]
    generation = 1
    while isinstance(parent, dict):
        data = parent.get("data") if isinstance(parent.get("data"), dict) else None
        label = "Earlier run" if generation == 1 else f"Before that ({generation})"
        lines.append(
            f"- {label}: {parent.get('name') or 'unnamed run'}, created "
            f"{parent.get('created') or NOT_RECORDED}, {_fmt(parent.get('steps'))} steps"
        )
        if data is None:
            lines.append(f"  - Its data: {NOT_RECORDED} (no data-manifest.json in that run).")
        else:
            files = [f for f in data.get("files", []) if isinstance(f, dict)]
            lines.append(
                f"  - Its data: {_fmt(data.get('train_examples'))} examples for training, "
                f"{_fmt(data.get('heldout_examples'))} kept aside, {len(files)} file(s); rights: "
                f"{RIGHTS_WORDS.get(data.get('rights') or '', 'not stated.')}"
            )
            for f in files:
                lines.append(
                    f"  - {f.get('kind', '?')} file, {_fmt(f.get('rows_kept'))} rows kept, "
                    f"SHA-256 `{f.get('sha256') or NOT_RECORDED}`"
                )
        parent, generation = parent.get("parent"), generation + 1
    return [*lines, ""]


def _settings_section(config: dict[str, Any], run: dict[str, Any]) -> list[str]:
    lora, training = config.get("lora", {}), config.get("training", {})
    result = run.get("result") or {}
    hardware = run.get("hardware") or {}
    gpus = hardware.get("gpus")
    gpu_names = (
        ", ".join(g.get("name", "?") for g in gpus if isinstance(g, dict))
        if isinstance(gpus, list)
        else ""
    )
    lines = [
        "## Training settings",
        "",
        "- Method: QLoRA: the base model in 4-bit NF4 with double quantisation, a LoRA adapter "
        "on all linear layers",
        f"- Dial: {training.get('dial', NOT_RECORDED)}",
        f"- LoRA rank {_fmt(lora.get('rank'))}, alpha {_fmt(lora.get('alpha'))}, "
        f"dropout {_fmt(lora.get('dropout'))}",
        f"- Learning rate {_fmt(training.get('learning_rate'))}, epochs {_fmt(training.get('epochs'))}, "
        f"rows of {_fmt(training.get('sequence_length'))} tokens, micro-batch "
        f"{_fmt(training.get('micro_batch_size'))} x {_fmt(training.get('gradient_accumulation'))} "
        "accumulation",
        f"- Seed: {_fmt(training.get('seed'))}",
        f"- Steps trained: {_fmt(result.get('steps'))}"
        + (f" (stopped: {result['reason']})" if result.get("reason") else ""),
        f"- Final training loss: {_fmt(result.get('final_loss'))}; best held-out loss: "
        f"{_fmt(result.get('best_heldout_loss'))}",
    ]
    if result.get("seconds") is not None:
        lines.append(f"- Training time: {float(result['seconds']) / 60:.1f} minutes")
    lines.append(
        f"- Hardware: {gpu_names or 'CPU'}" + (f" ({hardware['os']})" if hardware.get("os") else "")
    )
    processes = int(run.get("processes") or 1)
    lines.append(
        f"- Training processes: {processes}"
        + (" (data parallel, under accelerate launch)" if processes > 1 else "")
    )
    if result.get("tokens_seen"):
        lines.append(f"- Tokens trained on: {int(result['tokens_seen']):,}")
    return [*lines, ""]


def _evaluation_section(evaluation: dict[str, Any] | None, ab: ABTest | None) -> list[str]:
    lines = ["## Evaluation", ""]
    if evaluation is None or "perplexity" not in evaluation:
        note = (evaluation or {}).get("note", "")
        lines.append(f"Held-out perplexity and style score: {NOT_MEASURED}. {note}".rstrip())
    else:
        ppl, style = evaluation.get("perplexity", {}), evaluation.get("style", {})

        def cell(section: dict, variant: str, key: str) -> str:
            value = section.get(variant, {}).get(key)
            return _fmt(float(value)) if isinstance(value, int | float) else NOT_MEASURED

        lines += [
            f"Measured on {_fmt(evaluation.get('heldout_examples'))} examples the model never "
            f"trained on; answers for the style score from {_fmt(style.get('prompts'))} held-out "
            "prompts.",
            "",
            "| Measure | Base model | Tuned (this adapter) |",
            "|---------|-----------|----------------------|",
            f"| Held-out loss (lower is better) | {cell(ppl, 'base', 'loss')} | {cell(ppl, 'tuned', 'loss')} |",
            f"| Held-out perplexity (lower is better) | {cell(ppl, 'base', 'perplexity')} | "
            f"{cell(ppl, 'tuned', 'perplexity')} |",
            f"| Style score, 0 to 1 (higher is closer to the user's writing) | "
            f"{cell(style, 'base', 'score')} | {cell(style, 'tuned', 'score')} |",
            "",
            f"Style score: {style.get('method', NOT_RECORDED)}.",
        ]
        for sentence in evaluation.get("summary", []):
            lines.append(f"- {sentence}")
    lines.append("")
    if ab is None or ab.score().tuned + ab.score().base == 0:
        lines.append(f"Blind A/B test: {NOT_MEASURED}.")
    else:
        score = ab.score()
        p = f"; one-sided sign-test p = {score.p_value:.3g}" if score.p_value is not None else ""
        lines.append(
            f"Blind A/B test: the user picked the tuned answer {score.tuned} times and the base "
            f"answer {score.base} times ({score.ties} could not tell{p}). {score.verdict}"
        )
    return [*lines, ""]


def _software_section(run: dict[str, Any]) -> list[str]:
    software = run.get("software") or {}
    lines = ["## Software", ""]
    if not software:
        return [*lines, f"Versions: {NOT_RECORDED}.", ""]
    for name, version in software.items():
        lines.append(f"- {name}: {version or 'not installed'}")
    return [*lines, ""]


def build_model_card(run_dir: Path) -> str:
    """The card's Markdown text for the run in `run_dir`."""
    run_dir = Path(run_dir)
    run = _read_json(run_dir / "run.json") or {}
    found = run.get("config")
    config: dict[str, Any] = found if isinstance(found, dict) else {}
    manifest = _read_json(run_dir / "data-manifest.json")
    evaluation = _read_json(run_dir / "evaluation.json")
    ab = ABTest.load(run_dir)
    model_name = str(config.get("model", {}).get("name", ""))
    licence = _licence(run, model_name)
    title = config.get("name") or "Quillora style adapter"
    lines = [
        *_front_matter(model_name, licence),
        f"# {title}",
        "",
        "A LoRA adapter trained with 4-bit QLoRA by Quillora so that its base model writes in "
        "the style of one person's or one organisation's writing.",
        "",
        *_base_model_section(config, licence),
        "## Intended use",
        "",
        INTENDED_USE,
        "",
        *_data_section(manifest, config),
        *_lineage_section(run),
        *_settings_section(config, run),
        *_evaluation_section(evaluation, ab),
        "## Known limits",
        "",
        *[f"- {limit}" for limit in KNOWN_LIMITS],
        "",
        *_software_section(run),
        f"Run created: {run.get('created') or NOT_RECORDED}. Card written by Quillora.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(run_dir: Path, dest: Path | None = None) -> Path:
    """Write the card to `dest` and return its path.

    `dest` is a .md file (an export may want README.md) or a folder, which gets
    model-card.md; the default is <run_dir>/model-card.md.
    """
    path = Path(dest) if dest is not None else Path(run_dir) / CARD_FILE
    if path.is_dir() or path.suffix.lower() != ".md":
        path = path / CARD_FILE  # a folder, such as an export folder
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(build_model_card(Path(run_dir)), encoding="utf-8")
    tmp.replace(path)
    return path
