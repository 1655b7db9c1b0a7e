"""Smoke test for the frozen Quillora bundle: does the packaged app really work?

    python packaging/smoke_test.py [--app dist/Quillora/Quillora] [--out build/smoke]

Standard library only, so any Python can run it against any bundle. It runs the bundle in
a clean environment (no PYTHONPATH, no virtual environment on PATH, a fresh HOME and data
folder, Hugging Face offline) and checks, in order:

1. the bundle's layout: the executable, the assets folder, bitsandbytes' native library;
2. `Quillora --engine doctor`: a doctor report arrives, torch imports, bitsandbytes works;
3. the GUI: started on a virtual screen (Xvfb on Linux when there is no display; the
   offscreen platform when Xvfb is missing), it must show its main window and stay up;
   a screenshot of the screen is saved as PNG where the platform allows;
4. `Quillora --engine selftest`: the real demo model (SmolLM2-135M-Instruct) is converted
   from the GGUF file shipped in the bundle and trained a few steps, offline; the loss
   must fall;
5. `Quillora --hub-client download ...`: the GUI's model download child starts from the
   bundle and, with the network blocked, ends promptly with the plain "could not be
   reached" message.

The engine checks (2 and 4) run *without* the Hub's offline switches and with every Internet
connection blocked and logged (packaging/entry.py's QUILLORA_NET_AUDIT): the engine must seal
itself, and any attempt fails the test, naming the stack that tried.

Any import error, missing file or traceback in the app's output fails the test. Exit code 0
means every check passed; each check prints one line, and a JSON summary is written to
<out>/smoke.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BAD_OUTPUT = re.compile(
    r"Traceback \(most recent call last\)|ModuleNotFoundError|ImportError|"
    r"FileNotFoundError|No such file or directory|Could not load the Qt platform plugin|"
    r"Failed to execute script|PYI-\d+:ERROR"
)
WINDOW_TITLE = "Quillora"


class SmokeFailure(Exception):
    """One check failed; the message says which and why."""


def default_app() -> Path:
    if sys.platform == "darwin":
        return ROOT / "dist" / "Quillora.app" / "Contents" / "MacOS" / "Quillora"
    name = "Quillora.exe" if sys.platform == "win32" else "Quillora"
    return ROOT / "dist" / "Quillora" / name


def clean_environment(home: Path, data_dir: Path) -> dict[str, str]:
    """An environment that cannot lean on the build machine's Python or network."""
    if sys.platform.startswith("linux"):
        env = {"PATH": "/usr/bin:/bin", "LANG": os.environ.get("LANG", "C.UTF-8")}
    else:
        # Windows and macOS need their system variables (SYSTEMROOT, TMPDIR, ...).
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA", "QUILLORA", "HF_"))
        }
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "QUILLORA_DATA_DIR": str(data_dir),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": str(home / "hf"),
        }
    )
    return env


def check_output(label: str, text: str) -> None:
    match = BAD_OUTPUT.search(text)
    if match:
        start = max(0, match.start() - 400)
        raise SmokeFailure(
            f"{label}: error in the app's output:\n{text[start : match.end() + 1500]}"
        )


def parse_events(stdout: str) -> list[dict[str, Any]]:
    """JSON-line events; a line that is not JSON is a protocol error."""
    events = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except ValueError as exc:
            raise SmokeFailure(f"engine wrote a non-JSON line on stdout: {line[:200]!r}") from exc
    return events


