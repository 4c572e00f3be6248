#!/usr/bin/env bash
# The README's test command: set up what is missing, then build and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
