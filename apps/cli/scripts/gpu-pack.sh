#!/bin/bash
# Packs what gpu-run.sh needs beside the checkout into .device-bundle/ (git-ignored): the CLI and
# nn benchmark bundles, xz-compressed, with the WASM binaries. The device call carries
# .device-carry and .device-bundle; the whole tree that travels must stay under 64 MiB.
set -euo pipefail
B=.device-bundle
[ -f .device-carry/node.xz ] || { echo "run bash ../shared/device/prepare.sh first" >&2; exit 1; }
# With models/default tracked, prepare.sh's node.xz leaves too little room: a stripped Node
# binary at xz -9e is ~2.3 MB smaller.
if [ ! -f .device-carry/node.stripped ]; then
  strip -o /tmp/node.stripped "$(readlink -f "$(command -v node)")"
  xz -T2 -9e -c /tmp/node.stripped >.device-carry/node.xz
  touch .device-carry/node.stripped
fi
grep -qx "/$B/" .git/info/exclude 2>/dev/null || echo "/$B/" >>.git/info/exclude
rm -rf $B && mkdir -p $B
# <where>--<file>.xz: gpu-run.sh unpacks cli-- into apps/cli/out and nn-- into packages/nn/out.
for f in sgdiff.mjs tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm; do
  xz -T2 -9 -c apps/cli/out/$f >$B/cli--$f.xz
done
for f in bench-fused.mjs tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm; do
  xz -T2 -9 -c packages/nn/out/$f >$B/nn--$f.xz
done
total=$(($(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) + $(du -sb $B .device-carry | awk '{s += $1} END {print s}')))
echo "travels: $total bytes of 67108864 (tracked files, $B, .device-carry)"
[ "$total" -lt 67108864 ] || { echo "over the 64 MiB a device call carries" >&2; exit 1; }
