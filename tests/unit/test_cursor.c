/* Unit tests for dissectors/cursor.h: every read is bounds-checked and a short read poisons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dissectors/cursor.h"

/* 0x01 0x02 0x03 0x04 0x05 */
static const uint8_t five[] = { 1, 2, 3, 4, 5 };

static void reads_in_order(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(five, sizeof five);
    assert_int_equal(ns_cur_u8(&c), 1);
    assert_int_equal(ns_cur_be16(&c), 0x0203);
    assert_int_equal(ns_cur_le16(&c), 0x0504);
    assert_int_equal(c.len, 0);
    assert_false(c.short_read);
}

static void be32_le32(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(five, 4);
    assert_int_equal(ns_cur_be32(&c), 0x01020304u);
    c = ns_cur_make(five, 4);
    assert_int_equal(ns_cur_le32(&c), 0x04030201u);
    assert_false(c.short_read);
}

static void short_read_poisons(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(five, 3);
    assert_int_equal(ns_cur_be16(&c), 0x0102);
    assert_int_equal(ns_cur_be16(&c), 0);   /* one byte left: refused, not half read */
    assert_true(c.short_read);
    assert_int_equal(c.len, 0);
    assert_int_equal(ns_cur_u8(&c), 0);     /* sticky: the byte that was left is gone too */
    assert_true(c.short_read);
}

static void every_reader_stops_at_end(void **state)
{
    (void)state;
    for (size_t n = 0; n < 4; n++) {
        struct ns_cur c = ns_cur_make(five, n);
        assert_int_equal(ns_cur_be32(&c), 0);
        assert_true(c.short_read);
        c = ns_cur_make(five, n);
        assert_int_equal(ns_cur_le32(&c), 0);
        assert_true(c.short_read);
        c = ns_cur_make(five, n);
        assert_null(ns_cur_take(&c, n + 1));
        assert_true(c.short_read);
    }
}

static void sub_is_clamped(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(five, sizeof five);
    ns_cur_skip(&c, 1);
    struct ns_cur s = ns_cur_sub(&c, 100);  /* a length field claiming more than captured */
    assert_int_equal(s.len, 4);
    assert_int_equal(c.len, 0);
    assert_false(c.short_read);             /* clamping is not an error: the caller compares */
    assert_int_equal(ns_cur_u8(&s), 2);
}

static void copy_zeroes_on_short(void **state)
{
    (void)state;
    uint8_t dst[4] = { 9, 9, 9, 9 };
    struct ns_cur c = ns_cur_make(five, 3);
    ns_cur_copy(&c, dst, 4);
    assert_true(c.short_read);
    for (int i = 0; i < 4; i++)
        assert_int_equal(dst[i], 0);
    c = ns_cur_make(five, 5);
    ns_cur_copy(&c, dst, 4);
    assert_int_equal(dst[3], 4);
    assert_int_equal(c.len, 1);
}

static void peek_and_null(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(five, 2);
    assert_int_equal(ns_cur_peek(&c, 1), 2);
    assert_int_equal(ns_cur_peek(&c, 2), 0);
    assert_false(c.short_read);
    c = ns_cur_make(NULL, 10);             /* no bytes at all, whatever the length says */
    assert_int_equal(c.len, 0);
    assert_int_equal(ns_cur_u8(&c), 0);
    assert_true(c.short_read);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_in_order),
        cmocka_unit_test(be32_le32),
        cmocka_unit_test(short_read_poisons),
        cmocka_unit_test(every_reader_stops_at_end),
        cmocka_unit_test(sub_is_clamped),
        cmocka_unit_test(copy_zeroes_on_short),
        cmocka_unit_test(peek_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
