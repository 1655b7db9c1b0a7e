"""What this computer can do: torch, CUDA, each GPU, bitsandbytes, free disk."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from engine.contract.paths import data_dir


def package_version(package: str) -> str | None:
    """The installed version of `package`, or None when it is not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def gpu_report() -> list[dict[str, Any]]:
    """Each CUDA device with its name, memory (GiB) and bf16 support."""
    import torch

    gpus: list[dict[str, Any]] = []
    if not torch.cuda.is_available():
        return gpus
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        free, total = torch.cuda.mem_get_info(index)
        gpus.append(
            {
                "index": index,
                "name": props.name,
                "total_gib": round(total / 2**30, 2),
                "free_gib": round(free / 2**30, 2),
                "compute_capability": f"{props.major}.{props.minor}",
                "bf16": bool(props.major >= 8),
            }
        )
    return gpus


def bitsandbytes_report() -> dict[str, Any]:
    """Whether bitsandbytes imports and can quantize NF4 here."""
    version = package_version("bitsandbytes")
    if version is None:
        return {"installed": False, "ok": False, "message": "bitsandbytes is not installed."}
    try:
        import bitsandbytes.functional as bnbf
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        sample = torch.randn(64, 64, dtype=torch.bfloat16, device=device)
        packed, state = bnbf.quantize_4bit(sample, quant_type="nf4")
        restored = bnbf.dequantize_4bit(packed, state)
        error = float((restored.float() - sample.float()).abs().mean())
    except Exception as exc:  # reported, not raised: doctor must always answer
        return {"installed": True, "version": version, "ok": False, "message": str(exc)[:300]}
    return {"installed": True, "version": version, "ok": True, "device": device, "nf4_error": error}


def disk_report(folder: Path) -> dict[str, Any]:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    return {
        "path": str(folder),
        "free_gib": round(usage.free / 2**30, 2),
        "total_gib": round(usage.total / 2**30, 2),
    }


def system_memory_gib() -> float:
    """This computer's memory (RAM), in GiB: what a run on the processor can use."""
    import psutil

    return round(psutil.virtual_memory().total / 1024**3, 1)


def doctor_report(folder: Path | None = None) -> dict[str, Any]:
    """The whole report `python -m engine doctor` prints."""
    import torch

    gpus = gpu_report()
    return {
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "memory_gib": system_memory_gib(),
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "cuda_version": torch.version.cuda,
        "gpus": gpus,
        "bitsandbytes": bitsandbytes_report(),
        "versions": {
            name: package_version(name)
            for name in ("transformers", "peft", "datasets", "accelerate", "safetensors")
        },
        "data_dir": disk_report(folder or data_dir()),
        "frozen": bool(getattr(sys, "frozen", False)),
    }
