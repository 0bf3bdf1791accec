#!/usr/bin/env bash
# The measurements of issue #10 for a model directory, as reported in the README's "Quality":
# a sweep of constant guidance 1/2/4 and the model's own guidance (its default scale with its
# late scale, sgdiff.json defaults) on 200 synthetic test graphs, the model's own guidance on 1000
# with the autoencoder's reconstructions beside it, the real-vs-real floor and sampling speed.
# For a model with layout input, also the model's own guidance with the test graphs' boxes given.
# Generated images are kept under OUT_DIR, so a re-run resumes; the 1000-graph run reuses the first
# 200 images of the model's own guidance (image i comes from seed i).
# Usage, from the repo root after `npm run build` (and data synth, see models/default/TRAINING.md):
#   bash apps/cli/scripts/eval-default.sh [MODEL_DIR=models/default] [OUT_DIR=reports/default]
set -euo pipefail
model=${1:-models/default} out=${2:-reports/default}
cli="node apps/cli/dist/main.js"
data=data/synthetic-64
[ -f "$data/manifest.json" ] || { echo "eval-default: $data is missing (sgdiff data synth --out $data --count 20000 --size 64 --seed 1)" >&2; exit 1; }
common=(--model "$model" --data "$data" --split test --sampler dpmpp-2m --steps 20 --backend wasm)
$cli eval "${common[@]}" --n 200 --guidance 1,2,4 --out "$out"
$cli eval "${common[@]}" --n 200 --out "$out-own"   # no --guidance: the model's own
# A model with layout input is scored on the graph alone (boxes drawn from its prior); with the
# test graphs' own boxes as well, the layout-to-image upper bound.
if node -e "process.exit(require('./$model/sgdiff.json').parts.unet.config.layout ? 0 : 1)"; then
  $cli eval "${common[@]}" --n 200 --given-boxes --out "$out-boxes"
fi
mkdir -p "$out-1000/samples"
for dir in "$out-own"/samples/*; do
  [ -e "$out-1000/samples/$(basename "$dir")" ] || cp -r "$dir" "$out-1000/samples/"
done
$cli eval "${common[@]}" --n 1000 --reconstruct --out "$out-1000"
$cli eval --real-vs-real --data "$data" --split test --against val --n 1000 --out "$out-floor" --backend wasm
node apps/cli/scripts/bench-sampling.mjs "$model" --backend wasm
