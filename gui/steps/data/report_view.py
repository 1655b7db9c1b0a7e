"""What the data step shows from the engine's `data_preview` report.

`ReadinessView`: is there enough clean data, in plain words and a few counts.
`PreviewView`: the first examples exactly as the model will learn them.
`PiiView`: possible personal data by kind, with masked examples in context, the reason
each was taken, and a "replace with [EMAIL]" switch per kind; switching emits
`sig_redact_changed`. Under names, the names found most often each get a "not personal"
button (a brand, a product, the user's own byline); pressing one emits
`sig_not_personal_changed` with every word marked so far.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from engine.contract.data_report import DataPreview, PiiFinding, PreviewExample, Readiness
from engine.contract.pii_kinds import DESCRIPTIONS, LABELS, PLACEHOLDERS
from gui.widgets.layouts import clear_layout
from gui.widgets.page import Card, Tone, note, pill, section_title, set_pill

AIM_FOR = 50  # pieces of writing; matches the "good" readiness level of the engine
LEVEL_TONES: dict[str, tuple[str, Tone]] = {
    "none": ("Not ready", "bad"),
    "too_few": ("Too few examples", "bad"),
    "few": ("Enough to try", "warn"),
    "good": ("Ready", "good"),
}


def _count(value: int, one: str, many: str) -> str:
    return f"{value:,} {one if value == 1 else many}"


class ReadinessView(Card):
    """The verdict pill, the engine's sentence, and the counts that explain it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        top = QHBoxLayout()
        top.addWidget(section_title("Is it enough?"))
        top.addStretch(1)
        self.badge = pill("…")
        top.addWidget(self.badge)
        self.body.addLayout(top)
        self.verdict = note(muted=False)
        self.body.addWidget(self.verdict)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(24)
        self.body.addLayout(self.grid)
        self.warnings = note()
        self.body.addWidget(self.warnings)
        self.values: dict[str, QLabel] = {}

    def show_readiness(self, readiness: Readiness) -> None:
        label, tone = LEVEL_TONES.get(readiness.level, ("", "neutral"))
        set_pill(self.badge, label, tone)
        aim = ""
        pieces = readiness.pieces or readiness.examples
        if 0 < pieces < AIM_FOR and "aim for" not in readiness.verdict.lower():
            aim = (
                f" Aim for at least {AIM_FOR} pieces of writing for the model to pick up your "
                "voice."
            )
        self.verdict.setText((readiness.verdict or "") + aim)
        tokens = f"{readiness.total_tokens:,}"
        if readiness.tokens_estimated:
            tokens = f"about {tokens} (estimated; exact once a model is chosen)"
        rows = [
            ("Pieces of writing", f"{pieces:,}"),
            ("Training examples (total)", f"{readiness.examples:,}"),
            ("Examples to learn from", f"{readiness.train_examples:,}"),
            ("Kept aside to check the model", f"{readiness.heldout_examples:,}"),
            ("Words and word pieces (tokens)", tokens),
            ("Repeats left out", f"{readiness.duplicates:,}"),
            ("Empty rows left out", f"{readiness.empty:,}"),
            ("Too short, left out", f"{readiness.too_short:,}"),
            ("Too long, left out", f"{readiness.too_long:,}"),
        ]
        if readiness.split_long:
            rows.append(("Long pieces split at paragraphs", f"{readiness.split_long:,}"))
        clear_layout(self.grid)
        self.values = {}
        if readiness.examples == pieces:
            rows.pop(1)  # the same number twice says nothing
        if not readiness.examples:
            rows = []  # nothing read yet (a column to choose): a grid of zeros says nothing
        for index, (name, value) in enumerate(rows):
            column = (index % 2) * 2
            row = index // 2
            self.grid.addWidget(note(name), row, column)
            value_label = QLabel(value)
            value_label.setWordWrap(True)
            self.grid.addWidget(value_label, row, column + 1)
            self.values[name] = value_label
        self.warnings.setText("\n".join(f"• {w}" for w in readiness.warnings))
        self.warnings.setVisible(bool(readiness.warnings))


