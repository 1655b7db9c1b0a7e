"""Loaded by Python at start-up when this folder is on PYTHONPATH (test_security.py).

Blocks every Internet socket of the process (IPv4/IPv6 connect and name lookups) and records
each attempt in the file named by QUILLORA_TEST_NET_LOG, with the stack that tried (one line,
innermost frames last), so a test can prove that a run made no network access at all and a
failure names the library that reached out. Local (Unix) sockets keep working.
"""

import os
import socket
import traceback

_LOG = os.environ.get("QUILLORA_TEST_NET_LOG", "")
_INTERNET = (socket.AF_INET, socket.AF_INET6)
_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect,
    socket.socket.connect_ex,
    socket.getaddrinfo,
)


def _record(what):
    if _LOG:
        frames = traceback.extract_stack()[:-1]
        stack = " <- ".join(f"{f.filename}:{f.lineno} {f.name}" for f in reversed(frames[-40:]))
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{what} from {stack}\n")


def connect(self, address):
    if self.family in _INTERNET:
        _record(f"connect {address!r}")
        raise OSError(101, "Network is unreachable (blocked by the Quillora test)")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in _INTERNET:
        _record(f"connect_ex {address!r}")
        return 101
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    _record(f"getaddrinfo {host!r}")
    raise socket.gaierror(-3, "Name lookup blocked by the Quillora test")


socket.socket.connect = connect  # type: ignore[method-assign]
socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = getaddrinfo
