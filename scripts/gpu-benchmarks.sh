#!/usr/bin/env bash
# The GPU figures of BENCHMARKS.md in one command, for a machine with CUDA and a PyTorch wheel (see
# ../shared/gpu/bundle.sh: run it as `bash .gpu/enter.sh scripts/gpu-benchmarks.sh`). Builds the addon
# against the wheel's LibTorch, runs the CUDA tests, then the GPU benchmarks; every output goes to
# ${OUT:-gpu-results}/ as well as the terminal.
set -uo pipefail
out="${OUT:-gpu-results}"
mkdir -p "$out"
n=0
step() { n=$((n + 1)); echo "== step $n: $*" | tee -a "$out/steps.log"; "$@" 2>&1 | tee "$out/step$n.log"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
step npm run build:native
step npx jest test/session.test.ts test/latency.test.ts -t 'CUDA|cuda'
step npm run bench:search-step -- --device cuda
step npm run bench:memory -- --device cuda
step npm run bench:latency -- --device cuda --batches 1,8,64 --archs 100 --fit 30 --python python3
# DARTS and EnTranNAS long enough for the alphas to separate (issue 37): 313 architecture steps an
# epoch; each epoch is committed, so what the time limit leaves is kept and resumes on the next call.
step timeout 420 npm run bench:darts -- --device cuda --arms darts-o1,entrannas-sparse --seeds 0 \
  --epochs 40 --limit-train 20000 --out "$out/bench-darts-long"
