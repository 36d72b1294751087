#!/usr/bin/env bash
# Packs bench:train for a lent machine that has no Node and no network (the device tool's 16-core
# box): esbuild bundles bench/train.ts and the training worker, beside them the wasm binaries,
# the built oneDNN addon, Debian's libdnnl and the node binary (xz-compressed: the carry limit is
# 64 MiB). Then, from the repository root:
#   bash bench/device/pack.sh                      # writes .devbench/ (git-ignored via .git/info/exclude)
#   device run: bash .devbench/run.sh [SECONDS]    # carry .devbench; prints and keeps $OUT/sweep.txt
# Extra arguments to run.sh after SECONDS go to bench:train (default: the issue 20 sweep).
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '.devbench/' .git/info/exclude 2>/dev/null || echo '.devbench/' >> .git/info/exclude
rm -rf .devbench && mkdir -p .devbench/lib .devbench/peer
# The bundles sit two levels down so that src/config's ../../schemas finds the schemas; the
# bench resolves pipelines/ from one level up, so a copy of them goes to .devbench/.
npx esbuild bench/train.ts src/train/parallel/worker.ts --bundle --platform=node --format=esm --target=node20 \
  --outdir=.devbench/x --entry-names='[name]' --external:pipe-onednn --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'module'; import { fileURLToPath as __fu } from 'url'; import { dirname as __dn } from 'path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" \
  --log-level=error
cp -r pipelines .devbench/
m=.devbench/node_modules
mkdir -p $m/@tensorflow/tfjs-backend-wasm/dist $m/pipe-onednn/build
cp node_modules/@tensorflow/tfjs-backend-wasm/package.json $m/@tensorflow/tfjs-backend-wasm/
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm $m/@tensorflow/tfjs-backend-wasm/dist/
for p in tfjs tfjs-core tfjs-layers tfjs-backend-cpu; do mkdir -p $m/@tensorflow/$p && cp node_modules/@tensorflow/$p/package.json $m/@tensorflow/$p/; done
cp native/onednn/package.json native/onednn/index.cjs $m/pipe-onednn/
cp native/onednn/build/pipe_onednn.node $m/pipe-onednn/build/
for l in libOpenCL.so.1 libgomp.so.1 libstdc++.so.6; do cp -L /lib/x86_64-linux-gnu/$l .devbench/lib/; done
xz -T2 -6 -c /usr/lib/x86_64-linux-gnu/libdnnl.so.2 > .devbench/libdnnl.xz
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .devbench/node.xz
[ -f ../shared/reference/torch_throughput.py ] && cp ../shared/reference/torch_throughput.py .devbench/peer/
cp bench/device/run.sh .devbench/run.sh
du -sh .devbench
