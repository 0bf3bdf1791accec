#!/usr/bin/env bash
# System packages the tests need. Idempotent; later issues add to it.
set -euo pipefail
need=()
# web: the end-to-end test drives Debian's Chromium with playwright-core (apps/web/e2e).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# nn: simd-gemm.test.ts rebuilds the committed SIMD module (native/build.sh) and compares.
command -v clang-14 >/dev/null 2>&1 || need+=(clang-14)
command -v wasm-ld-14 >/dev/null 2>&1 || need+=(lld-14)
if ((${#need[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

# nn: WebGPU tests run on Dawn over Mesa lavapipe. Debian 12's Mesa 22 is rejected by Dawn;
# Mesa 25 from bookworm-backports is accepted (see docs/toolchain.md).
if ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^25\.'; then
  src=/etc/apt/sources.list.d/debian.sources
  if [[ -f $src ]] && ! grep -q 'bookworm-backports' "$src"; then
    # Only the first Suites: line (the main archive, not security).
    sed -i '0,/^Suites:/{s/^\(Suites:.*\)$/\1 bookworm-backports/}' "$src"
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers
fi
