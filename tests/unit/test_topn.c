/* Unit tests for core/topn.c: exact counts while the sketch has room, SpaceSaving's
 * guarantees once it has not, and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/topn.h"

static void exact_below_capacity(void **state)
{
    (void)state;
    struct ns_topn t;
    assert_int_equal(ns_topn_init(&t, 4, NULL), NS_STATUS_OK);
    const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
    const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    ns_topn_add(&t, 4, a, 100);
    ns_topn_add(&t, 4, b, 300);
    ns_topn_add(&t, 4, a, 100);
    ns_topn_add(&t, 6, a6, 50);
    assert_int_equal(ns_topn_finish(&t), 3);
    assert_int_equal(t.item[0].bytes, 300);
    assert_int_equal(t.item[0].addr[3], 2);
    assert_int_equal(t.item[1].bytes, 200);
    assert_int_equal(t.item[1].pkts, 2);
    assert_int_equal(t.item[1].bytes_err, 0);
    assert_int_equal(t.item[2].af, 6);
    assert_int_equal(t.total_bytes, 550);
    assert_int_equal(t.replaced, 0);
    ns_topn_fini(&t);
}

static void heavy_hitters_survive_a_flood(void **state)
{
    (void)state;
    /* 3 heavy hosts among 100000 one-packet hosts, with k = 16: every heavy host stays
     * monitored, its bytes lie in [bytes - err, bytes], and err <= total / k. */
    struct ns_topn t;
    assert_int_equal(ns_topn_init(&t, 16, NULL), NS_STATUS_OK);
    uint64_t heavy[3] = {0};
    for (uint32_t i = 0; i < 100000; i++) {
        uint8_t x[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
        ns_topn_add(&t, 4, x, 60);
        if (i % 10 == 0) {
            uint8_t h[4] = { 198, 51, 100, (uint8_t)(i % 3) };
            ns_topn_add(&t, 4, h, 1500);
            heavy[i % 3] += 1500;
        }
    }
    uint32_t n = ns_topn_finish(&t);
    assert_int_equal(n, 16);
    for (int h = 0; h < 3; h++) {
        int found = 0;
        for (uint32_t i = 0; i < n; i++) {
            const struct ns_topn_item *it = &t.item[i];
            if (it->addr[0] == 198 && it->addr[3] == h) {
                found = 1;
                assert_true(it->bytes >= heavy[h]);
                assert_true(it->bytes - it->bytes_err <= heavy[h]);
                assert_true(it->bytes_err <= t.total_bytes / 16);
                assert_true(i < 3);      /* the heavy hosts rank first */
            }
        }
        assert_true(found);
    }
    assert_true(t.replaced > 0);
    ns_topn_fini(&t);
}

static void init_refuses_zero(void **state)
{
    (void)state;
    struct ns_topn t;
    struct ns_err err;
    assert_int_equal(ns_topn_init(&t, 0, &err), NS_STATUS_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_below_capacity),
        cmocka_unit_test(heavy_hitters_survive_a_flood),
        cmocka_unit_test(init_refuses_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
