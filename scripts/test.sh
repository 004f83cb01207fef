#!/usr/bin/env bash
# The test command (README, .ci/run): installs missing system packages, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_system_packages
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee /tmp/edgeagent-test.log | grep -vE '^(Test Case|\[[0-9]+/[0-9]+\] Testing|◇|✔ Test )' || true
# --parallel swallows the exit status in the pipe above: decide from the log.
if grep -qE '(✘|error:|failed \(|with [1-9][0-9]* (failures|issues?))' /tmp/edgeagent-test.log; then
    echo "TESTS FAILED (full log: /tmp/edgeagent-test.log)" >&2
    exit 1
fi
echo "all tests passed"
