#!/usr/bin/env bash
# Trains models/default/ from scratch on the synthetic data, with the settings it was trained with
# (models/default/TRAINING.md has the measured times and the numbers). Every stage resumes: run
# the script again after an interruption and finished stages are skipped, unfinished ones resume.
# Usage, from the repo root after `npm run build`:
#   bash apps/cli/scripts/train-default.sh [RUNS_DIR=runs] [BACKEND=wasm]
# BACKEND=auto uses WebGPU where a GPU is present.
set -euo pipefail
runs=${1:-runs} backend=${2:-wasm}
data=data/synthetic-64
cli="node apps/cli/dist/main.js"

stage() { # name, run folder, command...
  local name=$1 run=$2; shift 2
  if [ -f "$run/done-$name" ]; then echo "$name: done ($run)"; return; fi
  local resume=(); [ -f "$run/config.json" ] && resume=(--resume)
  echo "$name → $run"
  "$@" --out "$run" --backend "$backend" "${resume[@]}"
  touch "$run/done-$name"
}

[ -f "$data/manifest.json" ] || $cli data synth --out "$data" --count 20000 --size 64 --seed 1

# The encoder's graph conv is residual (the synthetic preset; see packages/encoder/README.md).
stage encoder "$runs/encoder" $cli pretrain --data "$data" --variant both+hard \
  --steps 700 --batch 32 --checkpoint-every 100 --val-every 350
stage autoencoder "$runs/ae" $cli train-autoencoder --data "$data" --preset f4-cpu \
  --batch 8 --steps 1291
# One cosine over 3 800 steps. The committed UNet was started with --steps 2000, resumed at step
# 1 039 with the cosine re-fitted to 3 800, and stopped by --time-limit 60 (TRAINING.md).
stage diffusion "$runs/ldm" $cli train --data "$data" --encoder "$runs/encoder" \
  --autoencoder "$runs/ae" --global-embedding --min-snr 5 --batch 12 --steps 3800 --lr 8e-4 \
  --checkpoint-every 100 --val-every 500
# Nine fine-tunes from the exported UNet (`train --init`; a fresh optimiser each). The first and
# fourth ran on an H200 through apps/cli/scripts/gpu-run.sh (WebGPU, ~10 min there each; hours on
# 2 CPU cores), the others on the CPU (57, 74, 55, 90, 95, 99 and 86 min). TRAINING.md has them as
# run.
# Every fine-tune: the frozen parts above, the exported UNet it starts from, min-SNR-5.
finetune() { # name, run folder, the model directory it starts from, its own flags...
  local name=$1 run=$2 from=$3; shift 3
  stage "$name" "$run" $cli train --data "$data" --encoder "$runs/encoder" \
    --autoencoder "$runs/ae" --init "$from" --min-snr 5 "$@"
}
$cli export --run "$runs/ldm" --out "$runs/ldm-model"
finetune finetune "$runs/ldm-ft" "$runs/ldm-model" --batch 64 --steps 650 --lr 4e-4 \
  --checkpoint-every 100 --val-every 500
$cli export --run "$runs/ldm-ft" --out "$runs/ldm-ft-model"
finetune finetune2 "$runs/ldm-ft2" "$runs/ldm-ft-model" --batch 24 --steps 1200 --lr 2e-4 \
  --checkpoint-every 100 --val-every 400
$cli export --run "$runs/ldm-ft2" --out "$runs/ldm-ft2-model"
finetune finetune3 "$runs/ldm-ft3" "$runs/ldm-ft2-model" --batch 24 --steps 750 --lr 2e-4 \
  --checkpoint-every 100 --val-every 250
$cli export --run "$runs/ldm-ft3" --out "$runs/ldm-ft3-model"
# The fourth adds label tokens (a zero-initialised projection of the encoder's input embeddings).
finetune finetune4 "$runs/ldm-ft4" "$runs/ldm-ft3-model" --label-tokens --batch 64 --steps 726 \
  --lr 4e-4 --checkpoint-every 100 --val-every 250
$cli export --run "$runs/ldm-ft4" --out "$runs/ldm-ft4-model"
finetune finetune5 "$runs/ldm-ft5" "$runs/ldm-ft4-model" --batch 24 --steps 600 --lr 2e-4 \
  --checkpoint-every 50 --val-every 300
$cli export --run "$runs/ldm-ft5" --out "$runs/ldm-ft5-model"
# The sixth gives the label projection 10× the learning rate.
finetune finetune6 "$runs/ldm-ft6" "$runs/ldm-ft5-model" --label-lr-scale 10 --batch 24 \
  --steps 1000 --lr 2e-4 --checkpoint-every 50 --val-every 500
$cli export --run "$runs/ldm-ft6" --out "$runs/ldm-ft6-model"
# The seventh: the same settings, 1 000 more steps.
finetune finetune7 "$runs/ldm-ft7" "$runs/ldm-ft6-model" --label-lr-scale 10 --batch 24 \
  --steps 1000 --lr 2e-4 --checkpoint-every 50 --val-every 500
$cli export --run "$runs/ldm-ft7" --out "$runs/ldm-ft7-model"
# The eighth adds layout input (the boxes painted into a map the UNet reads; sampling draws boxes
# that satisfy the graph's relations), its conv and embeddings at 10× the learning rate. The committed
# run started from fine-tune 7's float16 export (models/default then); this starts from float32.
finetune finetune8 "$runs/ldm-ft8" "$runs/ldm-ft7-model" --layout --layout-lr-scale 10 \
  --label-lr-scale 10 --batch 24 --steps 1000 --lr 2e-4 --checkpoint-every 50 --val-every 250
$cli export --run "$runs/ldm-ft8" --out "$runs/ldm-ft8-model"
# The ninth continues the eighth with its settings for 900 steps.
finetune finetune9 "$runs/ldm-ft9" "$runs/ldm-ft8-model" --layout --layout-lr-scale 10 \
  --label-lr-scale 10 --batch 24 --steps 900 --lr 2e-4 --checkpoint-every 50 --val-every 300
# float16 weights: half the size; sampling differs by 0.05/255 per pixel (TRAINING.md). Export
# keeps TRAINING.md and any other file beside the model. Guidance 2, and 6 below t = 500. The
# layout prior is the current built-in one (the run's config holds the one of its start).
$cli export --run "$runs/ldm-ft9" --out models/default --steps 20 --sampler dpmpp-2m \
  --guidance 2 --late-guidance 6@500 --fp16 --layout-prior synthetic
