#!/usr/bin/env bash
# Builds ios/build/CarnetCoreFFI.xcframework and the generated Swift sources of CarnetCore.
# Runs on macOS with Xcode and rustup:
#
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   ios/build-xcframework.sh            # then: swift build / xcodebuild test in ios/
#
# 1. carnet-ffi as a static library, `mobile` profile (opt-level "s", 3 for the core, JSON
#    and Argon2; LTO, one codegen unit, panic = "unwind"), for the device (aarch64-apple-ios)
#    and both simulators;
# 2. lipo joins the two simulator architectures into one library;
# 3. uniffi-bindgen (library mode, the repository's own binary) writes the Swift sources,
#    the C headers and the module maps; both components' module maps become the one
#    module.modulemap of the framework's headers;
# 4. xcodebuild -create-xcframework packages device + simulator;
# 5. the Swift sources go to Sources/CarnetCore/Generated (not committed, never edited).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
build="$here/build"
profile=mobile

for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --locked -p carnet-ffi --lib --profile "$profile" --target "$target"
done

rm -rf "$build"
mkdir -p "$build/device" "$build/simulator" "$build/headers"
cp "$target_dir/aarch64-apple-ios/$profile/libcarnet_ffi.a" "$build/device/libcarnet_ffi.a"
lipo -create \
  "$target_dir/aarch64-apple-ios-sim/$profile/libcarnet_ffi.a" \
  "$target_dir/x86_64-apple-ios/$profile/libcarnet_ffi.a" \
  -output "$build/simulator/libcarnet_ffi.a"

# Swift, headers and module maps from the device library (the metadata is the same in all).
./scripts/generate-bindings.sh --out "$build/bindings" --lib "$build/device/libcarnet_ffi.a"
cp "$build/bindings/swift/"*.h "$build/headers/"
cat "$build/bindings/swift/"*.modulemap > "$build/headers/module.modulemap"

xcodebuild -create-xcframework \
  -library "$build/device/libcarnet_ffi.a" -headers "$build/headers" \
  -library "$build/simulator/libcarnet_ffi.a" -headers "$build/headers" \
  -output "$build/CarnetCoreFFI.xcframework"

generated="$here/Sources/CarnetCore/Generated"
rm -rf "$generated"
mkdir -p "$generated"
cp "$build/bindings/swift/"*.swift "$generated/"
echo "build-xcframework: $build/CarnetCoreFFI.xcframework and $generated"
