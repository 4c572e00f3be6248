#!/usr/bin/env bash
# Installs what building the engine needs on a fresh Debian machine, where missing:
# RocksDB's C library and headers, the NATS C client library and headers (cluster
# mode), nats-server (the JetStream cluster the cluster tests and scripts/cluster.sh
# start), pkg-config to find the libraries, zint (GS1 DataMatrix labels), and for the
# web application's browser test Chromium, its WebDriver, Selenium and dmtxread. Swift itself must be on PATH (see
# README).
set -euo pipefail
missing=()
dpkg -s librocksdb-dev >/dev/null 2>&1 || missing+=(librocksdb-dev)
dpkg -s libnats-dev >/dev/null 2>&1 || missing+=(libnats-dev)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s libzint-dev >/dev/null 2>&1 || missing+=(libzint-dev)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
/usr/bin/python3 -c "import selenium" >/dev/null 2>&1 || missing+=(python3-selenium)
command -v dmtxread >/dev/null 2>&1 || missing+=(dmtx-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (expected Swift 6.1 or newer, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
