#!/usr/bin/env bash
# Every GPU check in one command, for a session lent a device (one lease, about 6 minutes):
#   bash benchmarks/cuda_all.sh            # logs in $OUT (or /tmp/sloi-cuda)
# Each step has its own time limit and the next one runs whatever happened.
set -u
export PYTHONPATH=. PYTHONUNBUFFERED=1
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
    grep -v "^\s*$" "$out/$name.txt" | grep -iv "warn" | tail -n 40
}
$py -c "import torch; print(torch.__version__, torch.cuda.get_device_name(), torch.backends.cudnn.version())"
step cuda_train_check 120 $py benchmarks/cuda_train_check.py
step train_packed 100 $py benchmarks/train.py --device cuda --no-keras --epochs 4
step train_converted 100 $py benchmarks/train.py --device cuda --no-keras --epochs 4 --convert-rnn-weights
step cuda_check 120 $py benchmarks/cuda_check.py
step mixed_precision 100 $py benchmarks/mixed_precision_check.py
