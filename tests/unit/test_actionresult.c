/* test_actionresult.c - the hand-made REAPI ActionResult: bytes as protobuf
 * lays them out, a round trip, and every malformed body refused */
#include <stdio.h>
#include <string.h>

#include "cache/actionresult.h"
#include "test.h"

static const char A[] = "2861b0a30191c59e497b96e67860f6b7366761e5ff0d199565245023921c25d9";

/* the wire bytes, field by field: output_files (2, LEN) { path (1),
 * digest (2) { hash (1), size_bytes (2, varint) }, contents (5) } */
static void
test_encode_bytes(void)
{
	struct buf b = BUF_INIT;
	const unsigned char *p;

	ar_encode(A, 300, "{}", 2, &b);
	p = (const unsigned char *)b.data;
	CHECK(b.len > 90);
	CHECK(p[0] == 0x12);                      /* field 2, LEN */
	CHECK(p[2] == 0x0a && p[3] == 8);         /* path, 8 bytes */
	CHECK(!memcmp(p + 4, "artifact", 8));
	CHECK(p[12] == 0x12 && p[13] == 69);      /* digest: 2 + 64 + 3 bytes */
	CHECK(p[14] == 0x0a && p[15] == 64 && !memcmp(p + 16, A, 64));
	CHECK(p[80] == 0x10 && p[81] == 0xac && p[82] == 0x02);   /* 300 as a varint */
	CHECK(p[83] == 0x12);                     /* the second output file */
	buf_release(&b);
}

static void
test_round_trip(void)
{
	struct action_result ar;
	struct buf b = BUF_INIT;
	const char *why;
	static const char rec[] = "{\"version\":1}";

	ar_encode(A, 1968624, rec, strlen(rec), &b);
	CHECK(ar_decode(b.data, b.len, &ar, &why) == 0);
	CHECK_STR(ar.artifact.sha256, A);
	CHECK(ar.artifact.size == 1968624 && !ar.artifact.contents);
	CHECK(ar.entry.size == strlen(rec));
	CHECK(ar.entry.contents && ar.entry.len == strlen(rec) && !memcmp(ar.entry.contents, rec, ar.entry.len));
	buf_release(&b);
}

/* every prefix of a good body, and a few bytes changed: refused or parsed,
 * never read past the end (the sanitizer build checks that) */
static void
test_malformed(void)
{
	struct action_result ar;
	struct buf b = BUF_INIT;
	const char *why;
	char copy[512];
	size_t i, ok = 0;

	ar_encode(A, 42, "{}", 2, &b);
	CHECK(b.len < sizeof(copy));
	for (i = 0; i < b.len; i++)
		ok += ar_decode(b.data, i, &ar, &why) == 0;
	CHECK(ok == 0);                           /* a cut body misses a file */
	memcpy(copy, b.data, b.len);
	copy[16] = 'A';                           /* an uppercase hex digit */
	CHECK(ar_decode(copy, b.len, &ar, &why) < 0);
	memcpy(copy, b.data, b.len);
	copy[1] = (char)0xff;                     /* a length past the end */
	CHECK(ar_decode(copy, b.len, &ar, &why) < 0);
	CHECK(ar_decode("\x12\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", 11, &ar, &why) < 0);
	CHECK(ar_decode("", 0, &ar, &why) < 0 && strstr(why, "names no artifact"));
	CHECK(ar_decode("\x0b", 1, &ar, &why) < 0);     /* a group */
	/* an output file named twice */
	buf_reset(&b);
	ar_encode(A, 42, "{}", 2, &b);
	ar_encode(A, 42, "{}", 2, &b);
	CHECK(ar_decode(b.data, b.len, &ar, &why) < 0);
	buf_release(&b);
}

/* fields and output files it does not use are skipped: exit_code (4),
 * stdout_raw (5), another file */
static void
test_unknown_skipped(void)
{
	struct action_result ar;
	struct buf b = BUF_INIT;
	const char *why;

	buf_put(&b, "\x20\x00", 2);                       /* exit_code: 0 */
	buf_put(&b, "\x2a\x02hi", 4);                     /* stdout_raw: "hi" */
	buf_put(&b, "\x12\x05\x0a\x03log", 7);            /* output file "log" */
	ar_encode(A, 7, "{}", 2, &b);
	CHECK(ar_decode(b.data, b.len, &ar, &why) == 0);
	CHECK(ar.artifact.size == 7);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_encode_bytes);
	RUN(test_round_trip);
	RUN(test_malformed);
	RUN(test_unknown_skipped);
	return TEST_DONE();
}
