// The `carnet` Android library: the Rust core for three ABIs plus its Kotlin API.
//
// Build steps, wired before `preBuild`:
//  1. cargoNdkBuild: `cargo ndk` builds carnet-ffi with the `mobile` profile (opt-level "s",
//     3 for the core, JSON and Argon2; LTO, one codegen unit, panic = "unwind") for
//     arm64-v8a, armeabi-v7a and x86_64 into
//     build/rustJniLibs/<abi>/libcarnet_ffi.so (needs the Android NDK, `cargo install
//     cargo-ndk` and `rustup target add aarch64-linux-android armv7-linux-androideabi
//     x86_64-linux-android`).
//  2. generateUniffiBindings: the repository's own uniffi-bindgen (same UniFFI version as the
//     library) reads the built arm64 .so (library mode) and writes the Kotlin sources into
//     build/generated/uniffi/kotlin. Generated code is never committed or edited.
// Instrumented tests are the JVM tests of ../../tests/kotlin, run on a device or emulator.
import org.gradle.api.tasks.Exec

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val repoRoot: File = rootDir.parentFile
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

android {
    namespace = "app.carnet.core"
    compileSdk = 35
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 26
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    sourceSets {
        getByName("main") {
            jniLibs.srcDir(rustJniLibs)
            java.srcDir(generatedKotlin)
        }
        getByName("androidTest") {
            // The same tests the JVM runs (scripts/ffi-tests.sh), now on Android.
            java.srcDir(File(repoRoot, "tests/kotlin/src"))
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }

    packaging {
        // Keep the symbols UniFFI looks up; AGP strips debug info only.
        jniLibs.keepDebugSymbols += "**/libcarnet_ffi.so"
    }
}

val cargoNdkBuild by tasks.registering(Exec::class) {
    description = "Builds libcarnet_ffi.so for ${abis.joinToString()} with cargo-ndk."
    workingDir = repoRoot
    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    args += listOf(
        "-o", rustJniLibs.get().asFile.path,
        "build", "--locked", "-p", "carnet-ffi", "--lib", "--profile", "mobile",
    )
    commandLine(args)
    inputs.dir(File(repoRoot, "core/src"))
    inputs.dir(File(repoRoot, "bindings/src"))
    inputs.file(File(repoRoot, "Cargo.lock"))
    outputs.dir(rustJniLibs)
}

val generateUniffiBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin API from the built arm64-v8a library."
    dependsOn(cargoNdkBuild)
    workingDir = repoRoot
    val so = rustJniLibs.get().file("arm64-v8a/libcarnet_ffi.so").asFile
    val out = generatedKotlin.get().asFile
    doFirst { out.deleteRecursively(); out.mkdirs() }
    commandLine(
        "cargo", "run", "--locked", "-q", "-p", "carnet-ffi", "--bin", "uniffi-bindgen", "--",
        "generate", "--config", File(rootDir, "uniffi-android.toml").path,
        "--language", "kotlin", "--out-dir", out.path, so.path,
    )
    inputs.file(so)
    outputs.dir(generatedKotlin)
}

tasks.named("preBuild") { dependsOn(generateUniffiBindings) }

dependencies {
    // JNA with its native dispatch library for each ABI (the aar, not the desktop jar).
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    androidTestImplementation("junit:junit:4.13.2")
    androidTestImplementation("androidx.test:runner:1.6.2")
    androidTestImplementation("androidx.test.ext:junit:1.2.1")
}
