// swift-tools-version:5.9
// CarnetCore for iOS: the Rust core as an XCFramework (CarnetCoreFFI, built by
// build-xcframework.sh) plus the generated Swift API and the Keychain key store.
//
// This manifest lives in ios/, not at the repository root: the XCFramework is built, not
// committed, so the package is consumed from a checkout, as a local package (Xcode "Add
// Local Package…" or `.package(path: "…/carnet/ios")`). A root Package.swift pointing at a
// released XCFramework zip (url + checksum) comes with the release pipeline; see the
// README, "Use from iOS".
import PackageDescription

let package = Package(
    name: "CarnetCore",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "CarnetCore", targets: ["CarnetCore"]),
    ],
    targets: [
        .binaryTarget(name: "CarnetCoreFFI", path: "build/CarnetCoreFFI.xcframework"),
        .target(
            name: "CarnetCore",
            dependencies: ["CarnetCoreFFI"],
            path: "Sources/CarnetCore"
        ),
        .testTarget(
            name: "CarnetCoreTests",
            dependencies: ["CarnetCore"],
            path: "Tests/CarnetCoreTests"
        ),
    ]
)
