#!/usr/bin/env bash
# One process against two (accelerate launch, data parallel) on the demo model, same settings:
# optimizer steps, tokens seen and the final held-out loss side by side (docs/server.md).
# Usage: bench/processes_compare.sh [OUT_DIR]   (CPU: about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
python="${PYTHON:-python}"
accelerate="${ACCELERATE:-$(dirname "$(command -v "$python")")/accelerate}"
mkdir -p "$out"
"$python" - "$out/settings.json" <<'PY'
import sys
from pathlib import Path
from engine.contract.config import LoraSettings, ModelSettings, RunConfig, TrainingSettings
from engine.contract.json_file import write_json_atomic
training = TrainingSettings(
    max_steps=24, learning_rate=5e-3, warmup_fraction=0.1, sequence_length=256,
    micro_batch_size=2, gradient_accumulation=2, gradient_checkpointing=False,
    eval_every=6, checkpoint_every=6, early_stopping_patience=0, seed=7,
)
config = RunConfig(model=ModelSettings(name="demo"), lora=LoraSettings(rank=8, alpha=16),
                   training=training)
write_json_atomic(Path(sys.argv[1]), config.to_dict())
PY
args=(train --model demo --data assets/samples/brand_voice.csv --config "$out/settings.json" --no-evaluate)
export QUILLORA_CPU_THREADS="${QUILLORA_CPU_THREADS:-1}"
"$python" -m engine "${args[@]}" --output "$out/one" </dev/null >"$out/one.jsonl" 2>"$out/one.err"
"$accelerate" launch --multi_gpu --num_processes 2 -m engine "${args[@]}" --output "$out/two" \
  </dev/null >"$out/two.jsonl" 2>"$out/two.err"
"$python" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
for name in ("one", "two"):
    events = [json.loads(line) for line in (out / f"{name}.jsonl").read_text().splitlines()]
    done = [e for e in events if e["type"] == "finished"][-1]
    heldout = [e for e in events if e["type"] == "evaluation"][-1]["heldout_loss"]
    print(json.dumps({"run": name, "processes": done["processes"], "steps": done["steps"],
                      "tokens_seen": done["tokens_seen"], "final_heldout_loss": heldout,
                      "final_train_loss": done["final_loss"], "seconds": done["seconds"]}))
PY
