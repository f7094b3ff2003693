/* C ABI check of the generated headers against the static library (the iOS link): the two
 * headers compile together with -Wall -Werror, and a few calls go through them the way the
 * Swift bindings make them. Built and run by scripts/ffi-tests.sh. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>
#include "carnet_coreFFI.h"
#include "carnet_ffiFFI.h"

static int failures = 0;
#define CHECK(cond, what) do { if (!(cond)) { printf("FAIL %s\n", what); failures++; } } while (0)

int main(void) {
    /* The contract version the Swift and Kotlin code check at load time. */
    CHECK(ffi_carnet_ffi_uniffi_contract_version() == ffi_carnet_core_uniffi_contract_version(),
          "both components share one contract version");
    CHECK(ffi_carnet_ffi_uniffi_contract_version() >= 29, "contract version");
    CHECK(uniffi_carnet_ffi_checksum_func_create_vault() != 0, "checksum symbol");

    /* A string in, a string out: qr_svg(text). */
    const char *text = "CARNET ABI CHECK";
    RustCallStatus status;
    memset(&status, 0, sizeof status);
    ForeignBytes bytes = { (int32_t)strlen(text), (const uint8_t *)text };
    RustBuffer arg = ffi_carnet_ffi_rustbuffer_from_bytes(bytes, &status);
    CHECK(status.code == 0, "rustbuffer_from_bytes");
    RustBuffer svg = uniffi_carnet_ffi_fn_func_qr_svg(arg, &status);
    CHECK(status.code == 0, "qr_svg succeeds");
    CHECK(svg.len > 100 && memmem(svg.data, (size_t)svg.len, "<svg", 4) != NULL, "qr_svg returns an SVG");
    ffi_carnet_ffi_rustbuffer_free(svg, &status);

    /* An error crosses as status code 1 (a CarnetError) with its serialized variant. */
    ForeignBytes junk_bytes = { 5, (const uint8_t *)"junk!" };
    RustBuffer junk = ffi_carnet_ffi_rustbuffer_from_bytes(junk_bytes, &status);
    RustBuffer none = uniffi_carnet_ffi_fn_func_validate_date(junk, &status);
    CHECK(status.code == 1, "validate_date of junk is a CarnetError");
    CHECK(status.errorBuf.len >= 4, "the error carries its variant");
    ffi_carnet_ffi_rustbuffer_free(status.errorBuf, &status);
    (void)none;

    printf("%s\n", failures == 0 ? "C ABI check: ok" : "C ABI check: FAILED");
    return failures == 0 ? 0 : 1;
}