def audited(env: dict[str, str], log: Path) -> dict[str, str]:
    """`env` with the Hub's offline switches removed and the network blocked and logged."""
    log.unlink(missing_ok=True)
    env = {k: v for k, v in env.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    return {**env, "QUILLORA_NET_AUDIT": str(log)}


def net_attempts(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def run_engine(
    app: Path, args: list[str], env: dict[str, str], timeout: float, out: Path
) -> list[dict[str, Any]]:
    """Run an engine command sealed: no offline switches, the network blocked and logged."""
    name = args[0]
    net_log = out / f"{name}.net.log"
    env = audited(env, net_log)
    started = time.monotonic()
    done = subprocess.run(
        [str(app), "--engine", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )
    seconds = time.monotonic() - started
    (out / f"{name}.stdout.jsonl").write_text(done.stdout, encoding="utf-8")
    (out / f"{name}.stderr.txt").write_text(done.stderr, encoding="utf-8")
    check_output(f"--engine {name} (stderr)", done.stderr)
    events = parse_events(done.stdout)
    failed = [event for event in events if event.get("type") == "failed"]
    if failed or done.returncode != 0:
        detail = json.dumps(failed[-1], indent=1)[:3000] if failed else done.stderr[-3000:]
        raise SmokeFailure(f"--engine {name} exited {done.returncode}:\n{detail}")
    attempts = net_attempts(net_log)
    if attempts:
        raise SmokeFailure(f"--engine {name} tried the network:\n" + "\n".join(attempts)[:4000])
    print(f"ok   --engine {name} ({seconds:.1f} s, no network attempt)")
    return events


def check_download_child(app: Path, env: dict[str, str], out: Path) -> dict[str, Any]:
    """The Model step's download child, started as the installed app starts it
    (gui/downloads.py: `Quillora --hub-client download REPO`), with the network blocked."""
    net_log = out / "hub-client.net.log"
    child_env = {
        **audited(env, net_log),
        "HF_HUB_ETAG_TIMEOUT": "5",
        "HF_HUB_DOWNLOAD_TIMEOUT": "5",
    }
    started = time.monotonic()
    done = subprocess.run(
        [str(app), "--hub-client", "download", "quillora-smoke/not-downloadable"],
        env=child_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
    )
    seconds = round(time.monotonic() - started, 1)
    (out / "hub-client.stdout.jsonl").write_text(done.stdout, encoding="utf-8")
    (out / "hub-client.stderr.txt").write_text(done.stderr, encoding="utf-8")
    check_output("--hub-client (stderr)", done.stderr)
    events = parse_events(done.stdout)
    last = events[-1] if events else {}
    if last.get("type") != "failed" or last.get("kind") != "download_failed":
        raise SmokeFailure(
            f"--hub-client did not end with a download failure: {done.stdout[-2000:]}"
        )
    if "could not be reached" not in str(last.get("message")):
        raise SmokeFailure(f"--hub-client's message is not the 'no connection' one: {last}")
    if not net_attempts(net_log):
        raise SmokeFailure("--hub-client never tried the network: it did not run the download")
    if seconds > 60:
        raise SmokeFailure(f"--hub-client took {seconds} s to notice there is no connection")
    print(f"ok   --hub-client download without a network: plain message in {seconds} s")
    return {"seconds": seconds, "message": last.get("message")}


def report_body(events: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for event in events:
        if event.get("type") == "report" and event.get("name") == name:
            return dict(event.get("body") or {})
    raise SmokeFailure(f"no '{name}' report among the engine's events: {events[-3:]}")


def check_layout(app: Path) -> None:
    if not app.is_file():
        raise SmokeFailure(f"no executable at {app}; build it with packaging/build")
    internal = app.parent / "_internal"
    if sys.platform == "darwin":
        internal = app.parents[1] / "Resources"
        if not internal.is_dir():
            internal = app.parent
    if (ROOT / "assets").is_dir() and not (internal / "assets").is_dir():
        raise SmokeFailure(f"the bundle has no assets folder under {internal}")
    native = list((internal / "bitsandbytes").glob("libbitsandbytes_cpu.*"))
    if not native:
        raise SmokeFailure("bitsandbytes' CPU library is missing from the bundle")
    print(f"ok   layout ({internal})")


# --- the GUI on a virtual screen ----------------------------------------------------------


def start_virtual_screen(env: dict[str, str], out: Path) -> subprocess.Popen[bytes] | None:
    """Xvfb on Linux when there is no display; offscreen Qt if Xvfb is missing."""
    if not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") and not shutil.which("Xvfb"):
        env["DISPLAY"] = os.environ["DISPLAY"]
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("note Xvfb not found: the GUI runs on Qt's offscreen platform, no screenshot")
        env["QT_QPA_PLATFORM"] = "offscreen"
        return None
    for number in range(91, 120):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            break
    log = open(out / "xvfb.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    env["DISPLAY"] = f":{number}"
    env["QT_QPA_PLATFORM"] = "xcb"
    return server


def find_window(env: dict[str, str]) -> bool:
    tool = shutil.which("xdotool")
    if tool is None or "DISPLAY" not in env:
        return False
    found = subprocess.run(
        [tool, "search", "--onlyvisible", "--name", WINDOW_TITLE],
        env={**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def screenshot(env: dict[str, str], target: Path) -> bool:
    """Save the whole virtual screen as PNG (ImageMagick's import, else xwd)."""
    if "DISPLAY" not in env or env.get("QT_QPA_PLATFORM") == "offscreen":
        return False
    tool_env = {**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if shutil.which("import"):
        done = subprocess.run(["import", "-window", "root", str(target)], env=tool_env)
        if done.returncode == 0 and target.is_file():
            return True
    if shutil.which("xwd"):
        raw = subprocess.run(["xwd", "-root", "-silent"], env=tool_env, capture_output=True)
        if raw.returncode == 0:
            target.write_bytes(xwd_to_png(raw.stdout))
            return True
    return False


def xwd_to_png(data: bytes) -> bytes:
    """Convert a 24/32-bit ZPixmap XWD dump (what `xwd -root` gives) to PNG bytes."""
    header = struct.unpack(">25I", data[:100])
    header_size, width, height = header[0], header[4], header[5]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = (
        header[7],
        header[11],
        header[12],
        header[19],
    )
    if bits_per_pixel != 32:
        raise SmokeFailure(f"xwd: {bits_per_pixel} bits per pixel is not supported")
    pixels = data[header_size + 12 * ncolors :]
    rows = []
    for y in range(height):
        line = pixels[y * bytes_per_line : y * bytes_per_line + 4 * width]
        if byte_order == 0:  # LSBFirst: B G R x
            rgb = bytes(
                b for i in range(0, len(line), 4) for b in (line[i + 2], line[i + 1], line[i])
            )
        else:  # MSBFirst: x R G B
            rgb = bytes(b for i in range(0, len(line), 4) for b in line[i + 1 : i + 4])
        rows.append(b"\x00" + rgb)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def check_gui(
    app: Path, env: dict[str, str], out: Path, timeout: float, settle: float
) -> dict[str, Any]:
    """Start the GUI, wait for its main window, screenshot it, and close it."""
    env = dict(env)
    ready_file = out / "gui-ready"
    ready_file.unlink(missing_ok=True)
    env["QUILLORA_SMOKE"] = "1"
    env["QUILLORA_SMOKE_READY"] = str(ready_file)
    server = start_virtual_screen(env, out)
    log_path = out / "gui.log"
    result: dict[str, Any] = {"platform": env.get("QT_QPA_PLATFORM", "native")}
    try:
        with open(log_path, "wb") as log:
            started = time.monotonic()
            gui = subprocess.Popen(
                [str(app)], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
            how = None
            while time.monotonic() - started < timeout:
                if gui.poll() is not None:
                    break
                text = log_path.read_text(encoding="utf-8", errors="replace")
                if ready_file.exists() or "QUILLORA_READY" in text:
                    how = "ready signal"
                elif find_window(env):
                    how = "window found"
                if how:
                    break
                time.sleep(0.5)
            result["seconds_to_window"] = round(time.monotonic() - started, 1)
            if how is None and gui.poll() is None and not shutil.which("xdotool"):
                how = "still running (no ready signal, no xdotool)"
            time.sleep(settle)  # let the first paint finish before the screenshot
            alive = gui.poll() is None
            shot = out / "main-window.png"
            result["screenshot"] = str(shot) if alive and screenshot(env, shot) else None
            gui.terminate()
            try:
                gui.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gui.kill()
                gui.wait()
        text = log_path.read_text(encoding="utf-8", errors="replace")
        check_output("GUI", text)
        if not alive:
            raise SmokeFailure(
                f"the GUI exited ({gui.returncode}) before its window was checked:\n{text[-3000:]}"
            )
        if how is None:
            raise SmokeFailure(
                f"no main window titled {WINDOW_TITLE!r} within {timeout:.0f} s:\n{text[-3000:]}"
            )
        result["how"] = how
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"ok   GUI main window ({result['how']}, {result['seconds_to_window']} s; screenshot: {result['screenshot']})"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", type=Path, default=default_app(), help="the bundle's executable")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "smoke", help="logs, screenshot, summary"
    )
    parser.add_argument("--skip-gui", action="store_true", help="engine checks only")
    parser.add_argument("--skip-selftest", action="store_true", help="no training (quick check)")
    parser.add_argument("--gui-timeout", type=float, default=90.0)
    parser.add_argument("--selftest-timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = args.app.resolve()
    summary: dict[str, Any] = {"app": str(app), "passed": False}
    scratch = Path(tempfile.mkdtemp(prefix="quillora-smoke-"))
    env = clean_environment(scratch / "home", scratch / "data")
    (scratch / "home").mkdir()
    started = time.monotonic()
    try:
        check_layout(app)
        doctor = report_body(run_engine(app, ["doctor"], env, 300, out), "doctor")
        summary["doctor"] = doctor
        bnb = doctor.get("bitsandbytes", {})
        if isinstance(bnb, dict) and bnb.get("ok") is False:
            raise SmokeFailure(f"bitsandbytes does not work inside the bundle: {bnb}")
        if not args.skip_gui:
            summary["gui"] = check_gui(app, env, out, args.gui_timeout, settle=3.0)
        if not args.skip_selftest:
            t0 = time.monotonic()
            body = report_body(
                run_engine(app, ["selftest"], env, args.selftest_timeout, out), "selftest"
            )
            summary["selftest"] = body
            summary["selftest_seconds"] = round(time.monotonic() - t0, 1)
            if body.get("loss_fell") is not True:
                raise SmokeFailure(f"the selftest's loss did not fall: {json.dumps(body)[:2000]}")
            print(
                f"ok   selftest: loss fell ({json.dumps({k: v for k, v in body.items() if 'loss' in k})})"
            )
        summary["download_child"] = check_download_child(app, env, out)
        summary["passed"] = True
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        summary["error"] = str(exc)
        print(f"FAIL {exc}", file=sys.stderr)
    finally:
        summary["seconds"] = round(time.monotonic() - started, 1)
        (out / "smoke.json").write_text(
            json.dumps(summary, indent=2, default=str), encoding="utf-8"
        )
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{'PASS' if summary['passed'] else 'FAIL'} in {summary['seconds']} s; details in {out}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
