/* test_buf.c - the growable buffer with a hard cap */
#include <string.h>

#include "buf.h"
#include "test.h"

static void
test_put_and_cap(void)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK(buf_put(&b, "abcd", 4) == 0 && b.len == 4 && strcmp(b.data, "abcd") == 0);
	CHECK(buf_put(&b, "efghi", 5) < 0 && b.len == 4);      /* over the cap: unchanged */
	CHECK(buf_put(&b, "efgh", 4) == 0 && strcmp(b.data, "abcdefgh") == 0);
	buf_release(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

static void
test_reserve(void)
{
	struct buf b;
	char *p;
	size_t i;

	buf_init(&b, 1000);
	CHECK(buf_put(&b, "xy", 2) == 0);
	/* exactly what is asked for, not a doubling; the bytes kept */
	CHECK(buf_reserve(&b, 500) == 0 && b.cap == 2 + 500 + 1 && strcmp(b.data, "xy") == 0);
	p = b.data;
	for (i = 0; i < 500; i++)
		CHECK(buf_putc(&b, 'a' + (int)(i % 26)) == 0);
	CHECK(b.data == p && b.len == 502 && b.data[502] == '\0');   /* no move on the way */
	/* already room: nothing changes */
	buf_reset(&b);
	CHECK(buf_reserve(&b, 100) == 0 && b.data == p && b.cap == 503);
	/* beyond the cap: refused, buffer unchanged */
	CHECK(buf_reserve(&b, 1001) < 0 && b.data == p && b.cap == 503);
	CHECK(buf_put(&b, "q", 1) == 0 && buf_reserve(&b, 1000) < 0);
	CHECK(buf_reserve(&b, 999) == 0 && b.cap == 1001 && strcmp(b.data, "q") == 0);
	buf_release(&b);
	/* an empty buffer without a cap */
	buf_init(&b, 0);
	CHECK(buf_reserve(&b, 10) == 0 && b.cap == 11 && b.data && b.data[0] == '\0' && b.len == 0);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_put_and_cap);
	RUN(test_reserve);
	return TEST_DONE();
}
