#!/usr/bin/env bash
# The CUDA check, run once on a machine with an NVIDIA GPU, CuPy and PyTorch (the lent GPU
# machine: see docs/cuda.md for the record of each run). From the repository root:
#     bash tools/gpu_check.sh            # logs and a summary under $OUT (default /tmp/ember_gpu)
# 1. the environment report; 2. the CUDA tests proper (S01, S08, S09, S19, the allocator on the
# device); 3. the GPU benchmark (bench/bench_gpu.py); 4. the conformance suite on the cuda axis
# (every op/module/optimizer test body on CUDA, against PyTorch on CUDA and ember on the CPU),
# spread over the CPU cores with pytest-xdist. Each step has its own time limit.
# SKIP_DEMO=1 / SKIP_BENCH=1 leave out steps 2b and 3 (a re-run after fixes); SUITE_S sets the
# suite's limit and SUITE_ARGS what it runs (default: tests).
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" CUPY_CACHE_DIR=/tmp/cupy_kernels
OUT=${OUT:-/tmp/ember_gpu}
mkdir -p "$OUT"
SUITE_S=${SUITE_S:-300}
NPROC=$(nproc)

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import sys, numpy, cupy, torch; print('python', sys.version.split()[0], '| numpy', numpy.__version__, '| cupy', cupy.__version__, '| torch', torch.__version__)"
  timeout 60 python3 -m ember 2>&1 | head -40
} 2>&1 | tee "$OUT/env.txt"

echo "== CUDA tests"
timeout 150 python3 -m pytest -p no:cacheprovider -rfEs tests/test_cuda.py tests/test_cuda_allocator.py \
  "tests/test_seed_autograd.py::test_seed_S19_gpu_case" $(ls tests/test_cuda_*.py 2>/dev/null | grep -v allocator) \
  2>&1 | tee "$OUT/cuda_tests.txt" | tail -25

if [ -z "${SKIP_DEMO:-}" ]; then
  echo "== the demo and the quickstart on cuda"
  timeout 90 python3 -m ember demo --device cuda --plot "$OUT/demo_loss.png" 2>&1 | tail -4 | tee "$OUT/demo.txt"
  timeout 120 python3 -m pytest -p no:cacheprovider tests/test_run_script.py 2>&1 | tail -3 | tee -a "$OUT/demo.txt"
fi

if [ -z "${SKIP_BENCH:-}" ]; then
  echo "== GPU benchmark"
  timeout 100 python3 bench/bench_gpu.py 2>&1 | tee "$OUT/bench_gpu.txt" | tail -8
fi

echo "== conformance suite on the cuda axis (limit ${SUITE_S}s, $NPROC workers)"
# SIGINT at the limit: pytest stops, reports what ran and still writes the junit file.
timeout -s INT -k 30 "$SUITE_S" python3 -m pytest -p no:cacheprovider -n "$NPROC" -k cuda --timeout 120 \
  --durations=25 --junitxml="$OUT/suite.xml" ${SUITE_ARGS:-tests} > "$OUT/suite.txt" 2>&1
echo "suite exit: $?"
python3 - "$OUT" <<'PY'
import collections, os, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
path = os.path.join(out, 'suite.xml')
if not os.path.exists(path):
    print('no junit file (the suite ran out of time before writing it); tail of suite.txt:')
    print(open(os.path.join(out, 'suite.txt')).read()[-3000:])
    sys.exit()
counts, fails, reasons = collections.Counter(), [], collections.Counter()
for case in ET.parse(path).iter('testcase'):
    name = case.get('classname', '') + '::' + case.get('name', '')
    kids = {c.tag: c for c in case}
    if 'failure' in kids or 'error' in kids:
        k = kids.get('failure', kids.get('error'))
        counts['failed'] += 1
        msg = (k.get('message') or '').splitlines()[0][:160] if k.get('message') else ''
        fails.append(f'{name} | {msg}')
        reasons[msg[:90]] += 1
    elif 'skipped' in kids:
        counts['skipped'] += 1
    else:
        counts['passed'] += 1
with open(os.path.join(out, 'failures.txt'), 'w') as f:
    f.write('\n'.join(fails))
print('suite:', dict(counts))
print('most common failure messages:')
for m, n in reasons.most_common(25):
    print(f'{n:5d}  {m}')
PY
