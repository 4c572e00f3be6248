#!/usr/bin/env bash
# The README's run command: set up what is missing, build in release mode, and run
# marking-server with the given arguments on the embedded store (./data by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product marking-server >&2
exec .build/release/marking-server "$@"
