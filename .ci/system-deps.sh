#!/usr/bin/env bash
# System packages the tests need. Idempotent; later issues add to it.
set -euo pipefail
need=()
if ((${#need[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
