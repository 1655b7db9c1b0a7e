"""The pages of the main window, one per step of the user's path.

The interface between the main window and its pages (kept small on purpose):

- Every page is a `QWidget` subclass whose constructor takes `parent: QWidget | None = None`
  and nothing else required; it must not start engine work before it is shown.
- `model_page.ModelPage` emits `sig_model_chosen(str)`: a Hub id, a local folder, or "demo".
  It also offers `set_model(name: str) -> None` so the welcome page's demo button can choose
  the demo model.
- `data_page.DataPage` emits `sig_data_ready(object)` carrying a `gui.core.selection.DataSelection`,
  and offers `set_sources(paths: list[str]) -> None` so the demo button can load the bundled
  samples (assets/samples/brand_voice.csv).
- Pages that can be optional import lazily in `gui.main_window`: when model_page or data_page
  is missing, a placeholder with the same signals stands in (gui.steps.fallback_pages).
- Pages that run engine commands use `gui.core.engine_process.EngineProcess` with
  `gui.core.engine_command.engine_command(...)`, never subprocess directly.
"""
