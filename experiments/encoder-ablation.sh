#!/usr/bin/env bash
# The encoder ablation table (#6): each variant pre-trained for a fixed CPU time budget, then
# scored on held-out pairs. Usage, from the repo root after `npm run build`:
#   bash experiments/encoder-ablation.sh DATA_DIR OUT_DIR [MINUTES=12] [PAIRS=1000]
# Re-running resumes unfinished variants. Prints a markdown table and writes OUT_DIR/ablation.json.
set -euo pipefail
data=$1 out=$2 minutes=${3:-12} pairs=${4:-1000}
cli="node apps/cli/dist/main.js"
mkdir -p "$out"
for v in contrastive masked both both+hard bag-of-objects; do
  run="$out/${v//+/-}"
  resume=(); [ -f "$run/config.json" ] && resume=(--resume)
  if [ ! -f "$run/done" ]; then
    $cli pretrain --data "$data" --out "$run" --variant "$v" --steps 100000 --batch 16 --backend wasm \
      --time-limit "$minutes" --checkpoint-every 50 --val-every 100000 "${resume[@]}"
    touch "$run/done"
  fi
  if [ "$v" != masked ]; then
    $cli score-encoder --run "$run" --data "$data" --pairs "$pairs" --backend wasm --json > "$run/score.json"
  fi
done
node -e '
const fs = require("fs"), path = require("path");
const out = process.argv[1];
const rows = ["contrastive", "masked", "both", "both+hard", "bag-of-objects"].map((v) => {
  const dir = path.join(out, v.replace("+", "-"));
  const train = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map(JSON.parse).filter((m) => !m.split);
  const tail = train.slice(-50);
  const mean = (k) => (tail.some((m) => m[k] > 0) ? tail.reduce((a, m) => a + m[k], 0) / tail.length : undefined);
  const s = fs.existsSync(path.join(dir, "score.json")) ? JSON.parse(fs.readFileSync(path.join(dir, "score.json"), "utf8")) : null;
  return { variant: v, steps: train.length, contrastiveLoss: mean("contrastive"), maskedLoss: mean("masked"), score: s };
});
fs.writeFileSync(path.join(out, "ablation.json"), JSON.stringify(rows, null, 2));
const f = (x) => (x === undefined ? "–" : x.toFixed(3));
// Losses: mean of the last 50 training steps. Discrimination counts a tie as a miss, so a model
// that cannot see edges (bag-of-objects) scores 0 on swap and invert.
console.log("| variant | steps | contrastive loss | masked loss | R@1 g→i | R@5 g→i | R@1 i→g | R@5 i→g | swap | invert | relabel |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const s = r.score;
  console.log(`| ${r.variant} | ${r.steps} | ${f(r.contrastiveLoss)} | ${f(r.maskedLoss)} | ${f(s?.retrieval["graph→image"].r1)} | ${f(s?.retrieval["graph→image"].r5)} | ${f(s?.retrieval["image→graph"].r1)} | ${f(s?.retrieval["image→graph"].r5)} | ${f(s?.discrimination.swap?.accuracy)} | ${f(s?.discrimination.invert?.accuracy)} | ${f(s?.discrimination.relabel?.accuracy)} |`);
}' "$out"
