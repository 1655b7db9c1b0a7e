"""The committed spec, its filter rules and the smoke test's helpers, without building."""

from __future__ import annotations

import ast
import importlib.util
import struct
import sys
import zlib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_quillora_{name}", PACKAGING / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bundle_filter = load("bundle_filter")
smoke_test = load("smoke_test")


def test_spec_is_python_and_builds_one_folder() -> None:
    tree = ast.parse((PACKAGING / "quillora.spec").read_text(encoding="utf-8"))
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    exe = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EXE"
    )
    keywords = {kw.arg: kw.value for kw in exe.keywords}
    assert isinstance(keywords["exclude_binaries"], ast.Constant)
    assert keywords["exclude_binaries"].value is True  # one folder, not one file


def test_spec_entry_point_and_packaging_files_exist() -> None:
    spec_text = (PACKAGING / "quillora.spec").read_text(encoding="utf-8")
    assert '"entry.py"' in spec_text
    for path in ("entry.py", "build", "smoke_test.py", "windows/quillora.iss", "README.md"):
        assert (PACKAGING / path).is_file(), path


@pytest.mark.parametrize(
    "dest",
    [
        "torch/include/ATen/core/Tensor.h",
        "torch/lib/libtorchbind_test.so",
        "torch/lib/libjitbackend_test.so",
        "torch/test/atest",
        "torch/bin/test_api",
        "torch/bin/protoc-3.13.0.0",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/qml/QtQuick/Controls/qmldir",
        "PySide6/Qt/translations/qtwebengine_de.qm",
        "numpy/_core/tests/test_api.py",
        "bitsandbytes/libbitsandbytes_rocm72.so",
        "bitsandbytes/libbitsandbytes_xpu2026.so",
        "somepkg/libfoo.a",
        "torch\\lib\\torchbind_test.dll",
    ],
)
def test_always_dropped(dest: str) -> None:
    assert not bundle_filter.keep(dest, "cpu", None)
    assert not bundle_filter.keep(dest, "cuda", "12.8")


@pytest.mark.parametrize(
    "dest",
    [
        "torch/lib/libtorch_cpu.so",
        "torch/lib/libc10.so",
        "torch/bin/torch_shm_manager",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "bitsandbytes/libbitsandbytes_cpu.so",
        "bitsandbytes\\libbitsandbytes_cpu.dll",
        "transformers/models/llama/modeling_llama.py",
        "assets/samples/house-style.txt",
    ],
)
def test_always_kept(dest: str) -> None:
    assert bundle_filter.keep(dest, "cpu", None)
    assert bundle_filter.keep(dest, "cuda", "12.8")


def test_cuda_libraries_follow_the_flavour() -> None:
    cuda_libs = ["nvidia/cublas/lib/libcublas.so.12", "torch/lib/libcudnn_ops.so.9"]
    for dest in cuda_libs:
        assert not bundle_filter.keep(dest, "cpu", None)
        assert bundle_filter.keep(dest, "cuda", "12.8")
    assert bundle_filter.keep("bitsandbytes/libbitsandbytes_cuda128.so", "cuda", "12.8")
    assert not bundle_filter.keep("bitsandbytes/libbitsandbytes_cuda126.so", "cuda", "12.8")
    assert not bundle_filter.keep("bitsandbytes/libbitsandbytes_cuda128.so", "cpu", None)


def test_filtered_keeps_toc_entries_whole() -> None:
    toc = [("torch/lib/libc10.so", "/x/libc10.so", "BINARY"), ("a/b.h", "/x/b.h", "DATA")]
    assert bundle_filter.filtered(toc, "cpu", None) == toc[:1]


def test_xwd_dump_becomes_a_png() -> None:
    width, height, bytes_per_line = 3, 2, 12
    fields = [0] * 25
    fields[0], fields[4], fields[5] = 100, width, height
    fields[7], fields[11], fields[12], fields[19] = 0, 32, bytes_per_line, 0
    pixels = bytes([0, 0, 255, 0]) * (width * height)  # LSBFirst B G R x: pure red
    png = smoke_test.xwd_to_png(struct.pack(">25I", *fields) + pixels)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat_at = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat_at - 4 : idat_at])[0]
    rows = zlib.decompress(png[idat_at + 4 : idat_at + 4 + length])
    assert rows == (b"\x00" + b"\xff\x00\x00" * width) * height


def test_bad_output_is_caught() -> None:
    with pytest.raises(smoke_test.SmokeFailure):
        smoke_test.check_output("GUI", "x\nModuleNotFoundError: No module named 'peft'\n")
    smoke_test.check_output("GUI", "qt.qpa.xcb: X server does not support XInput 2\n")
