"""`python -m gui.tour OUTDIR`: render every screen and state of the app to PNG for review.

Runs offscreen in a throwaway data folder; no engine is started: pages are put into each
state directly through their public methods (the Train page's `preview()`, the scripted
states in gui/tour/model.py, try_it.py and share.py), with events shaped like the real engine's.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.main_window import MainWindow

STEPS = 40


def _events_for_run(steps: int, *, upto: int | None = None) -> list[object]:
    from engine.contract.events import DataPrepared, Evaluation, RunStarted, StepProgress

    events: list[object] = [
        RunStarted(run_dir="run", model="demo", device="cpu"),
        DataPrepared(
            examples=120,
            train_examples=108,
            heldout_examples=12,
            dropped=3,
            total_tokens=14_200,
            packed_rows=30,
        ),
    ]
    last = upto or steps
    for step in range(1, last + 1):
        loss = 2.1 + 3.2 * (0.93**step) + 0.08 * ((step * 7919) % 13 - 6) / 6
        events.append(
            StepProgress(
                step=step,
                total_steps=steps,
                loss=loss,
                learning_rate=2e-4,
                tokens_per_second=1850.0 + 40 * (step % 5),
                memory_gib=0.42,
                eta_seconds=(steps - step) * 1.4,
            )
        )
        if step % 5 == 0:
            held = 2.4 + 3.0 * (0.94**step)
            events.append(
                Evaluation(
                    step=step, heldout_loss=held, best_loss=held, improved=True, patience_left=3
                )
            )
    return events


def _write_sample_runs(root: Path) -> None:
    """Three run folders for the Runs page: finished, stopped with a checkpoint, failed."""
    from engine.contract.config import DataSettings, ModelSettings, RunConfig
    from engine.contract.errors import ErrorKind
    from engine.contract.events import Failed, Finished
    from gui.tour.try_it import TOUR_RUN

    samples = [
        (
            TOUR_RUN,  # the finished demo run the Try it and Share screens use too
            "demo",
            40,
            Finished(
                run_dir="",
                adapter_dir="",
                steps=40,
                final_loss=2.2,
                best_heldout_loss=2.5,
                seconds=58.0,
            ),
        ),
        ("20261125-164000-qwen2-5-1-5b-instruct", "Qwen/Qwen2.5-1.5B-Instruct", 18, None),
        (
            "20261124-093000-llama-3-2-3b-instruct",
            "meta-llama/Llama-3.2-3B-Instruct",
            6,
            Failed(kind=ErrorKind.OUT_OF_GPU_MEMORY, message="Out of GPU memory."),
        ),
    ]
    for index, (name, model, upto, last) in enumerate(samples):
        run = root / "runs" / name
        (run / "checkpoints" / "step-10").mkdir(parents=True, exist_ok=True)
        (run / "checkpoints" / "step-10" / "COMPLETE").write_text("ok\n", encoding="utf-8")
        config = RunConfig(
            model=ModelSettings(name=model),
            data=DataSettings(sources=("/home/sam/brand_voice.csv", "/home/sam/blog")),
        )
        (run / "run.json").write_text(
            json.dumps({"config": config.to_dict(), "state": "x"}), encoding="utf-8"
        )
        events = _events_for_run(STEPS if index == 0 else 60, upto=upto)
        if last is not None:
            events.append(last)
        base = 1795680000 - index * 86400
        lines = []
        for offset, event in enumerate(events):
            data = event.to_dict()  # type: ignore[attr-defined]
            data["time"] = base + offset
            lines.append(json.dumps(data))
        (run / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if index == 0:
            _write_results(run)


def _write_results(run: Path) -> None:
    """What a finished run has beyond its events: manifest, evaluation, blind picks, card."""
    from engine.contract.ab_test import ABTest, Pick

    manifest = {
        "version": 1,
        "rights": "i_wrote_it",
        "settings": {"redact": ["email", "phone"]},
        "train_examples": 108,
        "heldout_examples": 12,
        "files": [
            {"kind": "csv", "rows_read": 123, "rows_kept": 120, "redactions": {"email": 4}},
            {"kind": "folder", "rows_dropped": {"too_short": 3}, "redactions": {"phone": 2}},
        ],
    }
    (run / "data-manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    from gui.tour.try_it import recorded_demo

    recorded = recorded_demo()  # a real demo run's figures (bench/record_demo_replies.py)
    evaluation = {
        "schema": 1,
        "heldout_examples": 15,
        "perplexity": recorded["perplexity"],
        "style": {
            "base": {"score": recorded["style"]["base"]},
            "tuned": {"score": recorded["style"]["tuned"]},
            "prompts": len(recorded["samples"]),
        },
        "summary": recorded["summary"],
        "samples": recorded["samples"],
    }
    (run / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    prompts = [f"Prompt {i}" for i in range(8)]
    test = ABTest.make(prompts, ["base"] * 8, ["tuned"] * 8, seed=3)
    for i, trial in enumerate(test.trials):
        other: Pick = "right" if trial.tuned_side == "left" else "left"
        pick: Pick = "tie" if i == 7 else (other if i == 0 else trial.tuned_side)
        test.record(i, pick)
    test.save(run)
    base_ppl = recorded["perplexity"]["base"]["perplexity"]
    tuned_ppl = recorded["perplexity"]["tuned"]["perplexity"]
    card = (
        "# Quillora style adapter\n\n## Base model\n\n- Model: demo (SmolLM2-135M-Instruct)"
        "\n\n## Evaluation\n\n"
        "| Measure | Base model | Tuned (this adapter) |\n|---|---|---|\n"
        f"| Held-out perplexity (lower is better) | {base_ppl:.1f} | {tuned_ppl:.1f} |\n"
        f"| Style score (higher is closer) | {recorded['style']['base']:.2f} | "
        f"{recorded['style']['tuned']:.2f} |\n\n"
        "## Known limits\n\n- It imitates style, not facts.\n"
    )
    (run / "model-card.md").write_text(card, encoding="utf-8")


def _page_states(window: MainWindow, key: str) -> list[tuple[str, Callable[[], None]]]:
    """A page's scripted tour screens (gui/tour/<step>.py)."""
    from gui.tour import model, share, try_it

    if key == "model":
        return model.tour_states(window.model_page)
    if key == "try":
        return try_it.tour_states(window.try_page)
    if key == "share":
        return share.tour_states(window.share_page)
    raise ValueError(f"no scripted tour screens for the {key!r} step")


