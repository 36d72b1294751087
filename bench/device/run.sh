#!/usr/bin/env bash
# Runs on the lent machine, from the repository root, what bench/device/pack.sh packed.
set -u
cd "$(dirname "$0")/.."
unpack() { if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c "import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())" "$1" > "$2"; fi; }
mkdir -p .devbench/bin && unpack .devbench/node.xz .devbench/bin/node && chmod +x .devbench/bin/node && unpack .devbench/libdnnl.xz .devbench/lib/libdnnl.so.2
export PATH=$PWD/.devbench/bin:$PATH LD_LIBRARY_PATH=$PWD/.devbench/lib
echo "== machine"; nproc; lscpu | grep -m1 "Model name"; node --version || exit 3; free -g | head -2
/usr/bin/python3 -c "import torch; print('torch', torch.__version__)" 2>&1 | tail -1
# The bench looks for the peer at ../../shared/reference/ from its bundle.
[ -f .devbench/peer/torch_throughput.py ] && mkdir -p shared/reference && cp .devbench/peer/torch_throughput.py shared/reference/
ldd .devbench/node_modules/pipe-onednn/build/pipe_onednn.node | grep "not found"
seconds=${1:-450}; shift || true
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(--workers 1,2,4,8,16 --rounds 2 --steps 5 --warmup 2 --adam)
echo "== bench:train ${args[*]}"
timeout "$seconds" node .devbench/x/train.js "${args[@]}" 2>&1 | grep -v "^    at" | tee "${OUT:-.}/sweep.txt"
