#!/usr/bin/env bash
# The measurements of issue #10 for a model directory, as reported in the README's "Quality":
# a guidance sweep on 200 synthetic test graphs, the chosen guidance on 1000 with the
# autoencoder's reconstructions beside it, the real-vs-real floor and sampling speed. Generated
# images are kept under OUT_DIR, so a re-run resumes; the 1000-graph run reuses the sweep's first
# 200 images at its guidance (image i comes from seed i).
# Usage, from the repo root after `npm run build` (and data synth, see models/default/TRAINING.md):
#   bash apps/cli/scripts/eval-default.sh [MODEL_DIR=models/default] [OUT_DIR=reports/default] [GUIDANCE=2]
set -euo pipefail
model=${1:-models/default} out=${2:-reports/default} guidance=${3:-2}
cli="node apps/cli/dist/main.js"
data=data/synthetic-64
[ -f "$data/manifest.json" ] || { echo "eval-default: $data is missing (sgdiff data synth --out $data --count 20000 --size 64 --seed 1)" >&2; exit 1; }
common=(--model "$model" --data "$data" --split test --sampler dpmpp-2m --steps 20 --backend wasm)
$cli eval "${common[@]}" --n 200 --guidance 1,2,4 --out "$out"
mkdir -p "$out-1000/samples"
[ -e "$out-1000/samples/guidance-$guidance" ] || cp -r "$out/samples/guidance-$guidance" "$out-1000/samples/"
$cli eval "${common[@]}" --n 1000 --guidance "$guidance" --reconstruct --out "$out-1000"
$cli eval --real-vs-real --data "$data" --split test --against val --n 1000 --out "$out-floor" --backend wasm
node apps/cli/scripts/bench-sampling.mjs "$model" --backend wasm
