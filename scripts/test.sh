#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then every test of the workspace.
# Installs what the tests need first (QR decoders and Chromium for the interop tests).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The bindings as apps use them: Kotlin on the JVM, Python, and the C ABI of the iOS library.
./scripts/ffi-tests.sh
