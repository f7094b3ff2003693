// The Android library project for Carnet: one module, `carnet`, packaging the Rust core
// (libcarnet_ffi.so for arm64-v8a, armeabi-v7a and x86_64, built with cargo-ndk) and its
// generated Kotlin API (packages app.carnet.core and app.carnet.core.model).
// See ../README.md, "Use from Android".
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "carnet-android"
include(":carnet")
