//! UniFFI's generator, built from the same UniFFI version as the library so the two always
//! agree. Used in library mode by `scripts/generate-bindings.sh`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
