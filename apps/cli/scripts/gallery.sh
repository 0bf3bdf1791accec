#!/usr/bin/env bash
# Regenerates the README gallery (docs/gallery/) from a model directory: four seeds per example
# graph in examples/, and one manipulation (an edge edited, same seed) shown before and after.
# Usage, from the repo root after `npm run build`:
#   bash apps/cli/scripts/gallery.sh [MODEL_DIR=models/default] [OUT_DIR=docs/gallery]
set -euo pipefail
model=${1:-models/default} out=${2:-docs/gallery}
cli="node apps/cli/dist/main.js"
[ -f "$model/sgdiff.json" ] || { echo "gallery: no model at $model (sgdiff export writes one)" >&2; exit 1; }
mkdir -p "$out"
for graph in examples/*; do
  name=$(basename "${graph%.*}")
  $cli sample --model "$model" --graph "$graph" --out "$out/$name.png" --n 4 --seed 1 --backend wasm
  rm -f "$out/$name"-[0-9].png "$out/$name"-[0-9].layout.json
done
# The manipulation: the beach ball (a red circle) becomes a blue circle, same seed; the command
# prints how much of the image outside the touched boxes stayed the same.
$cli edit --model "$model" --graph examples/beach.json --relabel "ball=blue circle" \
  --seed 3 --out "$out/edit" --backend wasm
# A stuff edit: the beach's sand becomes grass (it reaches the model through the global token, the
# path this model uses most).
$cli edit --model "$model" --graph examples/beach.json --relabel "beach=grass" \
  --seed 3 --out "$out/edit-stuff" --backend wasm
# The layouts are JSON the repo formats with prettier.
npx prettier --write "$out" > /dev/null
