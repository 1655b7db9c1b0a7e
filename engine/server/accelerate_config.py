"""accelerate config files the server folder carries (`accelerate launch --config_file ...`).

- `data_parallel`: every GPU holds the 4-bit model and trains on its share of each step's
  rows (engine.train.ranks); the one Quillora runs and tests (2 CPU processes in CI).
- `fsdp_qlora`: the settings peft documents for QLoRA under FSDP, for bases that do not fit
  one GPU (14B-70B): the 4-bit weights stored in the compute dtype so FSDP can shard them
  (`bnb_4bit_quant_storage`), CPU-RAM-efficient loading, `use_orig_params: false`. Launched
  with it, the engine trains with engine.train.sharded; tested on the CPU only, so the launch
  script does not use it (docs/server.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def data_parallel(processes: int, gpus: bool) -> dict[str, Any]:
    """One machine, `processes` processes (one a GPU), plain data parallel."""
    return {
        "compute_environment": "LOCAL_MACHINE",
        "distributed_type": "MULTI_GPU" if gpus else "MULTI_CPU",
        "num_machines": 1,
        "machine_rank": 0,
        "num_processes": processes,
        "mixed_precision": "no",  # the engine picks bf16 / fp16 itself (engine.modeling)
        "dynamo_backend": "no",
        "use_cpu": not gpus,
        "rdzv_backend": "static",
        "same_network": True,
    }


# accelerate refuses unknown keys, so what the model loader must match goes in a comment.
FSDP_NOTE = """\
# FSDP for a 4-bit base (QLoRA), as peft's "QLoRA and FSDP" guide sets it up.
# The model must be loaded with BitsAndBytesConfig(bnb_4bit_quant_storage=<compute dtype>)
# and dtype=<compute dtype> ({dtype} here): FSDP shards only float tensors, so the packed
# 4-bit weights are stored in the compute dtype; Quillora's engine does so under this config.
# Not used by launch.sh: see README.md.
"""


def fsdp_qlora(processes: int) -> dict[str, Any]:
    """FSDP for a 4-bit base, as peft's "QLoRA and FSDP" guide sets it up."""
    return {
        "compute_environment": "LOCAL_MACHINE",
        "distributed_type": "FSDP",
        "num_machines": 1,
        "machine_rank": 0,
        "num_processes": processes,
        "mixed_precision": "no",
        "dynamo_backend": "no",
        "downcast_bf16": "no",
        "use_cpu": False,
        "rdzv_backend": "static",
        "same_network": True,
        "fsdp_config": {
            "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_backward_prefetch": "BACKWARD_PRE",
            # Each process loads the weights onto the meta device; process 0 alone reads
            # them into CPU memory and they are broadcast (fsdp_sync_module_states).
            "fsdp_cpu_ram_efficient_loading": True,
            "fsdp_sync_module_states": True,
            "fsdp_forward_prefetch": False,
            "fsdp_offload_params": True,
            "fsdp_sharding_strategy": "FULL_SHARD",
            "fsdp_state_dict_type": "SHARDED_STATE_DICT",
            # peft: False, with trainable and frozen parameters wrapped apart
            # (peft.utils.other.fsdp_auto_wrap_policy), to get the memory savings.
            "fsdp_use_orig_params": False,
        },
    }


def write_config(path: Path, config: dict[str, Any], note: str = "") -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(note + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
