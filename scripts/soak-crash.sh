#!/usr/bin/env bash
# Crash-safety soak: the SIGKILL harness of tests/tests/crash.rs with many more kills, in
# release mode. Usage: scripts/soak-crash.sh [ITERATIONS]   (default 5000; about 10 minutes
# per 1000 on 2 cores). Prints the kill counts; exits non-zero on the first broken invariant.
set -euo pipefail
cd "$(dirname "$0")/.."
CARNET_CRASH_ITERATIONS="${1:-5000}" cargo test --release -p carnet-tests --test crash -- --nocapture
