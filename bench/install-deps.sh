#!/usr/bin/env bash
# What the benchmark needs beyond the Rust toolchain: a C compiler (rusqlite compiles its
# bundled SQLite and SQLCipher), and OpenSSL's libcrypto with headers, which the SQLCipher peer
# links (rusqlite feature `bundled-sqlcipher`). Debian/Ubuntu; run as root or with sudo.
# The Carnet vault and the plain SQLite peer need only the C compiler.
set -euo pipefail

packages=(build-essential pkg-config libssl-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "bench dependencies already installed: ${packages[*]}"
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
