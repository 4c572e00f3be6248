#!/usr/bin/env bash
# Installs what building the engine needs on a fresh Debian machine, where missing:
# RocksDB's C library and headers, and pkg-config to find them. Swift itself must be
# on PATH (see README).
set -euo pipefail
missing=()
dpkg -s librocksdb-dev >/dev/null 2>&1 || missing+=(librocksdb-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (expected Swift 6.1 or newer, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
