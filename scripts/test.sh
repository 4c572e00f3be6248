#!/usr/bin/env bash
# The README's test command: set up what is missing, then build and run every test,
# then the browser walk of the web application.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
# The web application walked in headless Chromium (screenshots in browser-screenshots/),
# with Debian's Python, where python3-selenium is installed.
/usr/bin/python3 scripts/browser_test.py --server .build/debug/marking-server --screenshots browser-screenshots
