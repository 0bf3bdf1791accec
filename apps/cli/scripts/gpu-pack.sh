#!/bin/bash
# Packs what gpu-run.sh needs beside the checkout into .device-bundle/ (git-ignored): the CLI and
# nn benchmark bundles, xz-compressed, with the WASM binaries. The device call carries
# .device-carry and .device-bundle; the whole tree that travels must stay under 64 MiB.
set -euo pipefail
B=.device-bundle
grep -qx "/$B/" .git/info/exclude 2>/dev/null || echo "/$B/" >>.git/info/exclude
rm -rf $B && mkdir -p $B
# <where>--<file>.xz: gpu-run.sh unpacks cli-- into apps/cli/out and nn-- into packages/nn/out.
for f in sgdiff.mjs tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm; do
  xz -T2 -9 -c apps/cli/out/$f >$B/cli--$f.xz
done
for f in bench-fused.mjs tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm; do
  xz -T2 -9 -c packages/nn/out/$f >$B/nn--$f.xz
done
du -sh $B .device-carry
echo "tracked: $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
