/* test_cbor.c - deterministic CBOR encoding (RFC 8949 appendix A vectors),
 * decoding, and hostile input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "c2pa/cbor.h"
#include "util.h"
#include "test.h"

static int
hex_is(const struct buf *b, const char *hex)
{
	char got[512];
	size_t i;

	if (b->len * 2 + 1 > sizeof(got))
		return 0;
	for (i = 0; i < b->len; i++)
		snprintf(got + 2 * i, 3, "%02x", (unsigned char)b->data[i]);
	got[2 * b->len] = '\0';
	if (strcmp(got, hex) != 0) {
		printf("#   got %s, want %s\n", got, hex);
		return 0;
	}
	return 1;
}

static void
test_vectors(void)
{
	static const struct { int64_t v; const char *hex; } ints[] = {
		{0, "00"}, {1, "01"}, {23, "17"}, {24, "1818"}, {100, "1864"}, {1000, "1903e8"},
		{1000000, "1a000f4240"}, {1000000000000, "1b000000e8d4a51000"},
		{-1, "20"}, {-10, "29"}, {-100, "3863"}, {-1000, "3903e7"},
		{INT64_MIN, "3b7fffffffffffffff"},
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		buf_reset(&b);
		cbor_put_int(&b, ints[i].v);
		CHECK(hex_is(&b, ints[i].hex));
	}
	buf_reset(&b);
	cbor_put_uint(&b, UINT64_MAX);
	CHECK(hex_is(&b, "1bffffffffffffffff"));
	buf_reset(&b);
	cbor_put_text(&b, "IETF");
	CHECK(hex_is(&b, "6449455446"));
	buf_reset(&b);
	cbor_put_bytes(&b, "\x01\x02\x03\x04", 4);
	CHECK(hex_is(&b, "4401020304"));
	buf_reset(&b);
	cbor_put_array(&b, 3);
	cbor_put_uint(&b, 1);
	cbor_put_uint(&b, 2);
	cbor_put_uint(&b, 3);
	CHECK(hex_is(&b, "83010203"));
	buf_reset(&b);
	cbor_put_bool(&b, 0);
	cbor_put_bool(&b, 1);
	cbor_put_null(&b);
	CHECK(hex_is(&b, "f4f5f6"));
	buf_reset(&b);
	cbor_put_tag(&b, 18);
	cbor_put_array(&b, 0);
	CHECK(hex_is(&b, "d280"));
	buf_release(&b);
}

/* keys come out sorted by their encoded bytes, whatever the order added:
 * shorter text first, integers before text */
static void
test_map_sorted(void)
{
	struct buf b = BUF_INIT, c = BUF_INIT;
	struct cbor_map m = {0};

	cbor_put_uint(cbor_map_add(&m, "url"), 3);
	cbor_put_uint(cbor_map_add(&m, "a"), 1);
	cbor_put_uint(cbor_map_add(&m, "alg"), 2);
	cbor_put_uint(cbor_map_add_int(&m, 33), 5);
	cbor_put_uint(cbor_map_add_int(&m, 1), 4);
	CHECK(cbor_map_finish(&m, &b) == 0);
	/* {1: 4, 33: 5, "a": 1, "alg": 2, "url": 3} */
	CHECK(hex_is(&b, "a5010418210561610163616c67026375726c03"));
	CHECK(cbor_is_deterministic(b.data, b.len));

	/* the same map added in another order: the same bytes */
	memset(&m, 0, sizeof(m));
	cbor_put_uint(cbor_map_add_int(&m, 1), 4);
	cbor_put_uint(cbor_map_add(&m, "alg"), 2);
	cbor_put_uint(cbor_map_add(&m, "url"), 3);
	cbor_put_uint(cbor_map_add_int(&m, 33), 5);
	cbor_put_uint(cbor_map_add(&m, "a"), 1);
	CHECK(cbor_map_finish(&m, &c) == 0);
	CHECK(b.len == c.len && memcmp(b.data, c.data, b.len) == 0);

	/* a duplicate key is refused, and nothing is written */
	buf_reset(&c);
	memset(&m, 0, sizeof(m));
	cbor_put_uint(cbor_map_add(&m, "k"), 1);
	cbor_put_uint(cbor_map_add(&m, "k"), 2);
	CHECK(cbor_map_finish(&m, &c) < 0);
	CHECK(c.len == 0);
	buf_release(&b);
	buf_release(&c);
}

