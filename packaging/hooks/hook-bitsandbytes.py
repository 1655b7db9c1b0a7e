"""PyInstaller hook for bitsandbytes, replacing the contributed one.

The contributed hook collects every native library bitsandbytes ships (CPU, seven CUDA
versions, six ROCm, two XPU: about 120 MB) and then warns about each missing CUDA/ROCm
dependency. Quillora's bundle needs the CPU library plus, in a CUDA build, the one library
matching torch's CUDA version; quillora.spec puts the flavour in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from PyInstaller.utils.hooks import get_package_paths

flavor = os.environ.get("QUILLORA_BUNDLE_FLAVOR", "cpu")
cuda = os.environ.get("QUILLORA_BUNDLE_CUDA", "").replace(".", "")

package_dir = Path(get_package_paths("bitsandbytes")[1])
wanted = ["_cpu."]
if flavor == "cuda" and cuda:
    wanted.append(f"_cuda{cuda}.")
binaries = [
    (str(path), "bitsandbytes")
    for path in sorted(package_dir.iterdir())
    if path.name.startswith("libbitsandbytes_") and any(tag in path.name for tag in wanted)
]

# bitsandbytes can use triton's JIT, which reads source files.
module_collection_mode = "pyz+py"
