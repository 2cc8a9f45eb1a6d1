#!/usr/bin/env bash
# Every GPU check in one command, for a session lent a device (one lease, about 4 minutes):
#   bash benchmarks/cuda_all.sh [--with-tests]   # logs in $OUT (or /tmp/sloi-cuda)
# Each step has its own time limit, and the next one runs whatever happened. --with-tests also
# runs the whole test suite on the GPU machine (keras must be importable there: see
# /work/.library/device/README.md on carrying wheels).
set -u
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}. PYTHONUNBUFFERED=1
out=${OUT:-/tmp/sloi-cuda}
mkdir -p "$out"
py=${PYTHON:-python3}
step() {  # step NAME SECONDS COMMAND...
    local name=$1 limit=$2
    shift 2
    echo "=== $name"
    local start=$SECONDS
    timeout "$limit" "$@" >"$out/$name.txt" 2>&1
    echo "rc $? in $((SECONDS - start)) s"
    grep -v "^\s*$" "$out/$name.txt" | grep -iv "warn" | tail -n 30
}
$py -c "import torch; print(torch.__version__, torch.cuda.get_device_name(), torch.backends.cudnn.version())"
step cuda_train_check 120 $py benchmarks/cuda_train_check.py
step train_one_buffer 100 $py benchmarks/train.py --device cuda --no-keras --epochs 4
step train_converted_lstm 60 $py benchmarks/train.py --device cuda --no-keras --epochs 4 \
    --only LSTM --convert-rnn-weights
step train_converted_gru 60 $py benchmarks/train.py --device cuda --no-keras --epochs 4 \
    --only GRU --convert-rnn-weights
step predict_lstm 60 $py benchmarks/predict_overhead.py --device cuda --layer LSTM
step predict_gru 60 $py benchmarks/predict_overhead.py --device cuda --layer GRU
step step_overhead 60 $py benchmarks/step_overhead.py --device cuda
step step_overhead_lecture 90 $py benchmarks/step_overhead.py --device cuda --lecture --repeats 3 \
    --batches 100
step conv1d_probe 60 $py benchmarks/conv1d_probe.py --device cuda
step cuda_check 120 $py benchmarks/cuda_check.py
step mixed_precision 100 $py benchmarks/mixed_precision_check.py
if [ "${1:-}" = "--with-tests" ]; then
    step pytest 240 $py -m pytest -q -p no:warnings -p no:cacheprovider -n 12 --timeout 150 \
        --continue-on-collection-errors -rfE tests
fi
