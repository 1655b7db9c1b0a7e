"""The bundle's entry point, run unfrozen: dispatch, standard streams, assets folder.

Each case runs in a child interpreter, as the frozen app would, so that replacing the
standard streams or file descriptors cannot disturb pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "packaging" / "entry.py"


def run_python(code: str, tmp_path: Path, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "QUILLORA_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("QUILLORA_ASSETS", None)
    prelude = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'packaging')!r}]\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=tmp_path,
        **kwargs,
    )


def test_engine_flag_runs_the_engine(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ENTRY), "--engine", "doctor", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "QUILLORA_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [event["type"] for event in events] == ["report"]
    assert events[0]["name"] == "doctor"
    assert events[0]["body"]["bitsandbytes"]["ok"] is True


def test_engine_usage_errors_pass_through(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ENTRY), "--engine", "fly"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_anything_else_starts_the_gui_with_its_arguments(tmp_path: Path) -> None:
    result = run_python(
        """
        import types
        fake = types.ModuleType("gui.__main__")
        def main():
            print("GUI", sys.argv[1:])
            return 7
        fake.main = main
        import gui
        sys.modules["gui.__main__"] = fake
        import entry
        sys.exit(entry.main(["--some-option", "file.csv"]))
        """,
        tmp_path,
    )
    assert result.returncode == 7, result.stderr
    assert "GUI ['--some-option', 'file.csv']" in result.stdout


def test_missing_streams_are_replaced(tmp_path: Path) -> None:
    """Windowed mode: sys.std* are None and fd 0-2 may be closed; nothing may crash."""
    result = run_python(
        """
        import os
        log_fd = os.dup(2)
        for fd in (0, 1, 2):
            os.close(fd)
        sys.stdin = sys.stdout = sys.stderr = None
        import entry
        entry.ensure_std_streams()
        print("printing is safe")
        sys.stderr.write("warnings are safe\\n")
        sys.stderr.flush()
        for fd in (0, 1, 2):
            os.fstat(fd)
        os.write(log_fd, b"streams ok\\n")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "streams ok" in result.stderr
    log = tmp_path / "data" / "logs" / "quillora-last-run.log"
    assert "warnings are safe" in log.read_text(encoding="utf-8")


def test_engine_runs_without_standard_streams(tmp_path: Path) -> None:
    """The engine moves fd 1 aside; that must work when the app started without one."""
    result = run_python(
        """
        import os
        report_fd = os.dup(2)
        os.close(1)
        sys.stdout = None
        import entry
        code = entry.main(["--engine", "doctor"])
        os.write(report_fd, f"exit {code}\\n".encode())
        """,
        tmp_path,
    )
    assert "exit 0" in result.stderr, result.stderr


def test_frozen_app_points_the_engine_at_its_assets(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import os
        sys.frozen = True
        sys._MEIPASS = {str(tmp_path)!r}
        import entry
        entry.configure_environment()
        from engine.contract.paths import assets_dir
        print(os.environ["QUILLORA_ASSETS"])
        print(assets_dir())
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    expected = str(tmp_path / "assets")
    assert result.stdout.split() == [expected, expected]


def test_checkout_keeps_the_checkout_assets(tmp_path: Path) -> None:
    result = run_python(
        """
        import os
        import entry
        entry.configure_environment()
        print(os.environ.get("QUILLORA_ASSETS"))
        """,
        tmp_path,
    )
    assert result.stdout.strip() == "None"
