#!/usr/bin/env bash
# The SGDiff ablation of issue #25, measured downstream: one UNet recipe (synthetic-64, graph
# only: no layout input, no label tokens), one autoencoder, one data set, and one budget in steps
# and batch for every arm; only the encoder differs:
#   none         a random encoder trained with the UNet by the diffusion loss (no pre-training)
#   masked       pre-trained with the masked-autoencoding loss only
#   contrastive  pre-trained with the contrastive loss only (in-batch negatives)
#   both         both losses: SGDiff's pre-training
#   both+hard    both, plus hard negatives from perturbed graphs (this project's encoder)
# Each arm: pretrain (PRE_STEPS; not for `none`), train (UNET_STEPS at BATCH), export, then eval on
# N test graphs with the same seeds, and one table of FID-synthetic, object recall and relation
# accuracy at the end (also written to OUT/ablation.md).
# Every command resumes: run the script again to continue after Ctrl-C, a crash or TIME_LIMIT
# (minutes per training command). Arms run one after another; ARMS picks some.
# Usage, from the repo root after `npm run build` and `sgdiff data synth` (models/default/TRAINING.md):
#   bash apps/cli/scripts/ablation.sh [OUT=runs/ablation]
# Environment (defaults): PRE_STEPS=700 UNET_STEPS=3000 BATCH=12 N=500 THREADS=auto
#   ARMS="none masked contrastive both both+hard" AE=models/default DATA=data/synthetic-64 TIME_LIMIT=
set -euo pipefail
out=${1:-runs/ablation}
pre_steps=${PRE_STEPS:-700} unet_steps=${UNET_STEPS:-3000} batch=${BATCH:-12} n=${N:-500}
threads=${THREADS:-auto} arms=${ARMS:-none masked contrastive both both+hard}
ae=${AE:-models/default} data=${DATA:-data/synthetic-64}
cli="node apps/cli/dist/main.js"
[ -f "$data/manifest.json" ] || { echo "ablation: $data is missing (sgdiff data synth --out $data --count 20000 --size 64 --seed 1)" >&2; exit 1; }
backend=(--backend wasm --threads "$threads")
limit=(); [ -n "${TIME_LIMIT:-}" ] && limit=(--time-limit "$TIME_LIMIT")
mkdir -p "$out"

# A fresh run, or --resume where the folder already holds one (its saved config wins).
run() {
  local dir=$1; shift
  if [ -f "$dir/config.json" ]; then $cli "$@" --out "$dir" --resume "${backend[@]}" "${limit[@]}"
  else $cli "$@" --out "$dir" "${backend[@]}" "${limit[@]}"; fi
}

for arm in $arms; do
  case $arm in
    none | masked | contrastive | both | both+hard) ;;
    *) echo "ablation: unknown arm '$arm' (none, masked, contrastive, both, both+hard)" >&2; exit 1 ;;
  esac
done

for arm in $arms; do
  dir=$out/$arm
  unet=(train --data "$data" --autoencoder "$ae" --preset synthetic-64 --steps "$unet_steps" --batch "$batch")
  if [ "$arm" = none ]; then
    # Shaped like the pre-trained arms' encoder (the synthetic preset), fresh weights.
    run "$dir/unet" "${unet[@]}" --encoder random --train-encoder
  else
    run "$dir/encoder" pretrain --data "$data" --variant "$arm" --steps "$pre_steps" --batch 32
    run "$dir/unet" "${unet[@]}" --encoder "$dir/encoder"
  fi
  $cli export --run "$dir/unet" --out "$dir/model" --sampler dpmpp-2m --steps 20
  $cli eval --model "$dir/model" --data "$data" --split test --n "$n" --out "$dir/eval" "${backend[@]}"
done

node -e '
const fs = require("fs");
const [out, ...arms] = process.argv.slice(1);
const pct = (x) => (x == null ? "—" : (100 * x).toFixed(1) + "%");
const rows = ["| encoder | FID-synthetic | object recall | relation accuracy | images |", "| --- | --- | --- | --- | --- |"];
for (const arm of arms) {
  const f = `${out}/${arm}/eval/report.json`;
  if (!fs.existsSync(f)) { rows.push(`| ${arm} | (not run) | | | |`); continue; }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  const m = r.runs[0].metrics;
  rows.push(`| ${arm} | ${m.fidOracle?.toFixed(4) ?? "—"} | ${pct(m.objectRecall)} | ${pct(m.relationAccuracy)} | ${r.images} |`);
}
const table = rows.join("\n") + "\n";
fs.writeFileSync(`${out}/ablation.md`, table);
process.stdout.write(table);
' "$out" $arms
