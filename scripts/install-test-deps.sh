#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain, from Debian and PyPI:
# - zbar-tools (zbarimg) and zxing-cpp (with pillow to load PNGs): two QR decoders not
#   written here, for the interop tests;
# - chromium: renders the printable page headless and screenshots it;
# - playwright-core from npm, to drive that chromium through the consultation desk
#   (cli/tests/desk.rs); it never downloads a browser of its own;
# - for the bindings' tests (scripts/ffi-tests.sh): JNA and JUnit 4 from Debian, and kotlinc
#   from the npm package kotlin-compiler (a full Kotlin 2.x compiler; it needs Java).
# Idempotent: skips what is already there. Needs root (as CI runs) or sudo.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -f /usr/share/java/jna.jar ] || missing+=(libjna-java)
[ -f /usr/share/java/junit4.jar ] || missing+=(junit4)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c "import zxingcpp, PIL" >/dev/null 2>&1; then
  echo "install-test-deps: pip install zxing-cpp pillow"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore zxing-cpp pillow
fi

KOTLIN_VERSION=2.4.20
if [ ! -x "$(npm root -g)/kotlin-compiler/bin/kotlinc" ]; then
  echo "install-test-deps: npm install -g kotlin-compiler@$KOTLIN_VERSION"
  $SUDO npm install -g --no-audit --no-fund --silent "kotlin-compiler@$KOTLIN_VERSION"
fi

PLAYWRIGHT_VERSION=1.65.1
if [ ! -f "$(npm root -g)/playwright-core/package.json" ]; then
  echo "install-test-deps: npm install -g playwright-core@$PLAYWRIGHT_VERSION"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $SUDO npm install -g --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION"
fi
