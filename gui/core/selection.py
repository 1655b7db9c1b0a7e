"""What the Data step hands to the Train step: the user's data choice, as one frozen value.

`DataPage.sig_data_ready(object)` carries a `DataSelection`; the Train page turns it into the
run configuration's `DataSettings` with `to_data_settings()`. Standard library + contract only.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.contract.config import DataFormat, DataSettings, RightsAnswer


@dataclass(frozen=True)
class DataSelection:
    """The files, how to read them, what to redact, and what the data step counted."""

    sources: tuple[str, ...]
    format: DataFormat = "auto"
    sheet: str = ""  # the workbook sheet chosen on the data page ("" : the engine's choice)
    include_pages_and_drafts: bool = False
    text_column: str = ""
    prompt_column: str = ""
    system_column: str = ""
    redact: tuple[str, ...] = ()
    not_personal: tuple[str, ...] = ()  # words the personal-data check leaves alone
    rights: RightsAnswer = ""
    examples: int = 0  # usable examples after dropping (0: not counted yet)
    dropped: int = 0
    total_tokens: int = 0
    label: str = ""  # a short summary for people, e.g. "brand_voice.csv (120 rows)"

    @property
    def is_ready(self) -> bool:
        return bool(self.sources)

    def summary(self) -> str:
        """One line for the Train and Runs pages."""
        if self.label:
            return self.label
        names = ", ".join(s.replace("\\", "/").rsplit("/", 1)[-1] for s in self.sources[:2])
        more = f" and {len(self.sources) - 2} more" if len(self.sources) > 2 else ""
        counted = f" · {self.examples:,} examples" if self.examples else ""
        return f"{names}{more}{counted}" if names else "No data chosen"

    def to_data_settings(self, base: DataSettings | None = None) -> DataSettings:
        """The run configuration's data section, keeping `base`'s other settings."""
        base = base or DataSettings()
        return DataSettings(
            sources=self.sources,
            format=self.format,
            sheet=self.sheet,
            include_pages_and_drafts=self.include_pages_and_drafts,
            text_column=self.text_column,
            prompt_column=self.prompt_column,
            system_column=self.system_column,
            heldout_fraction=base.heldout_fraction,
            max_example_tokens=base.max_example_tokens,
            min_example_chars=base.min_example_chars,
            drop_duplicates=base.drop_duplicates,
            redact=self.redact,
            not_personal=self.not_personal,
            rights=self.rights,
        )
