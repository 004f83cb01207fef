#!/usr/bin/env bash
# The test command (README, .ci/run): installs missing system packages, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_system_packages
swift build --build-tests
swift test --skip-build