class PreviewView(Card):
    """The exact text of the first examples; the chat template applied when a model is set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(section_title("What the model will learn from"))
        self.caption = note()
        self.body.addWidget(self.caption)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setMinimumHeight(260)
        self.text.setAccessibleName("Preview of the training examples")
        self.body.addWidget(self.text)

    def show_preview(self, report: DataPreview) -> None:
        examples = report.preview
        if report.model:
            model = "the demo model" if report.model == "demo" else Path(report.model).name
            if "/" in report.model and not Path(report.model).is_absolute():
                model = report.model  # a Hub id reads better whole
            self.caption.setText(
                f"The first {len(examples)} examples, exactly as {model} will read them "
                "(with its chat template). Personal data you chose to replace shows as "
                "placeholders."
            )
        else:
            self.caption.setText(
                f"The first {len(examples)} examples. Choose a model on the Model step to see "
                "them with its chat template."
            )
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        blocks = [self._block(i, ex, mono) for i, ex in enumerate(examples, start=1)]
        self.text.setHtml("".join(blocks) or "<p><i>No examples to show.</i></p>")

    @staticmethod
    def _block(index: int, example: PreviewExample, mono: str) -> str:
        tags = [f"Example {index}"]
        if example.source:
            tags.append(html.escape(example.source))
        if example.turns:
            replies = 1 + sum(1 for turn in example.turns if turn.role == "assistant")
            tags.append(f"a conversation: learns all {replies} replies")
        if example.heldout:
            tags.append("kept aside for checking")
        head = f"<p style='margin-top:10px'><b>{' · '.join(tags)}</b></p>"
        if example.rendered:
            body = example.rendered
        else:
            parts = []
            if example.system:
                parts.append(f"Instruction: {example.system}")
            for turn in example.turns:
                parts.append(f"{'Request' if turn.role == 'user' else 'Answer'}: {turn.text}")
            if example.prompt:
                parts.append(f"Request: {example.prompt}")
                parts.append(f"Answer: {example.response}")
            else:
                parts.append(example.response)
            body = "\n\n".join(parts)
        text = html.escape(body)
        return f"{head}<pre style='font-family:\"{mono}\"; white-space:pre-wrap'>{text}</pre>"


class PiiView(Card):
    """Findings by kind with masked samples; a checkbox per kind turns redaction on."""

    sig_redact_changed = Signal(tuple)  # tuple[str, ...] of kinds to redact
    sig_not_personal_changed = Signal(tuple)  # tuple[str, ...] of words left alone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(section_title("Personal data"))
        self.summary = note()
        self.body.addWidget(self.summary)
        self.rows = QWidget()
        self.rows_layout = QGridLayout(self.rows)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setVerticalSpacing(4)
        self.body.addWidget(self.rows)
        self.replace_all = QPushButton("Replace all with placeholders")
        self.replace_all.clicked.connect(self._on_replace_all_clicked)
        self.body.addWidget(self.replace_all, 0, Qt.AlignmentFlag.AlignLeft)
        self.checks: dict[str, QCheckBox] = {}
        self.not_personal_buttons: dict[str, QPushButton] = {}
        self._not_personal: tuple[str, ...] = ()
        self._filling = False

    def show_findings(
        self,
        findings: tuple[PiiFinding, ...],
        redact: tuple[str, ...],
        not_personal: tuple[str, ...] = (),
    ) -> None:
        self._filling = True
        self._not_personal = not_personal
        self.not_personal_buttons = {}
        clear_layout(self.rows_layout)
        self.checks = {}
        total = sum(f.count for f in findings)
        if not findings:
            self.summary.setText(
                "No emails, phone numbers, card numbers or similar were found. Names are hard "
                "to spot automatically: glance through the preview too."
            )
        else:
            self.summary.setText(
                f"Quillora found {_count(total, 'possible piece', 'possible pieces')} of "
                "personal data. Replacing them with placeholders keeps them out of the model; "
                "your files stay as they are."
            )
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for row, finding in enumerate(findings):
            label = LABELS.get(finding.kind, finding.kind)
            placeholder = PLACEHOLDERS.get(finding.kind, "[REDACTED]")
            check = QCheckBox(f"{label}: {finding.count:,} found — replace with {placeholder}")
            check.setToolTip(DESCRIPTIONS.get(finding.kind, ""))
            check.setChecked(finding.kind in redact or finding.redacted)
            check.toggled.connect(self._on_check_toggled)
            self.checks[finding.kind] = check
            reasons = list(finding.reasons) + [""] * len(finding.samples)
            samples = "\n".join(
                f"“{s}”" + (f"  ← {why}" if why else "")
                for s, why in zip(finding.samples[:3], reasons, strict=False)
            )
            if finding.sources:
                samples += "\nIn " + ", ".join(finding.sources[:4])
            detail = note(samples, selectable=True)
            detail.setFont(mono)
            detail.setContentsMargins(24, 0, 0, 6)
            self.rows_layout.addWidget(check, row * 3, 0)
            self.rows_layout.addWidget(detail, row * 3 + 1, 0)
            if finding.kind == "name":
                self.rows_layout.addWidget(self._not_personal_row(finding.words), row * 3 + 2, 0)
        if not_personal and not any(f.kind == "name" for f in findings):
            self.rows_layout.addWidget(self._not_personal_row(()), len(findings) * 3, 0)
        self.replace_all.setVisible(bool(findings))
        self._filling = False

    def _not_personal_row(self, words: tuple[str, ...]) -> QWidget:
        """A button per name found often ("Grace Hopper: not personal"), and the words
        already marked, with a way to forget them."""
        box = QWidget()
        layout = QGridLayout(box)
        layout.setContentsMargins(24, 0, 0, 8)
        layout.setHorizontalSpacing(6)
        candidates = [w for w in words if w not in self._not_personal][:6]
        if candidates:
            layout.addWidget(
                note("Not a person? Mark it and Quillora leaves it alone in every row:"),
                0,
                0,
                1,
                3,
            )
            for i, word in enumerate(candidates):
                button = QPushButton(f"{word}: not personal")
                button.setToolTip(
                    f"Leave “{word}” alone in every row of this data, now and next time: "
                    "it is a brand, a product or your own byline."
                )
                button.clicked.connect(lambda _=False, w=word: self._mark_not_personal(w))
                self.not_personal_buttons[word] = button
                layout.addWidget(button, 1 + i // 3, i % 3)
        if self._not_personal:
            marked = note(
                "Marked not personal, left alone in every row: "
                + ", ".join(f"“{w}”" for w in self._not_personal)
            )
            layout.addWidget(marked, 10, 0, 1, 2)
            self.forget_button = QPushButton("Forget these")
            self.forget_button.clicked.connect(self._on_forget_clicked)
            layout.addWidget(self.forget_button, 10, 2)
        return box

    def _mark_not_personal(self, word: str) -> None:
        if word not in self._not_personal:
            self.sig_not_personal_changed.emit((*self._not_personal, word))

    def _on_forget_clicked(self) -> None:
        self.sig_not_personal_changed.emit(())

    def redact(self) -> tuple[str, ...]:
        return tuple(kind for kind, check in self.checks.items() if check.isChecked())

    def _on_check_toggled(self, _checked: bool) -> None:
        if not self._filling:
            self.sig_redact_changed.emit(self.redact())

    def _on_replace_all_clicked(self) -> None:
        self._filling = True
        for check in self.checks.values():
            check.setChecked(True)
        self._filling = False
        self.sig_redact_changed.emit(self.redact())
