#!/bin/bash
# One bundled run on a GPU machine (no node_modules, no network; docs/toolchain.md):
#   1. the nn benchmark (stock / unfused / fused tfjs-webgpu, then PyTorch on the same card);
#   2. fine-tunes models/default's denoiser on WebGPU (`train --init`) for the rest of BUDGET
#      seconds, one or more arms side by side: a one-minute run measures each one's step rate,
#      then its cosine is fitted to the time left;
#   3. exports each result (fp16) and splits it into parts small enough to come back.
# Prepare here:  npm ci && bash ../shared/device/prepare.sh && npx tsc -b apps/cli/tsconfig.lib.json \
#   && node apps/cli/scripts/bundle-device.mjs && npm run bench:fused -w @sgdiff/nn -- --bundle-only \
#   && bash apps/cli/scripts/gpu-pack.sh
# There:  source .device-carry/setup.sh && OUT=$OUT bash apps/cli/scripts/gpu-run.sh
# Knobs (env): BUDGET seconds for the whole script (480), BATCH (64), LR (4e-4), COUNT synthetic
# images (20000, seed 1: the same data as data/synthetic-64), BENCH=0 skips the benchmark,
# BENCH_ARGS, BACKEND (webgpu), ARMS (fine-tunes run side by side, see arm()), SAMPLE=0 skips
# the timed sampling.
set -uo pipefail
t0=$(date +%s)
BUDGET=${BUDGET:-480} BATCH=${BATCH:-64} LR=${LR:-4e-4} COUNT=${COUNT:-20000}
BACKEND=${BACKEND:-webgpu} OUT=${OUT:-out/gpu-run}
BENCH_ARGS=${BENCH_ARGS:---batches 1,32 --iters 10 --kernels 12}
RUN=${RUN:-/tmp/gpu-run} DATA=${DATA:-/tmp/synthetic-64}
left() { echo $((BUDGET - ($(date +%s) - t0))); }
log() { echo "[gpu-run +$(($(date +%s) - t0))s] $*" | tee -a "$OUT/steps.log"; }
mkdir -p "$OUT"
[ -d .device-bundle ] && for f in .device-bundle/*.xz; do
  n=$(basename "${f%.xz}")
  case $n in
  nn--*) d=packages/nn/out ;;
  *) d=apps/cli/out ;;
  esac
  mkdir -p $d && xz -dc "$f" >"$d/${n#*--}"
done
CLI="node apps/cli/out/sgdiff.mjs"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$OUT/steps.log" 2>&1

if [ "${BENCH:-1}" = 1 ]; then
  log "bench"
  # shellcheck disable=SC2086
  timeout 200 node packages/nn/out/bench-fused.mjs $BENCH_ARGS 2>&1 | tee "$OUT/bench.log"
  # shellcheck disable=SC2086
  timeout 90 python3 packages/nn/bench/reference_block.py --batches 1,32 --profile 2>&1 | tee -a "$OUT/bench.log"
fi

log "data"
mkdir -p /tmp/gpu-sample
$CLI data synth --out "$DATA" --count "$COUNT" --size 64 --seed 1 || exit 1
# One fine-tune per arm, run side by side (the GPU waits on each process's JS most of a step):
# NAME or NAME:EXTRA_FLAGS (commas for spaces), e.g. ARMS="plain label:--label-tokens".
arm() {
  local name=$1 extra=$2 run=$RUN-$1
  local train="$CLI train --data $DATA --encoder models/default --autoencoder models/default --out $run --backend $BACKEND"
  local o=$OUT/$name
  mkdir -p "$o"
  rm -rf "$run"
  log "$name: rate probe"
  # shellcheck disable=SC2086
  $train --init models/default --min-snr 5 --batch "$BATCH" --lr "$LR" --steps 100000 $extra \
    --time-limit "${PROBE_MIN:-1}" --checkpoint-every 100000 --val-every 100000 2>&1 | tr '\r' '\n' | grep --line-buffered -v ETA >>"$o/steps.log"
  # Steps per second after the first 10 (shader compilation), from metrics.jsonl's times.
  read -r done rate < <(node -e '
    const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((m) => m.loss !== undefined);
    const a = l.find((m) => m.step >= 10) ?? l[0], b = l[l.length - 1];
    const r = (b.step - a.step) / Math.max(1e-3, (Date.parse(b.time) - Date.parse(a.time)) / 1000);
    console.log(b.step, r.toFixed(3));' "$run/metrics.jsonl")
  local rest=$(($(left) - 75))
  if [ "$rest" -gt 30 ]; then
    local total
    total=$(node -e "console.log(Math.max($done + 1, Math.floor($done + $rate * $rest * 0.92)))")
    log "$name: step $done at $rate steps/s; $rest s left: --steps $total"
    $train --resume --steps "$total" --time-limit "$(node -e "console.log(($rest / 60).toFixed(2))")" \
      --checkpoint-every 1000 --val-every 250 2>&1 | tr '\r' '\n' | grep --line-buffered -v ETA >>"$o/steps.log"
  else
    log "$name: step $done at $rate steps/s; no time left for more"
  fi
  cp "$run/metrics.jsonl" "$run/config.json" "$o/"
  log "$name: export"
  $CLI export --run "$run" --out "/tmp/gpu-model-$name" --steps 20 --sampler dpmpp-2m --guidance 2 --late-guidance 6@500 --fp16 >>"$o/steps.log" 2>&1 || return 1
  tar -cf - -C "/tmp/gpu-model-$name" sgdiff.json unet | split -b 15M - "$o/model.tar.part-"
  log "$name: done"
}
for a in ${ARMS:-plain}; do
  arm "${a%%:*}" "$([ "$a" = "${a#*:}" ] || echo "${a#*:}" | tr , ' ')" &
done
wait
if [ "${SAMPLE:-1}" = 1 ]; then
  a=${ARMS:-plain}
  a=${a%% *}
  a=${a%%:*}
  log "sample with $a (DPM++ 20 steps, 4 images, batch 4, then the same once more warm)"
  for i in 1 2; do
    s=$(date +%s%N)
    timeout 60 $CLI sample --model "/tmp/gpu-model-$a" --graph examples/meadow.txt --out /tmp/gpu-sample/meadow.png \
      --n 4 --steps 20 --sampler dpmpp-2m --backend "$BACKEND" 2>&1 | tail -2 | tee -a "$OUT/steps.log"
    log "sample run $i: $((($(date +%s%N) - s) / 1000000)) ms wall, process start and model load included"
  done
fi
cp /tmp/gpu-sample/meadow-grid.png "$OUT/" 2>/dev/null
log "done"
ls -la "$OUT"
