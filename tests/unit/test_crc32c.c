/* test_crc32c.c — the spool's CRC-32C against published check values (the
 * catalogue's "123456789" check and the iSCSI vectors of RFC 3720 B.4) and
 * its continuation property.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "spool/crc32c.h"

static void crc32c_matches_check_value(void **state) {
    (void)state;
    assert_int_equal(beacon__crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(beacon__crc32c(0, NULL, 0), 0u);
}

static void crc32c_matches_rfc3720_vectors(void **state) {
    (void)state;
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    assert_int_equal(beacon__crc32c(0, buf, sizeof buf), 0x8A9136AAu);
    memset(buf, 0xff, sizeof buf);
    assert_int_equal(beacon__crc32c(0, buf, sizeof buf), 0x62A8AB43u);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)i;
    assert_int_equal(beacon__crc32c(0, buf, sizeof buf), 0x46DD794Eu);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)(31 - i);
    assert_int_equal(beacon__crc32c(0, buf, sizeof buf), 0x113FDB5Cu);
}

static void crc32c_continues_across_calls(void **state) {
    (void)state;
    const char *text = "the quick brown fox jumps over the lazy dog";
    size_t n = strlen(text);
    uint32_t whole = beacon__crc32c(0, text, n);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(beacon__crc32c(beacon__crc32c(0, text, cut), text + cut, n - cut), whole);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_matches_check_value),
        cmocka_unit_test(crc32c_matches_rfc3720_vectors),
        cmocka_unit_test(crc32c_continues_across_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
