#!/usr/bin/env bash
# One device call for issue 18: every GPU figure docs/performance.md asks for, in order
# of value, each step under its own timeout and the whole under a wall-clock budget
# (GPU_CHECK_BUDGET seconds, default 435: the call's 7.5 minutes less a margin). A step
# that fails or times out is logged and the next one runs; a step that no longer fits the
# budget is skipped and logged.
#
#   run(command="bash bench/gpu_check.sh", carry=[".whl"], timeout_s=470)
#
# .whl/ holds the wheels the device image lacks (bitsandbytes, liger-kernel, platformdirs),
# and .whl/pytest/ a pytest set used only when the image's pytest does not import.
# GPU_CHECK_STEPS (default "all") picks steps by name, e.g. "train-8b chat-8b".
#
# What comes back under $OUT (7 files at most, no sub-folders):
#   gpu-check.log       every step's output, with a header, exit code and seconds each
#   train-1b.json       bench/train_bench.py, 1B shape: baseline, engine, engine-lowmem
#   train-8b.json       the same for the 8B shape (2 warm-up + 8 measured steps)
#   chat-8b.json        bench/chat_bench.py, 8B shape (64 new tokens)
#   estimator-1b.json   bench/estimator_check.py: pre-Start time and memory vs a real run
#   chat-1b.json        bench/chat_bench.py, 1B shape (last: it has no target of its own)
#   summary.json        GPU name, versions, step exit codes, every figure against its target
set -u
START=$(date +%s)
BUDGET=${GPU_CHECK_BUDGET:-435}
RESERVE=12  # seconds kept for the summary at the end
STEPS=${GPU_CHECK_STEPS:-all}
OUT=${OUT:-bench/results/tmp}
ENV_DIR=/tmp/quillora-gpu-check
mkdir -p "$OUT" "$ENV_DIR"
LOG="$OUT/gpu-check.log"
: > "$ENV_DIR/steps.txt"
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 HF_HUB_OFFLINE=1
export TRANSFORMERS_NO_ADVISORY_WARNINGS=1 TOKENIZERS_PARALLELISM=false

note() { echo "$*" | tee -a "$ENV_DIR/steps.txt" >> "$LOG"; }

# step NAME CAP MIN COMMAND...: run COMMAND under min(CAP, time left) seconds, when at
# least MIN seconds are left; log its exit code (124: timed out) and its duration.
step() {
  local name=$1 cap=$2 min=$3
  shift 3
  if [ "$STEPS" != all ] && [[ " $STEPS " != *" $name "* ]]; then return 0; fi
  local left=$((BUDGET - ($(date +%s) - START) - RESERVE))
  if [ "$left" -lt "$min" ]; then
    note "$name: skipped, ${left}s left of the budget and it needs ${min}s"
    return 0
  fi
  local limit=$((cap < left ? cap : left)) began=$(date +%s)
  echo "===== $name (limit ${limit}s) at $(date -u +%H:%M:%S)" >> "$LOG"
  timeout -k 5 "$limit" "$@" >> "$LOG" 2>&1
  local rc=$?
  note "$name: exit $rc in $(($(date +%s) - began))s (limit ${limit}s)"
}

# The wheels the image lacks, into a private folder that goes first on the path.
if ls .whl/*.whl > /dev/null 2>&1; then
  if python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl >> "$LOG" 2>&1; then
    export PYTHONPATH=/tmp/site
  else
    note "wheels: pip install failed (see the log)"
  fi
fi
if ! python3 -c "import pytest" > /dev/null 2>&1 && ls .whl/pytest/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --target /tmp/site-pytest .whl/pytest/*.whl >> "$LOG" 2>&1
  PYTEST_PATH=/tmp/site-pytest
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv \
  > "$ENV_DIR/gpu.txt" 2>&1
df -h /dev/shm /tmp >> "$ENV_DIR/gpu.txt" 2>&1
timeout 60 python3 - > "$ENV_DIR/versions.json" 2>> "$LOG" << 'EOF'
import importlib.metadata as md, json, platform, torch
names = ("torch", "transformers", "peft", "accelerate", "bitsandbytes", "liger-kernel",
         "triton", "platformdirs", "pytest")
versions = {}
for name in names:
    try:
        versions[name] = md.version(name)
    except md.PackageNotFoundError:
        versions[name] = None
versions["python"] = platform.python_version()
versions["cuda"] = torch.version.cuda
versions["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
try:
    import bitsandbytes, liger_kernel.transformers  # noqa: F401  (both must import)
    versions["imports"] = "ok"
except Exception as exc:
    versions["imports"] = repr(exc)[:300]
print(json.dumps(versions))
EOF
note "setup: $(cat "$ENV_DIR/versions.json" 2> /dev/null | head -c 600)"

# 1-2. Training: baseline and engine, same process, same token stream; a profile of any
# engine variant that misses its speed target.
step train-1b 110 45 python3 bench/train_bench.py --shape 1b --modes packed \
  --variants baseline,engine,engine-lowmem --profile-below 3.0,2.4 --out "$OUT/train-1b.json"
step train-8b 200 80 python3 bench/train_bench.py --shape 8b --modes packed --warmup 2 \
  --steps 8 --variants baseline,engine,engine-lowmem --profile-below 3.0,2.4 \
  --out "$OUT/train-8b.json"
# 3. Chat: the 8B shape carries the target (100 tokens/s, first token under 1 s).
step chat-8b 170 60 python3 bench/chat_bench.py --shape 8b --new-tokens 64 \
  --out "$OUT/chat-8b.json"
# 4. The pre-Start estimates against a real run of the engine command, 1B shape.
step estimator-1b 110 50 python3 bench/estimator_check.py --shape 1b --memory-settings \
  --timeout 85 --out "$OUT/estimator-1b.json"
# 5. The GPU tests (the demo model's real loop on CUDA; the 1B bench's memory prediction).
step pytest 100 25 env ${PYTEST_PATH:+PYTHONPATH=$PYTEST_PATH:$PYTHONPATH} python3 -m pytest \
  -p no:cacheprovider -q -rA --timeout 90 tests/engine/test_train_gpu.py \
  tests/perf/test_gpu_bench.py
# 6. Chat on the 1B shape: comparison figures only (no target of its own), so last.
step chat-1b 70 30 python3 bench/chat_bench.py --shape 1b --new-tokens 64 \
  --out "$OUT/chat-1b.json"

note "total: $(($(date +%s) - START))s of ${BUDGET}s"
timeout 10 python3 bench/gpu_summary.py "$OUT" --env "$ENV_DIR" 2>&1 | tee -a "$LOG"
