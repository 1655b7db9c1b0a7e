"""What the Quillora bundle leaves out of what PyInstaller's hooks collect.

Imported by packaging/quillora.spec (and by tests/packaging). Kept in its own module so the
rules can be tested without running PyInstaller. Each rule says why below.
"""

from __future__ import annotations

import fnmatch
from typing import Literal

Flavor = Literal["cpu", "cuda"]

# Headers, static and import libraries, stubs, build files, test code and test-only native
# libraries: nothing at run time reads them.
DROP_ALWAYS = [
    "*.h",
    "*.hpp",
    "*.cuh",
    "*.a",
    "*.lib",
    "*.cmake",
    "*.pyi",
    "*.pc",
    "*/include/*",
    "*/tests/*",
    "torch/lib/libtorchbind_test*",
    "torch/lib/libjitbackend_test*",
    "torch/lib/libbackend_with_compiler*",
    "torch/lib/libaoti_custom_ops*",
    "torch/lib/torchbind_test*",
    "torch/lib/jitbackend_test*",
    "torch/lib/backend_with_compiler*",
    "torch/lib/aoti_custom_ops*",
    "torch/test/*",
    "triton/*",
    # torch/bin: keep torch_shm_manager (torch refuses to import without it); the rest are
    # C++ test programs and protoc.
    "torch/bin/*Test",
    "torch/bin/*Test.exe",
    "torch/bin/test_*",
    "torch/bin/protoc*",
    "torch/bin/*.pt",
    "torch/bin/*.ptl",
    # Qt: QML/Quick, PDF, virtual keyboard, Designer, Lottie and Labs are not used by the GUI
    # (it is plain Qt Widgets); their plug-ins and QML files go with them.
    "PySide6/Qt/qml/*",
    "PySide6/qml/*",
    "PySide6/Qt/lib/libQt6Quick*",
    "PySide6/Qt/lib/libQt6Qml*",
    "PySide6/Qt/lib/libQt6Pdf*",
    "PySide6/Qt/lib/libQt6VirtualKeyboard*",
    "PySide6/Qt/lib/libQt6Designer*",
    "PySide6/Qt/lib/libQt6Lottie*",
    "PySide6/Qt/lib/libQt6Labs*",
    "PySide6/Qt6Quick*",
    "PySide6/Qt6Qml*",
    "PySide6/Qt6Pdf*",
    "PySide6/Qt/plugins/designer/*",
    "PySide6/Qt/plugins/qmltooling/*",
    "PySide6/Qt/plugins/qmllint/*",
    "PySide6/Qt/plugins/qmlls/*",
    "PySide6/Qt/plugins/platforminputcontexts/*virtualkeyboard*",
    "PySide6/Qt/plugins/imageformats/*pdf*",
    "PySide6/plugins/designer/*",
    "PySide6/plugins/qmltooling/*",
    "PySide6/typesystems/*",
    "PySide6/glue/*",
    "PySide6/scripts/*",
    "PySide6/support/*",
    "PySide6/doc/*",
]

# A CPU bundle carries no CUDA library at all (they would be 2-3 GB of dead weight).
DROP_CPU = [
    "nvidia/*",
    "*libcudnn*",
    "*libcublas*",
    "*libnccl*",
    "*libcusparse*",
    "*libcufft*",
    "*libcurand*",
    "*libcusolver*",
    "*libnvrtc*",
    "*libnvJitLink*",
    "*libcudart*",
    "*cupti*",
    "*cufile*",
    "*libnvshmem*",
    "*libnvToolsExt*",
]


def keep(dest: str, flavor: Flavor, cuda_version: str | None = None) -> bool:
    """Whether the file that would land at `dest` (inside the bundle) is kept."""
    name = dest.replace("\\", "/")
    patterns = DROP_ALWAYS + (DROP_CPU if flavor == "cpu" else [])
    if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
        return False
    base = name.rsplit("/", 1)[-1]
    if "/translations/" in name and name.startswith("PySide6/"):
        # The GUI is in English; Qt's own dialogs get their base translations only.
        return base.startswith("qtbase_")
    if name.startswith("bitsandbytes/") and base.startswith(("libbitsandbytes_", "bitsandbytes_")):
        # One native library per flavour: the CPU one, plus the one matching torch's CUDA
        # (bitsandbytes picks the library from torch.version.cuda); no ROCm, no XPU.
        if "_cpu." in base:
            return True
        if flavor == "cuda" and cuda_version:
            return f"_cuda{cuda_version.replace('.', '')}." in base
        return False
    return True


def filtered(toc: list[tuple[str, str, str]], flavor: Flavor, cuda_version: str | None) -> list:
    """A PyInstaller TOC (dest, source, kind) without the entries `keep` rejects."""
    return [entry for entry in toc if keep(entry[0], flavor, cuda_version)]
