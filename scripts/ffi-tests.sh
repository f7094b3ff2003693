#!/usr/bin/env bash
# The bindings' tests, run by scripts/test.sh (and so by CI) after the Rust tests:
#   1. generate the Kotlin, Swift and Python bindings from the built library, and write a
#      test PKI for the trust tests (tests/src/bin/test_pki.rs);
#   2. compile the generated Kotlin with the Kotlin tests (tests/kotlin) and the Android
#      module's sources (against stubs of the SDK classes they use), and run the tests on the
#      JVM with JUnit 4;
#   3. run the Python tests (tests/python);
#   4. compile the generated C headers with gcc and link them against the static library
#      (the C ABI the iOS XCFramework exposes to Swift).
# Tools: kotlinc from the npm package kotlin-compiler, JNA and JUnit 4 from Debian
# (scripts/install-test-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/bindings"
work="$target_dir/ffi-tests"
./scripts/generate-bindings.sh --out "$out"

# A test PKI (IGC-Santé-shaped root, intermediate, practitioners) for the trust tests: Kotlin
# and Python have no certificate builder of their own. Validity is relative to today.
cargo build --locked -p carnet-tests --bin test_pki
rm -rf "$work" && mkdir -p "$work"
"$target_dir/debug/test_pki" "$work/pki"

kotlin_home="${KOTLIN_HOME:-$(npm root -g)/kotlin-compiler}"
kotlinc="$kotlin_home/bin/kotlinc"
jars="/usr/share/java/jna.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar"

echo "ffi-tests: Kotlin (JVM)"
# The Android module's own sources compile against signature stubs of the few SDK classes
# they use (tests/kotlin/android-stubs); they are compiled, not run.
mkdir -p "$work/android-stubs"
javac -nowarn -d "$work/android-stubs" $(find tests/kotlin/android-stubs -name '*.java')
mapfile -t kotlin_sources < <(find "$out/kotlin" tests/kotlin/src android/carnet/src/main/kotlin \
  -name '*.kt' | sort)
"$kotlinc" -nowarn -jvm-target 17 -cp "$jars:$work/android-stubs" -d "$work/tests.jar" \
  "${kotlin_sources[@]}" 2>&1 | grep -v '^warning: unable to find kotlin-stdlib' || true
test -f "$work/tests.jar"
classes=$(cd tests/kotlin/src && find . -name '*Test.kt' | sed 's|^\./||; s|\.kt$||; s|/|.|g' | sort)
java -Djna.library.path="$out" -Dcarnet.test.pki="$work/pki" -cp "$work/tests.jar:$kotlin_home/lib/kotlin-stdlib.jar:$jars" \
  org.junit.runner.JUnitCore $classes

echo "ffi-tests: Python"
CARNET_TEST_PKI="$work/pki" PYTHONPATH="$out/python" python3 tests/python/test_carnet.py

echo "ffi-tests: C ABI (gcc, static library)"
# The headers use clang's nullability qualifiers, which gcc does not know.
gcc -std=c11 -Wall -Wextra -Werror -D_Nullable= -D_Nonnull= -I "$out/swift" \
  tests/c/abi_check.c "$target_dir/debug/libcarnet_ffi.a" -lpthread -ldl -lm -o "$work/abi_check"
"$work/abi_check"
