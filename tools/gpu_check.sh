#!/usr/bin/env bash
# GPU check: on a machine with an NVIDIA GPU, run the test suite on `cuda` and the GPU
# benchmarks (ember vs PyTorch, same GPU, one run), then print one summary.
#
#   bash tools/gpu_check.sh            # about 5-8 minutes
#
# Needs CuPy (pip install "ember[cuda]", or CuPy already installed) and, for the ratios,
# PyTorch with CUDA. Installs nothing from the network when they are already present.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python - <<'PY' || { echo "gpu_check: no usable GPU through CuPy; nothing to check"; exit 2; }
import cupy
n = cupy.cuda.runtime.getDeviceCount()
p = cupy.cuda.runtime.getDeviceProperties(0)
print(f"GPU: {p['name'].decode()} x{n}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}")
PY
python -c "import ember; assert ember.cuda.is_available(), 'ember does not see the GPU'" || exit 2
mkdir -p runs
echo "== tests on cuda (tests whose device parameter is cuda)"
start=$(date +%s)
timeout 330 python -m pytest -q -x -p no:cacheprovider -k "cuda" tests \
    > runs/gpu_tests.log 2>&1
trc=$?
tail -3 runs/gpu_tests.log
echo "== GPU benchmarks (ember vs PyTorch on the same GPU)"
timeout 200 python bench/run.py --device cuda --chunks 3 --steps 10 > runs/gpu_bench.log 2>&1
brc=$?
cat runs/gpu_bench.log
echo "== summary"
echo "tests: rc=$trc ($(tail -1 runs/gpu_tests.log))"
echo "bench: rc=$brc (targets: each ratio <= 1.5)"
echo "time: $(( $(date +%s) - start ))s; logs in runs/gpu_tests.log, runs/gpu_bench.log"
