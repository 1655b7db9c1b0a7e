"""The steps of the user's path, one package each, holding the step's page, parts and controller.

The main window (gui/main_window.py) builds every page and wires them together; a step never
imports another step (an import-linter contract in pyproject.toml). What the steps share lives
below them: gui/widgets/ (the widget kit, the theme) and gui/core/ (the engine process, run
folders, settings, the data selection, the error wording).

What the window relies on:

- Every page is a `QWidget` whose constructor takes `parent: QWidget | None = None` (the Train
  page also takes the window's `RunController`); it starts no engine work before it is shown.
- `model.page.ModelPage` emits `sig_model_chosen(str)`: a Hub id, a local folder, or "demo";
  `set_model(name)` lets the demo button choose the demo model.
- `data.page.DataPage` emits `sig_data_ready(object)` carrying a `gui.core.selection.DataSelection`;
  `set_sources(paths)` lets the demo button load the bundled samples; Continue emits
  `sig_continue_requested`, and the window opens the Train step.
- Pages that run engine commands use `gui.core.engine_process.EngineProcess` with
  `gui.core.engine_command.engine_command(...)`, never subprocess directly.
"""
