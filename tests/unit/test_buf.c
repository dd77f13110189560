// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>

#include "lib/buf.h"
#include "unit.h"

#define CHECK_BUF(b, s) CHECK_EQ_MEM((b)->data, (b)->len, (s), sizeof(s) - 1)

UNIT_TEST(init_allocates_nothing)
{
	struct ward_buf b;

	ward_buf_init(&b);
	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(b.cap, 0);
	CHECK(!b.oom);
	CHECK_EQ_STR(ward_buf_cstr(&b), "");
	ward_buf_free(&b);
}

UNIT_TEST(free_accepts_zeroed_null_and_twice)
{
	struct ward_buf b = { 0 };

	ward_buf_free(&b);
	ward_buf_free(NULL);
	ward_buf_puts(&b, "x");
	ward_buf_free(&b);
	ward_buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
}

UNIT_TEST(reserve_keeps_nul_termination)
{
	struct ward_buf b;

	ward_buf_init(&b);
	CHECK_EQ_INT(ward_buf_reserve(&b, 0), 0);
	if (CHECK(b.data != NULL))
		CHECK_EQ_INT(b.data[0], '\0');
	CHECK_EQ_INT(ward_buf_reserve(&b, 1000), 0);
	CHECK(b.cap >= 1001);
	CHECK_EQ_INT(b.data[b.len], '\0');
	ward_buf_free(&b);
}

UNIT_TEST(put_putc_puts)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_put(&b, "ab", 2);
	ward_buf_putc(&b, 'c');
	ward_buf_puts(&b, "def");
	ward_buf_put(&b, NULL, 0);
	ward_buf_put(&b, "\0g", 2);
	CHECK_BUF(&b, "abcdef\0g");
	CHECK_EQ_INT(b.data[b.len], '\0');
	CHECK(!b.oom);
	ward_buf_free(&b);
}

UNIT_TEST(grows_across_many_appends)
{
	struct ward_buf b;
	size_t i;
	bool ok = true;

	ward_buf_init(&b);
	for (i = 0; i < 100000; i++)
		ward_buf_putc(&b, (char)('a' + i % 26));
	CHECK_EQ_INT(b.len, 100000);
	for (i = 0; i < b.len; i++)
		ok &= b.data[i] == (char)('a' + i % 26);
	CHECK(ok);
	CHECK_EQ_INT(b.data[b.len], '\0');
	ward_buf_free(&b);
}

UNIT_TEST(reset_reuses_allocation)
{
	struct ward_buf b;
	char *data;
	size_t cap;
	int i;

	ward_buf_init(&b);
	ward_buf_puts(&b, "a first record that sets the size");
	data = b.data;
	cap = b.cap;
	for (i = 0; i < 1000; i++) {
		ward_buf_reset(&b);
		CHECK_EQ_STR(ward_buf_cstr(&b), "");
		ward_buf_puts(&b, "a later record, no longer");
	}
	CHECK(b.data == data);
	CHECK_EQ_INT(b.cap, cap);
	CHECK_EQ_STR(b.data, "a later record, no longer");
	ward_buf_free(&b);
}

UNIT_TEST(put_u64)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_put_u64(&b, 0);
	ward_buf_putc(&b, ' ');
	ward_buf_put_u64(&b, 7);
	ward_buf_putc(&b, ' ');
	ward_buf_put_u64(&b, 10);
	ward_buf_putc(&b, ' ');
	ward_buf_put_u64(&b, 1234567890123ull);
	ward_buf_putc(&b, ' ');
	ward_buf_put_u64(&b, UINT64_MAX);
	CHECK_BUF(&b, "0 7 10 1234567890123 18446744073709551615");
	ward_buf_free(&b);
}

UNIT_TEST(put_i64)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_put_i64(&b, 0);
	ward_buf_putc(&b, ' ');
	ward_buf_put_i64(&b, -1);
	ward_buf_putc(&b, ' ');
	ward_buf_put_i64(&b, -13);
	ward_buf_putc(&b, ' ');
	ward_buf_put_i64(&b, INT64_MAX);
	ward_buf_putc(&b, ' ');
	ward_buf_put_i64(&b, INT64_MIN);
	CHECK_BUF(&b, "0 -1 -13 9223372036854775807 -9223372036854775808");
	ward_buf_free(&b);
}

UNIT_TEST(put_hex64_is_16_lowercase_digits)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_put_hex64(&b, 0);
	ward_buf_putc(&b, ' ');
	ward_buf_put_hex64(&b, 0xdeadBEEFull);
	ward_buf_putc(&b, ' ');
	ward_buf_put_hex64(&b, 0x0123456789abcdefull);
	ward_buf_putc(&b, ' ');
	ward_buf_put_hex64(&b, UINT64_MAX);
	CHECK_BUF(&b, "0000000000000000 00000000deadbeef 0123456789abcdef ffffffffffffffff");
	ward_buf_free(&b);
}

UNIT_TEST(reserve_beyond_limit_fails)
{
	struct ward_buf b;

	ward_buf_init(&b);
	CHECK_EQ_INT(ward_buf_reserve(&b, WARD_BUF_MAX + 1), -ENOMEM);
	CHECK_EQ_INT(ward_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	ward_buf_puts(&b, "abc");
	CHECK_EQ_INT(ward_buf_reserve(&b, SIZE_MAX - 2), -ENOMEM);
	/* reserve reports; only the put functions set the sticky flag */
	CHECK(!b.oom);
	CHECK_BUF(&b, "abc");
	ward_buf_free(&b);
}

UNIT_TEST(oom_is_sticky_until_reset)
{
	struct ward_buf b;

	ward_buf_init(&b);
	ward_buf_puts(&b, "keep");
	/* too large to ever succeed: fails before s is read, like a failed realloc */
	ward_buf_put(&b, "x", WARD_BUF_MAX);
	CHECK(b.oom);
	ward_buf_puts(&b, "dropped");
	ward_buf_putc(&b, '!');
	ward_buf_put_u64(&b, 42);
	ward_buf_put_i64(&b, -42);
	ward_buf_put_hex64(&b, 42);
	CHECK(b.oom);
	CHECK_BUF(&b, "keep");
	CHECK_EQ_INT(b.data[b.len], '\0');

	ward_buf_reset(&b);
	CHECK(!b.oom);
	ward_buf_puts(&b, "next");
	CHECK_BUF(&b, "next");
	ward_buf_free(&b);
}

UNIT_MAIN()
