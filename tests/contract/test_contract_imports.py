"""engine.contract is what the GUI imports of the engine: it must stay light.

import-linter (pyproject.toml) forbids the ML stack and Qt; this reads every module's imports
from the other side, so a new dependency cannot slip in unlisted: each must be the standard
library, engine.contract itself, or platformdirs (where the data folder lives on each system).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import engine.contract

CONTRACT = Path(engine.contract.__file__).parent
ALLOWED = {"platformdirs"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_engine_contract_imports_only_the_standard_library_and_platformdirs() -> None:
    outside = {
        f"{path.name}: {name}"
        for path in sorted(CONTRACT.glob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in ALLOWED
        and not name.startswith("engine.contract")
    }
    assert not outside, outside


def test_the_check_sees_imports_outside_the_standard_library(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import json\nfrom engine.train import loop\nimport torch.nn\n", "utf-8")
    assert imported_modules(module) == {"json", "engine.train", "torch.nn"}