static void
test_decode(void)
{
	struct buf b = BUF_INIT;
	struct cbor_map m = {0}, inner = {0};
	struct cbor_val v, x, k, val, t;
	const unsigned char *p;
	const char *s;
	size_t n;
	uint64_t u, tag;
	int64_t i;
	int bo;
	char *dup;

	/* {..., "list": [7, 18("x")]} */
	cbor_put_text(cbor_map_add(&m, "name"), "assetgen");
	cbor_put_int(cbor_map_add(&m, "n"), -42);
	cbor_put_bytes(cbor_map_add(&m, "hash"), "\xde\xad", 2);
	cbor_put_bool(cbor_map_add(&m, "ok"), 1);
	cbor_put_uint(cbor_map_add(&inner, "start"), 70000);
	cbor_map_finish(&inner, cbor_map_add(&m, "ex"));
	{
		struct buf *l = cbor_map_add(&m, "list");

		cbor_put_array(l, 2);
		cbor_put_uint(l, 7);
		cbor_put_tag(l, 18);
		cbor_put_text(l, "x");
	}
	CHECK(cbor_map_finish(&m, &b) == 0);
	CHECK(cbor_is_deterministic(b.data, b.len));
	CHECK(cbor_parse(b.data, b.len, &v) == 0);
	CHECK(cbor_type_of(&v) == CBOR_MAP);
	CHECK(cbor_count(&v, &n) == 0 && n == 6);
	CHECK(cbor_map_get(&v, "name", &x) == 0 && cbor_text_is(&x, "assetgen"));
	dup = cbor_dup_text(&x);
	CHECK_STR(dup, "assetgen");
	free(dup);
	CHECK(cbor_map_get(&v, "n", &x) == 0 && cbor_get_int(&x, &i) == 0 && i == -42);
	CHECK(cbor_get_uint(&x, &u) < 0);
	CHECK(cbor_map_get(&v, "hash", &x) == 0 && cbor_get_bytes(&x, &p, &n) == 0 &&
	      n == 2 && memcmp(p, "\xde\xad", 2) == 0);
	CHECK(cbor_get_text(&x, &s, &n) < 0);
	CHECK(cbor_map_get(&v, "ok", &x) == 0 && cbor_get_bool(&x, &bo) == 0 && bo == 1);
	CHECK(cbor_map_get(&v, "ex", &x) == 0 && cbor_map_get(&x, "start", &t) == 0 &&
	      cbor_get_uint(&t, &u) == 0 && u == 70000);
	CHECK(cbor_map_get(&v, "list", &x) == 0 && cbor_count(&x, &n) == 0 && n == 2);
	CHECK(cbor_array_at(&x, 0, &t) == 0 && cbor_get_uint(&t, &u) == 0 && u == 7);
	CHECK(cbor_array_at(&x, 1, &t) == 0 && cbor_get_tag(&t, &tag, &val) == 0 && tag == 18 &&
	      cbor_text_is(&val, "x"));
	CHECK(cbor_array_at(&x, 2, &t) < 0);
	CHECK(cbor_map_get(&v, "missing", &x) < 0);
	CHECK(cbor_map_at(&v, 0, &k, &val) == 0 && cbor_text_is(&k, "n"));
	CHECK(cbor_map_at(&v, 6, &k, &val) < 0);
	buf_release(&b);
}

static void
test_not_deterministic(void)
{
	/* 1 written in two bytes, a map with unsorted keys, a duplicate key */
	CHECK(cbor_parse("\x18\x01", 2, &(struct cbor_val){0}) == 0);
	CHECK(!cbor_is_deterministic("\x18\x01", 2));
	CHECK(!cbor_is_deterministic("\xa2\x61\x62\x01\x61\x61\x02", 7));
	CHECK(cbor_is_deterministic("\xa2\x61\x61\x01\x61\x62\x02", 7));
	CHECK(!cbor_is_deterministic("\xa2\x61\x61\x01\x61\x61\x02", 7));
	CHECK(!cbor_is_deterministic("\x19\x00\x10", 3));
}

static void
test_hostile(void)
{
	struct cbor_val v;
	unsigned char deep[64];
	size_t i;

	CHECK(cbor_parse("", 0, &v) < 0);
	CHECK(cbor_parse("\x19\x01", 2, &v) < 0);                /* truncated head */
	CHECK(cbor_parse("\x64\x61\x62", 3, &v) < 0);            /* text past the end */
	CHECK(cbor_parse("\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9, &v) < 0); /* a huge count */
	CHECK(cbor_parse("\xbb\x7f\xff\xff\xff\xff\xff\xff\xff\x00", 10, &v) < 0);
	CHECK(cbor_parse("\x5f\x41\x00\xff", 4, &v) < 0);        /* indefinite length */
	CHECK(cbor_parse("\x1c", 1, &v) < 0);                    /* reserved */
	CHECK(cbor_parse("\x01\x02", 2, &v) < 0);                /* trailing bytes */
	CHECK(cbor_parse("\x5b\xff\xff\xff\xff\xff\xff\xff\xff", 9, &v) < 0);
	/* nesting past the cap */
	for (i = 0; i < sizeof(deep); i++)
		deep[i] = 0x81;
	deep[sizeof(deep) - 1] = 0x00;
	CHECK(cbor_parse(deep, sizeof(deep), &v) < 0);
	CHECK(cbor_parse(deep + sizeof(deep) - 10, 10, &v) == 0);
	/* a text with a NUL is not handed out as a C string */
	CHECK(cbor_parse("\x62\x61\x00", 3, &v) == 0 && cbor_dup_text(&v) == NULL);
}

int
main(void)
{
	RUN(test_vectors);
	RUN(test_map_sorted);
	RUN(test_decode);
	RUN(test_not_deterministic);
	RUN(test_hostile);
	return TEST_DONE();
}
