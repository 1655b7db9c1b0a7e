#!/usr/bin/env bash
# One device call: the training benchmark for both shapes, JSON under $OUT (docs/performance.md).
# Carry .whl (bitsandbytes, optionally liger-kernel and its deps) with the call:
#   run(command="bash bench/gpu_check.sh", carry=[".whl"], timeout_s=540)
set -u
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:${PYTHONPATH:-} || exit 1
fi
export PYTHONPATH=$PWD:${PYTHONPATH:-}
OUT=${OUT:-bench/results}
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
for pair in 1b:150 8b:330; do
  shape=${pair%%:*}
  timeout "${pair##*:}" python3 bench/train_bench.py --shape "$shape" --modes packed \
    --variants baseline,engine,engine-lowmem --out "$OUT/train-$shape.json" \
    > "$OUT/train-$shape.log" 2>&1 || echo "shape $shape failed: $?" >> "$OUT/errors.txt"
done
tail -n 3 "$OUT"/*.log
