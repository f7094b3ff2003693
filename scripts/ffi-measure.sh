#!/usr/bin/env bash
# A measurement, not a test: the cost of the bindings, in one run, release builds.
#   - listing 1,000 records from Kotlin (JVM, JNA) against the same call from Rust;
#   - opening a 10,000-record vault from Kotlin against the same from Rust.
# Both sides open the same vault file (made once by bindings/examples/measure.rs) with the
# production key derivation, and report medians; the ratios are printed last. Both use the
# `mobile` profile, the build phones run.
# Usage: scripts/ffi-measure.sh [DIR]   (default target/ffi-measure)
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
dir="${1:-$target_dir/ffi-measure}"
mkdir -p "$dir"

out="$target_dir/bindings-mobile"
cargo build --locked --profile mobile -p carnet-ffi --lib --example measure
./scripts/generate-bindings.sh --out "$out" --lib "$target_dir/mobile/libcarnet_ffi.so"
rust=$("$target_dir/mobile/examples/measure" "$dir")
echo "$rust"

kotlin_home="${KOTLIN_HOME:-$(npm root -g)/kotlin-compiler}"
mapfile -t sources < <(find "$out/kotlin" tests/kotlin/measure -name '*.kt' | sort)
"$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 -cp /usr/share/java/jna.jar \
  -d "$dir/measure.jar" "${sources[@]}" 2>&1 | grep -v '^warning: unable to find kotlin-stdlib' || true
kotlin=$(java -Djna.library.path="$out" \
  -cp "$dir/measure.jar:$kotlin_home/lib/kotlin-stdlib.jar:/usr/share/java/jna.jar" \
  app.carnet.core.measure.MeasureKt "$dir")
echo "$kotlin"

value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
python3 - "$(value open_ms "$rust")" "$(value open_ms "$kotlin")" \
  "$(value list_1000_ms "$rust")" "$(value list_1000_ms "$kotlin")" <<'PY'
import sys
ro, ko, rl, kl = map(float, sys.argv[1:])
print(f"open a 10,000-record vault: Kotlin/Rust = {ko / ro:.2f} ({ko:.1f} ms / {ro:.1f} ms)")
print(f"list 1,000 records:         Kotlin/Rust = {kl / rl:.2f} ({kl:.1f} ms / {rl:.1f} ms)")
PY