def _grab(widget: object, path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(10):
        QApplication.processEvents()
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(path.name)


def _run_detail_shots(window: MainWindow, shot: Callable[..., None], dark: bool) -> None:
    """A run's page: a finished run with its results (top and bottom), its model card, and
    (light only) an old run without an evaluation."""
    from PySide6.QtWidgets import QScrollArea

    from gui.tour.try_it import TOUR_RUN

    page = window.runs_page
    page.refresh()
    by_name = {run.name: run.path for run in page.summaries}
    finished = by_name.get(TOUR_RUN)
    if finished is None:
        return
    page.show_detail(finished)
    shot("16-run-detail")
    scroll = page.detail.findChild(QScrollArea)
    if scroll is not None:
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        shot("16-run-detail-lower")
        scroll.verticalScrollBar().setValue(0)
    dialog = page.detail.open_card()
    if dialog is not None:
        shot("16-run-model-card", dialog)
        dialog.close()
    older = by_name.get("20261124-093000-llama-3-2-3b-instruct")
    if not dark and older is not None:
        page.show_detail(older)
        shot("16-run-detail-not-measured")
    page.show_list()


def render(outdir: Path, dark: bool = False) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from engine.contract.errors import ErrorKind
    from engine.contract.events import Failed, Finished, MicroBatchReduced
    from gui.app import create_app
    from gui.core.messages import ErrorDialog
    from gui.core.selection import DataSelection
    from gui.main_window import MainWindow
    from gui.steps.train.controller import RunState
    from gui.tour.demo_reports import demo_doctor_report, demo_report
    from gui.widgets.theme import apply_theme

    app = create_app(["quillora-tour"])
    apply_theme(app, dark=dark)
    suffix = "-dark" if dark else ""
    outdir.mkdir(parents=True, exist_ok=True)
    window = MainWindow(background_work=False)
    window.resize(1280, 820)
    doctor = demo_doctor_report(None)
    window.model_page.set_doctor_report(doctor)
    window.train_page.set_doctor_report(doctor)
    window.show()
    shots: list[Path] = []

    def shot(name: str, target: object | None = None) -> None:
        path = outdir / f"{name}{suffix}.png"
        _grab(target or window, path)
        shots.append(path)

    window.go_to("welcome")
    shot("01-welcome")
    if dark:
        window.model_page.set_model("demo")
        window.go_to("train")
        window.train_page.preview(RunState.TRAINING, _events_for_run(STEPS, upto=23))  # type: ignore[arg-type]
        shot("06-train-running")
        window.go_to("runs")
        shot("13-runs")
        _run_detail_shots(window, shot, dark=True)
        try_states = _page_states(window, "try")[:3]  # before showing: no engine starts
        window.go_to("try")
        for _name, setup in try_states:
            setup()
        shot("11-try-chat")
        window.close()
        return shots

    window.go_to("model")
    for name, setup in _page_states(window, "model"):
        setup()
        shot(f"02-{name}")

    window.go_to("data")
    window.data_page.show_report(demo_report(model="demo"))
    shot("03-data")

    window.model_page.set_model("demo")
    selection = DataSelection(
        sources=("brand_voice.csv",),
        text_column="post",
        prompt_column="brief",
        examples=120,
        total_tokens=14_200,
        label="brand_voice.csv (120 examples)",
    )
    window.train_page.set_selection(selection)
    window.go_to("train")
    shot("04-train-setup")
    window.train_page.advanced_toggle.setChecked(True)
    shot("05-train-advanced")
    window.train_page.advanced_toggle.setChecked(False)

    page = window.train_page
    page.preview(RunState.TRAINING, _events_for_run(STEPS, upto=23))  # type: ignore[arg-type]
    window.sidebar.status.setText("Training: 58% (step 23)")
    shot("06-train-running")
    page.preview(RunState.PAUSED, _events_for_run(STEPS, upto=23))  # type: ignore[arg-type]
    page._on_notice(
        "Your graphics card ran out of memory, so Quillora now learns from smaller batches "
        "(1 at a time) and carries on from step 23. Results are the same; it takes a little longer."
    )
    shot("07-train-paused")
    window.sidebar.status.setText("")  # the later screens show no run in progress
    finished = Finished(
        run_dir="run",
        adapter_dir="run/adapter",
        steps=STEPS,
        final_loss=2.21,
        best_heldout_loss=2.48,
        seconds=61.0,
    )
    page.preview(RunState.FINISHED, [*_events_for_run(STEPS), finished])  # type: ignore[list-item]
    shot("08-train-finished")
    failed = Failed(
        kind=ErrorKind.OUT_OF_GPU_MEMORY,
        message="Out of GPU memory at step 12.",
        detail="torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
        resumable=True,
    )
    events = [*_events_for_run(STEPS, upto=12)]
    events.append(MicroBatchReduced(step=12, micro_batch_size=1, accumulation_steps=8))
    page.preview(RunState.FAILED, [*events, failed])  # type: ignore[list-item]
    shot("09-train-error")
    dialog = ErrorDialog(failed, window)
    dialog.show()
    shot("10-error-dialog", dialog)
    dialog.close()

    page.preview(RunState.TRAINING, _events_for_run(STEPS, upto=23))  # type: ignore[arg-type]
    box, _buttons = window.close_question()
    box.show()
    shot("15-close-during-run", box)
    box.close()

    for key, number in (("try", 11), ("share", 12)):
        states = _page_states(window, key)
        window.go_to(key)
        for name, setup in states:
            setup()
            shot(f"{number}-{name}")
    for key, number in (("runs", 13), ("settings", 14)):
        window.go_to(key)
        shot(f"{number}-{key}")
    window.go_to("runs")
    _run_detail_shots(window, shot, dark=False)
    window.close()
    QApplication.processEvents()
    return shots


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m gui.tour OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(args[0]).resolve()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="quillora-tour-") as temp:
        os.environ["QUILLORA_DATA_DIR"] = str(Path(temp) / "data")
        os.environ["QUILLORA_SETTINGS_FILE"] = str(Path(temp) / "settings.ini")
        _write_sample_runs(Path(temp) / "data")
        render(outdir, dark=False)
        render(outdir, dark=True)
    return 0
