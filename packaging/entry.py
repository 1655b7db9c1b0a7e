"""The bundle's single entry point: one executable that is both the GUI and the engine.

The desktop app starts its engine child process by re-invoking its own executable with
`--engine <command> ...` (see gui/core/engine_command.py), and its model download child with
`--hub-client download REPO` (gui/steps/model/downloads.py), so the frozen bundle needs exactly one
program. Everything else on the command line goes to the GUI.

Two things a frozen, windowed program must survive before any of our code runs:
- `multiprocessing` children re-invoke the executable too; `freeze_support()` turns them
  into workers instead of a second app window.
- In windowed mode (Windows without a console, macOS launched from Finder) the standard
  streams can be None, and the first `print` or warning would raise. They are pointed at
  a log file (stderr) or the null device (stdin, stdout) instead. File descriptors 0-2 are
  made valid too, because the engine moves fd 1 aside with `os.dup(1)`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ENGINE_FLAG = "--engine"
HUB_CLIENT_FLAG = "--hub-client"  # gui/downloads.py: the model download child
# Set by packaging/smoke_test.py: block every Internet connection and log each attempt here.
NET_AUDIT_ENV = "QUILLORA_NET_AUDIT"
ASSETS_ENV = "QUILLORA_ASSETS"
LOG_NAME = "quillora-last-run.log"


def bundle_root() -> Path:
    """The folder holding the bundled packages and assets (the checkout when unfrozen)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[1]


def _fd_is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _log_path() -> Path:
    """Where stderr goes when the app has no console: the data folder, else the temp folder."""
    try:
        from engine.contract.paths import data_dir

        folder = data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except Exception:  # an unwritable data folder must not stop the app from starting
        import tempfile

        folder = Path(tempfile.gettempdir())
    return folder / LOG_NAME


def ensure_std_streams() -> None:
    """Give every standard stream (and fd 0-2) a usable target; keep those that exist."""
    for fd in (0, 1, 2):
        if not _fd_is_open(fd):
            null_fd = os.open(os.devnull, os.O_RDWR)
            if null_fd != fd:
                os.dup2(null_fd, fd)
                os.close(null_fd)
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        try:
            sys.stderr = open(_log_path(), "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        except OSError:
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def configure_environment() -> None:
    """Tell the engine where the bundled assets are (engine/contract/paths.py reads it)."""
    if getattr(sys, "frozen", False):
        os.environ.setdefault(ASSETS_ENV, str(bundle_root() / "assets"))


def block_network(log_path: str) -> None:
    """Refuse every Internet connection and name lookup of this process, logging each one
    with the stack that tried (the smoke test proves the bundle's engine is sealed with it).

    Python's audit hooks see every socket connect and address lookup, frozen or not; an
    exception raised in the hook aborts the operation.
    """
    import socket
    import traceback

    def hook(event: str, args: tuple) -> None:
        if event == "socket.getaddrinfo" or (
            event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6)
        ):
            stack = " <- ".join(
                f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_stack()[-40:-1]
            )
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"{event} {args[1:]!r} from {stack}\n")
            raise OSError(101, "Network is unreachable (blocked by the smoke test)")

    sys.addaudithook(hook)


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the engine (`--engine ...`), the model download child (`--hub-client
    ...`) or the GUI (anything else)."""
    args = list(sys.argv[1:] if argv is None else argv)
    ensure_std_streams()
    configure_environment()
    if os.environ.get(NET_AUDIT_ENV):
        block_network(os.environ[NET_AUDIT_ENV])
    if args and args[0] == ENGINE_FLAG:
        from engine.__main__ import main as engine_main

        return engine_main(args[1:])
    if args and args[0] == HUB_CLIENT_FLAG:
        from gui.steps.model.hub_client import main as hub_client_main

        return hub_client_main(args[1:])
    from gui.__main__ import main as gui_main

    sys.argv = [sys.argv[0], *args]
    return int(gui_main() or 0)


if __name__ == "__main__":
    # Must come first: a multiprocessing worker of the frozen app exits inside this call.
    multiprocessing.freeze_support()
    if not getattr(sys, "frozen", False):
        # Run from a checkout (`python packaging/entry.py`): import the packages beside us.
        sys.path.insert(0, str(bundle_root()))
    sys.exit(main())
