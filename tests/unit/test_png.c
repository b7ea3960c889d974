/* test_png.c - PNG encode/decode, text chunks, hostile input.
 *
 * Test PNGs in formats the encoder never writes (palette, grey, 16-bit,
 * interlaced, zTXt, ...) are built by hand here with zlib, so this file
 * does not need <png.h>. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "image.h"
#include "png.h"
#include "util.h"
#include "test.h"

/* A string literal and its length, NULs inside included. */
#define LIT(s) s, sizeof(s) - 1

static uint64_t rng_state = 0x243f6a8885a308d3u;

static unsigned
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 32);
}

static void
random_image(struct image *img, uint32_t w, uint32_t h, uint32_t c)
{
	size_t i;

	image_alloc(img, w, h, c);
	for (i = 0; i < (size_t)w * h * c; i++)
		img->px[i] = (uint8_t)rnd();
}

/* ---- building PNGs by hand ---- */

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff};

	buf_put(b, p, 4);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
chunk(struct buf *b, const char *type, const void *data, size_t len)
{
	uLong crc = crc32(0, (const Bytef *)type, 4);

	if (len)
		crc = crc32(crc, data, (uInt)len);
	put32(b, (uint32_t)len);
	buf_put(b, type, 4);
	buf_put(b, data, len);
	put32(b, (uint32_t)crc);
}

static void
png_start(struct buf *b, uint32_t w, uint32_t h, int depth, int ctype, int interlace)
{
	struct buf ihdr = BUF_INIT;

	buf_put(b, "\x89PNG\r\n\x1a\n", 8);
	put32(&ihdr, w);
	put32(&ihdr, h);
	buf_putc(&ihdr, depth);
	buf_putc(&ihdr, ctype);
	buf_putc(&ihdr, 0);
	buf_putc(&ihdr, 0);
	buf_putc(&ihdr, interlace);
	chunk(b, "IHDR", ihdr.data, ihdr.len);
	buf_release(&ihdr);
}

static void
zchunk(struct buf *b, const char *type, const void *head, size_t headlen,
       const void *data, size_t len)
{
	uLongf zlen = compressBound(len);
	unsigned char *z = xmalloc(zlen);
	struct buf body = BUF_INIT;

	compress2(z, &zlen, data, len, 9);
	buf_put(&body, head, headlen);
	buf_put(&body, z, zlen);
	chunk(b, type, body.data, body.len);
	buf_release(&body);
	free(z);
}

static void
png_end(struct buf *b)
{
	chunk(b, "IEND", NULL, 0);
}

/* Chunk types of a PNG, space-separated, for order checks. */
static char *
chunk_types(const struct buf *png)
{
	const unsigned char *p = (const unsigned char *)png->data;
	struct buf t = BUF_INIT;
	size_t pos = 8;

	while (pos + 12 <= png->len) {
		uint32_t len = get32(p + pos);

		if (t.len)
			buf_putc(&t, ' ');
		buf_put(&t, p + pos + 4, 4);
		pos += 12 + (size_t)len;
	}
	return buf_detach(&t, NULL);
}

static int
has_bytes(const struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return 1;
	return 0;
}

static int
meta_equal(const struct meta *a, const struct meta *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->entries[i].key, b->entries[i].key) != 0 ||
		    strcmp(a->entries[i].value, b->entries[i].value) != 0)
			return 0;
	return 1;
}

/* ---- tests ---- */

static void
test_meta_api(void)
{
	struct meta m = {0};

	CHECK(meta_get(&m, "a") == NULL);
	meta_add(&m, "a", "1");
	meta_add(&m, "b", "2");
	meta_add(&m, "a", "3");
	CHECK(m.n == 3);
	CHECK_STR(meta_get(&m, "a"), "1");
	CHECK_STR(meta_get(&m, "b"), "2");
	CHECK(meta_get(&m, "c") == NULL);
	CHECK_STR(m.entries[2].value, "3");
	meta_release(&m);
	CHECK(m.n == 0 && m.entries == NULL);
	meta_release(&m);
}

static void
roundtrip(uint32_t w, uint32_t h, uint32_t c, int level)
{
	struct image img, back;
	struct buf out = BUF_INIT;
	char *err = NULL;

	random_image(&img, w, h, c);
	CHECK(pngio_encode(&img, NULL, level, &out, &err) == 0);
	CHECK(err == NULL);
	CHECK(pngio_decode(out.data, out.len, &back, NULL, &err) == 0);
	CHECK(back.width == w && back.height == h && back.channels == c);
	CHECK(back.px && memcmp(back.px, img.px, (size_t)w * h * c) == 0);
	image_release(&img);
	image_release(&back);
	buf_release(&out);
}

static void
test_roundtrip(void)
{
	roundtrip(37, 23, 3, PNGIO_LEVEL_DEFAULT);
	roundtrip(37, 23, 4, PNGIO_LEVEL_DEFAULT);
	roundtrip(1, 1, 3, 0);
	roundtrip(1, 1, 4, 9);
	roundtrip(300, 2, 3, 1);
	roundtrip(2, 300, 4, 9);
}

/* Noise over gradients: compressible enough that matches reach back
 * across rows (and so across the deflate pieces' seams). */
static void
textured_image(struct image *img, uint32_t w, uint32_t h, uint32_t c)
{
	uint32_t x, y, k;

	image_alloc(img, w, h, c);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (k = 0; k < c; k++)
				img->px[((size_t)y * w + x) * c + k] = (uint8_t)(
					(x * (k + 1) + y * 3) / 4 + ((x / 16 + y / 16) % 3) * 20 + rnd() % 5);
}

/* The IDAT chunks of png, inflated with zlib's own inflate; NULL if the
 * stream is not exactly one complete zlib stream (Adler-32 checked). */
static unsigned char *
inflate_idat(const struct buf *png, size_t want)
{
	const unsigned char *p = (const unsigned char *)png->data;
	unsigned char *out = xmalloc(want + 1);
	struct buf z = BUF_INIT;
	size_t pos = 8;
	z_stream s;
	int r;

	while (pos + 12 <= png->len) {
		uint32_t len = get32(p + pos);

		if (memcmp(p + pos + 4, "IDAT", 4) == 0)
			buf_put(&z, p + pos + 8, len);
		pos += 12 + (size_t)len;
	}
	memset(&s, 0, sizeof(s));
	inflateInit(&s);
	s.next_in = (unsigned char *)z.data;
	s.avail_in = (uInt)z.len;
	s.next_out = out;
	s.avail_out = (uInt)want + 1;
	r = inflate(&s, Z_FINISH);
	if (r != Z_STREAM_END || s.total_out != want || s.avail_in != 0) {
		free(out);
		out = NULL;
	}
	inflateEnd(&s);
	buf_release(&z);
	return out;
}

/* Every filter and a few levels, on images of one piece and of many
 * (up to 4 pieces of 256 KiB, rows wider than the 32 KiB window): libpng
 * decodes the pixels exactly, zlib inflates one stream, and every row
 * carries the filter asked for. */
static void
test_filters_and_pieces(void)
{
	static const uint32_t sizes[][3] = {
		{ 37, 23, 3 }, { 700, 400, 3 }, { 300, 500, 4 }, { 9000, 16, 4 }, { 1, 3000, 3 },
	};
	static const int levels[] = { 0, 1, 3, 9 };
	size_t si, li;
	int f;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t w = sizes[si][0], h = sizes[si][1], c = sizes[si][2], y;
		size_t rowlen = (size_t)w * c + 1;
		struct image img;

		textured_image(&img, w, h, c);
		for (f = PNGIO_FILTER_NONE; f <= PNGIO_FILTER_ADAPTIVE; f++) {
			for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
				struct pngio_opts o = { levels[li], (enum pngio_filter)f, 2 };
				struct buf out = BUF_INIT;
				struct image back;
				unsigned char *raw;
				char *err = NULL;
				int ok = 1;

				if (levels[li] == 9 && si > 1)
					continue;       /* slow, and says nothing new */
				CHECK(pngio_encode_opts(&img, NULL, &o, &out, &err) == 0);
				CHECK(pngio_decode(out.data, out.len, &back, NULL, &err) == 0);
				CHECK(back.width == w && back.height == h && back.channels == c);
				CHECK(back.px && memcmp(back.px, img.px, (size_t)w * h * c) == 0);
				raw = inflate_idat(&out, (size_t)h * rowlen);
				CHECK(raw != NULL);
				for (y = 0; raw && y < h; y++)
					if (f == PNGIO_FILTER_ADAPTIVE ? raw[y * rowlen] > 4 : raw[y * rowlen] != f)
						ok = 0;
				CHECK(ok);
				if (!ok || !raw || !back.px)
					printf("#   %ux%ux%u %s level %d\n", w, h, c,
					       pngio_filter_name((enum pngio_filter)f), levels[li]);
				free(raw);
				image_release(&back);
				buf_release(&out);
			}
		}
		image_release(&img);
	}
}

/* The pieces are cut at fixed rows: the bytes do not depend on the
 * number of threads. */
static void
test_threads_same_bytes(void)
{
	static const int threads[] = { 0, 2, 3, 8 };
	struct image img;
	size_t t;
	int f;

	textured_image(&img, 640, 500, 3);      /* 4 pieces */
	for (f = PNGIO_FILTER_NONE; f <= PNGIO_FILTER_ADAPTIVE; f++) {
		struct buf one = BUF_INIT;
		char *err = NULL;
		struct pngio_opts o = { PNGIO_LEVEL_DEFAULT, (enum pngio_filter)f, 1 };

		CHECK(pngio_encode_opts(&img, NULL, &o, &one, &err) == 0);
		for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
			struct buf b = BUF_INIT;

			o.threads = threads[t];
			CHECK(pngio_encode_opts(&img, NULL, &o, &b, &err) == 0);
			CHECK(b.len == one.len && memcmp(b.data, one.data, one.len) == 0);
			buf_release(&b);
		}
		buf_release(&one);
	}
	image_release(&img);
}

static void
test_filter_names(void)
{
	enum pngio_filter f;
	int i;

	for (i = PNGIO_FILTER_NONE; i <= PNGIO_FILTER_ADAPTIVE; i++) {
		CHECK(pngio_filter_parse(pngio_filter_name((enum pngio_filter)i), &f) == 0);
		CHECK((int)f == i);
	}
	CHECK(pngio_filter_parse("Sub", &f) == -1);
	CHECK(pngio_filter_parse("", &f) == -1);
	CHECK(pngio_filter_parse("paeth ", &f) == -1);
}

static void
test_text_chunks(void)
{
	struct meta m = {0}, back = {0}, cheap = {0};
	struct image img, dec;
	struct buf out = BUF_INIT;
	char *err = NULL, *types;

	random_image(&img, 8, 5, 3);
	meta_add(&m, "Software", "assetgen 0.1.0");
	meta_add(&m, "prompt", "caf\xc3\xa9 \xe2\x98\x95 neon, \"Launch Sale\"");
	meta_add(&m, "Comment", "line one\nline two");
	meta_add(&m, "XML:com.adobe.xmp", "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>");
	meta_add(&m, "tab", "a\tb");
	meta_add(&m, "empty", "");
	meta_add(&m, "Software", "second entry, same key");
	CHECK(pngio_encode(&img, &m, PNGIO_LEVEL_DEFAULT, &out, &err) == 0);
	types = chunk_types(&out);
	CHECK_STR(types, "IHDR tEXt iTXt tEXt iTXt iTXt tEXt tEXt IDAT IEND");
	free(types);
	CHECK(!has_bytes(&out, LIT("tIME")));
	CHECK(has_bytes(&out, LIT("Software\0assetgen")));
	CHECK(pngio_decode(out.data, out.len, &dec, &back, &err) == 0);
	CHECK(meta_equal(&m, &back));
	CHECK(pngio_read_meta(out.data, out.len, &cheap, &err) == 0);
	CHECK(meta_equal(&m, &cheap));
	CHECK_STR(meta_get(&cheap, "prompt"), "caf\xc3\xa9 \xe2\x98\x95 neon, \"Launch Sale\"");
	image_release(&img);
	image_release(&dec);
	meta_release(&m);
	meta_release(&back);
	meta_release(&cheap);
	buf_release(&out);
}

static void
test_deterministic(void)
{
	struct meta m = {0};
	struct image img;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *err = NULL;

	random_image(&img, 64, 48, 4);
	meta_add(&m, "prompt", "a red fox \xe2\x80\x94 studio light");
	buf_put(&b, "prefix", 6);
	CHECK(pngio_encode(&img, &m, 6, &a, &err) == 0);
	CHECK(pngio_encode(&img, &m, 6, &b, &err) == 0);
	/* Appends: what was in the buffer stays. */
	CHECK(b.len == a.len + 6 && memcmp(b.data, "prefix", 6) == 0);
	CHECK(memcmp(a.data, b.data + 6, a.len) == 0);
	CHECK(!has_bytes(&a, LIT("tIME")));
	CHECK(!has_bytes(&a, LIT("gAMA")));
	image_release(&img);
	meta_release(&m);
	buf_release(&a);
	buf_release(&b);
}

static void
test_bad_encode(void)
{
	static const char *bad[] = {
		"", " lead", "trail ", "two  spaces", "ctl\x01", "del\x7f", "nbsp\xa0",
		"01234567890123456789012345678901234567890123456789012345678901234567890123456789",
	};
	struct image img;
	struct buf out = BUF_INIT;
	char *err = NULL;
	size_t i;

	random_image(&img, 4, 4, 3);
	buf_put(&out, "keep", 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct meta m = {0};

		meta_add(&m, "ok", "fine");
		meta_add(&m, bad[i], "value");
		CHECK(pngio_encode(&img, &m, 6, &out, &err) == -1);
		CHECK(err != NULL);
		free(err);
		err = NULL;
		meta_release(&m);
	}
	{
		struct meta m = {0};

		/* 79 characters and Latin-1 letters are fine */
		meta_add(&m, "0123456789012345678901234567890123456789012345678901234567890123456789012345678",
			 "v");
		meta_add(&m, "caf\xe9", "Latin-1 key");
		CHECK(pngio_encode(&img, &m, 6, &out, &err) == 0);
		meta_release(&m);
		out.len = 4;
		meta_add(&m, "bad", "\xff\xfe not UTF-8");
		CHECK(pngio_encode(&img, &m, 6, &out, &err) == -1);
		free(err);
		err = NULL;
		meta_release(&m);
	}
	CHECK(pngio_encode(&img, NULL, 10, &out, &err) == -1);
	free(err);
	err = NULL;
	{
		struct pngio_opts o = { 3, (enum pngio_filter)(PNGIO_FILTER_ADAPTIVE + 1), 1 };

		CHECK(pngio_encode_opts(&img, NULL, &o, &out, &err) == -1);
		free(err);
		err = NULL;
		o.filter = PNGIO_FILTER_SUB;
		o.level = -1;
		CHECK(pngio_encode_opts(&img, NULL, &o, &out, &err) == -1);
		free(err);
		err = NULL;
	}
	img.channels = 2;
	CHECK(pngio_encode(&img, NULL, 6, &out, &err) == -1);
	free(err);
	img.channels = 3;
	CHECK(out.len == 4 && memcmp(out.data, "keep", 4) == 0);
	image_release(&img);
	buf_release(&out);
}

static void
test_output_cap(void)
{
	struct image img;
	struct buf out;
	char *err = NULL;

	random_image(&img, 64, 64, 3);
	buf_init(&out, 1000);
	buf_put(&out, "x", 1);
	CHECK(pngio_encode(&img, NULL, 6, &out, &err) == -1);
	CHECK_STR(err, "output too large");
	CHECK(out.len == 1 && out.data[1] == '\0');
	free(err);
	image_release(&img);
	buf_release(&out);
}

static void
test_truncated(void)
{
	struct meta m = {0};
	struct image img;
	struct buf png = BUF_INIT;
	char *err = NULL;
	size_t n;
	int bad = 0, badmeta = 0, badmsg = 0;

	random_image(&img, 5, 4, 4);
	meta_add(&m, "prompt", "truncate me \xe2\x9c\x82");
	CHECK(pngio_encode(&img, &m, 6, &png, &err) == 0);
	meta_release(&m);
	for (n = 0; n < png.len; n++) {
		struct image dec = {0};
		struct meta got = {0};
		void *copy = xmalloc(n ? n : 1);    /* exact size, for ASan */

		memcpy(copy, png.data, n);
		if (pngio_decode(copy, n, &dec, &got, &err) != -1 || dec.px || got.n)
			bad++;
		if (!err || strcmp(err, "truncated") != 0)
			badmsg++;
		free(err);
		err = NULL;
		/* without meta, libpng alone must notice */
		if (pngio_decode(copy, n, &dec, NULL, &err) != -1 || dec.px)
			bad++;
		if (!err || strcmp(err, "truncated") != 0)
			badmsg++;
		free(err);
		err = NULL;
		if (pngio_read_meta(copy, n, &got, &err) != -1 || got.n || !err)
			badmeta++;
		free(err);
		err = NULL;
		free(copy);
	}
	CHECK(bad == 0);
	CHECK(badmeta == 0);
	CHECK(badmsg == 0);
	image_release(&img);
	buf_release(&png);
}

static void
test_garbage(void)
{
	static const char *junk[] = {
		"hello, world: definitely not a PNG file",
		"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		"\x89PNG\n\x1a\n\x00\x00\x00\x0dIHDR",  /* LF-mangled signature */
	};
	struct image img;
	struct meta m = {0};
	char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		CHECK(pngio_decode(junk[i], strlen(junk[i]), &img, NULL, &err) == -1);
		CHECK_STR(err, "not a PNG");
		free(err);
		CHECK(pngio_read_meta(junk[i], strlen(junk[i]), &m, &err) == -1);
		CHECK_STR(err, "not a PNG");
		free(err);
	}
	CHECK(pngio_decode("", 0, &img, NULL, &err) == -1);
	CHECK_STR(err, "truncated");
	free(err);
}

static void
test_corrupt(void)
{
	struct meta m = {0};
	struct image img;
	struct buf png = BUF_INIT;
	char *err = NULL, *copy;
	size_t i;
	int bad = 0, badmeta = 0;

	random_image(&img, 6, 5, 3);
	meta_add(&m, "Title", "flip me");
	CHECK(pngio_encode(&img, &m, 6, &png, &err) == 0);
	copy = xmalloc(png.len);
	/* The last byte is IEND's CRC. */
	memcpy(copy, png.data, png.len);
	copy[png.len - 1] ^= 0x40;
	image_release(&img);
	CHECK(pngio_decode(copy, png.len, &img, NULL, &err) == -1);
	CHECK(err && strstr(err, "CRC"));
	free(err);
	CHECK(pngio_read_meta(copy, png.len, &m, &err) == -1);
	CHECK(err && strstr(err, "CRC"));
	free(err);
	CHECK(m.n == 1);
	/* Any one flipped byte anywhere is caught. */
	for (i = 0; i < png.len; i++) {
		struct image dec;
		struct meta got = {0};

		memcpy(copy, png.data, png.len);
		copy[i] ^= 0x01;
		if (pngio_decode(copy, png.len, &dec, &got, &err) != -1 || dec.px || got.n)
			bad++;
		free(err);
		err = NULL;
		if (pngio_decode(copy, png.len, &dec, NULL, &err) != -1 || dec.px)
			bad++;
		free(err);
		err = NULL;
		if (pngio_read_meta(copy, png.len, &got, &err) != -1 || got.n)
			badmeta++;
		free(err);
		err = NULL;
	}
	CHECK(bad == 0);
	CHECK(badmeta == 0);
	free(copy);
	meta_release(&m);
	buf_release(&png);
}

static void
too_large(uint32_t w, uint32_t h)
{
	struct buf b = BUF_INIT;
	struct image img;
	struct meta m = {0};
	unsigned char row[7] = {0};
	char *err = NULL;

	png_start(&b, w, h, 8, 2, 0);
	zchunk(&b, "IDAT", NULL, 0, row, sizeof(row));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == -1);
	CHECK_STR(err, "image too large");
	CHECK(img.px == NULL);
	free(err);
	/* Only the pixels are too many: the text is readable. */
	CHECK(pngio_read_meta(b.data, b.len, &m, &err) == 0);
	meta_release(&m);
	buf_release(&b);
}

static void
test_too_large(void)
{
	too_large(IMAGE_MAX_OUT + 1, 1);
	too_large(1, IMAGE_MAX_OUT + 1);
	too_large(20000, 20000);
	too_large(0x7fffffff, 0x7fffffff);
}

static void
test_palette(void)
{
	static const unsigned char plte[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
	static const unsigned char trns[2] = {128, 0};
	/* 4 x 2, 2 bits per index: 0 1 2 3 / 3 2 1 0 */
	static const unsigned char raw[] = {0, 0x1b, 0, 0xe4};
	struct buf b = BUF_INIT;
	struct image img;
	char *err = NULL;

	png_start(&b, 4, 2, 2, 3, 0);
	chunk(&b, "PLTE", plte, sizeof(plte));
	zchunk(&b, "IDAT", NULL, 0, raw, sizeof(raw));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.width == 4 && img.height == 2 && img.channels == 3);
	CHECK(img.px && memcmp(img.px, plte, 12) == 0);
	CHECK(img.px && memcmp(img.px + 12, "\x0a\x14\x1e\x00\x00\xff\x00\xff\x00\xff\x00\x00",
			       12) == 0);
	image_release(&img);
	buf_release(&b);

	/* with tRNS: RGBA */
	png_start(&b, 4, 2, 2, 3, 0);
	chunk(&b, "PLTE", plte, sizeof(plte));
	chunk(&b, "tRNS", trns, sizeof(trns));
	zchunk(&b, "IDAT", NULL, 0, raw, sizeof(raw));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.channels == 4);
	CHECK(img.px && memcmp(img.px, "\xff\x00\x00\x80\x00\xff\x00\x00\x00\x00\xff\xff"
			       "\x0a\x14\x1e\xff", 16) == 0);
	image_release(&img);
	buf_release(&b);
}

static void
test_grey(void)
{
	/* 3 x 2 16-bit grey, values v * 257 */
	static const unsigned char g16[] = {
		0, 0x00, 0x00, 0x12, 0x12, 0xff, 0xff,
		0, 0x80, 0x80, 0x01, 0x01, 0x7f, 0x7f,
	};
	static const unsigned char expect16[] = {0, 0x12, 0xff, 0x80, 0x01, 0x7f};
	/* 10 x 1 1-bit grey */
	static const unsigned char g1[] = {0, 0xa5, 0x40};
	/* 2 x 1 grey + alpha */
	static const unsigned char ga[] = {0, 0x20, 0xff, 0x90, 0x00};
	struct buf b = BUF_INIT;
	struct image img;
	char *err = NULL;
	int i, bad = 0;

	png_start(&b, 3, 2, 16, 0, 0);
	zchunk(&b, "IDAT", NULL, 0, g16, sizeof(g16));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.width == 3 && img.height == 2 && img.channels == 3);
	for (i = 0; img.px && i < 18; i++)
		bad += img.px[i] != expect16[i / 3];
	CHECK(bad == 0);
	image_release(&img);
	buf_release(&b);

	png_start(&b, 10, 1, 1, 0, 0);
	zchunk(&b, "IDAT", NULL, 0, g1, sizeof(g1));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.channels == 3);
	for (i = 0, bad = 0; img.px && i < 30; i++) {
		int bit = i / 3 < 8 ? (0xa5 >> (7 - i / 3)) & 1 : (0x40 >> (15 - i / 3)) & 1;

		bad += img.px[i] != (bit ? 255 : 0);
	}
	CHECK(bad == 0);
	image_release(&img);
	buf_release(&b);

	png_start(&b, 2, 1, 8, 4, 0);
	zchunk(&b, "IDAT", NULL, 0, ga, sizeof(ga));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.channels == 4);
	CHECK(img.px && memcmp(img.px, "\x20\x20\x20\xff\x90\x90\x90\x00", 8) == 0);
	image_release(&img);
	buf_release(&b);

	/* grey with tRNS: the transparent grey level becomes alpha 0 */
	png_start(&b, 2, 1, 8, 0, 0);
	chunk(&b, "tRNS", LIT("\x00\x20"));
	zchunk(&b, "IDAT", NULL, 0, LIT("\x00\x20\x90"));
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.channels == 4);
	CHECK(img.px && memcmp(img.px, "\x20\x20\x20\x00\x90\x90\x90\xff", 8) == 0);
	image_release(&img);
	buf_release(&b);
}

/* Adam7: pass p covers rows y0 + k*dy, columns x0 + k*dx. */
static void
test_interlaced(void)
{
	static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
	static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
	struct image src, img;
	struct buf raw = BUF_INIT, b = BUF_INIT;
	char *err = NULL;
	int p, x, y;

	random_image(&src, 9, 7, 3);
	for (p = 0; p < 7; p++) {
		if (x0[p] >= 9 || y0[p] >= 7)
			continue;
		for (y = y0[p]; y < 7; y += dy[p]) {
			buf_putc(&raw, 0);
			for (x = x0[p]; x < 9; x += dx[p])
				buf_put(&raw, src.px + (y * 9 + x) * 3, 3);
		}
	}
	png_start(&b, 9, 7, 8, 2, 1);
	zchunk(&b, "IDAT", NULL, 0, raw.data, raw.len);
	png_end(&b);
	CHECK(pngio_decode(b.data, b.len, &img, NULL, &err) == 0);
	CHECK(img.width == 9 && img.height == 7 && img.channels == 3);
	CHECK(img.px && memcmp(img.px, src.px, 9 * 7 * 3) == 0);
	image_release(&src);
	image_release(&img);
	buf_release(&raw);
	buf_release(&b);
}

/* Every text chunk kind, before and after IDAT, plus ones to skip. */
#define ITXT_TEXT "na\xc3\xafve \xe2\x98\x95"
static void
test_read_meta_agrees(void)
{
	static const unsigned char raw[] = {0, 1, 2, 3, 4, 5, 6};
	struct buf b = BUF_INIT;
	struct meta dm = {0}, rm = {0};
	struct image img;
	char *err = NULL;

	png_start(&b, 2, 1, 8, 2, 0);
	chunk(&b, "tEXt", LIT("Author\0caf\xe9"));
	zchunk(&b, "zTXt", LIT("Description\0\0"), LIT("zipped text"));
	zchunk(&b, "iTXt", LIT("Title\0\1\0en\0Titel\0"), LIT(ITXT_TEXT));
	chunk(&b, "iTXt", LIT("Plain\0\0\0de\0\0bad \xff utf8"));
	chunk(&b, "tEXt", LIT(" bad key\0skipped"));
	chunk(&b, "tEXt", LIT("nokeyterminator"));
	zchunk(&b, "zTXt", LIT("Broken\0\1"), LIT("x"));     /* bad method */
	chunk(&b, "bKGD", LIT("\0\0\0\0\0\0"));
	zchunk(&b, "IDAT", NULL, 0, raw, sizeof(raw));
	chunk(&b, "tEXt", LIT("After\0IDAT"));
	png_end(&b);
	buf_put(&b, "trailing junk", 13);
	CHECK(pngio_decode(b.data, b.len, &img, &dm, &err) == 0);
	CHECK(img.px && memcmp(img.px, raw + 1, 6) == 0);
	CHECK(pngio_read_meta(b.data, b.len, &rm, &err) == 0);
	CHECK(meta_equal(&dm, &rm));
	CHECK(rm.n == 5);
	CHECK_STR(meta_get(&rm, "Author"), "caf\xc3\xa9");
	CHECK_STR(meta_get(&rm, "Description"), "zipped text");
	CHECK_STR(meta_get(&rm, "Title"), ITXT_TEXT);
	CHECK_STR(meta_get(&rm, "Plain"), "bad \xef\xbf\xbd utf8");
	CHECK_STR(meta_get(&rm, "After"), "IDAT");
	CHECK(rm.n == 5 && strcmp(rm.entries[4].key, "After") == 0);
	image_release(&img);
	meta_release(&dm);
	meta_release(&rm);
	buf_release(&b);
}

/* A zTXt bomb: 64 MiB of zeros in about 64 KiB is dropped, not inflated. */
static void
test_text_bomb(void)
{
	static const unsigned char raw[] = {0, 1, 2, 3};
	size_t n = (size_t)64 << 20;
	unsigned char *zeros = xcalloc(n, 1);
	struct buf b = BUF_INIT;
	struct meta m = {0};
	struct image img;
	char *err = NULL;

	png_start(&b, 1, 1, 8, 2, 0);
	zchunk(&b, "zTXt", LIT("Bomb\0\0"), zeros, n);
	chunk(&b, "tEXt", LIT("Fine\0yes"));
	zchunk(&b, "IDAT", NULL, 0, raw, sizeof(raw));
	png_end(&b);
	free(zeros);
	CHECK(b.len < 200000);
	CHECK(pngio_read_meta(b.data, b.len, &m, &err) == 0);
	CHECK(m.n == 1);
	CHECK_STR(meta_get(&m, "Fine"), "yes");
	meta_release(&m);
	CHECK(pngio_decode(b.data, b.len, &img, &m, &err) == 0);
	CHECK(m.n == 1);
	meta_release(&m);
	image_release(&img);
	buf_release(&b);
}

/* A 65-byte file claiming 16384x16384 with 8 bytes of IDAT is refused
 * before its gigabyte raster is allocated; the most compressible real
 * image (one colour, the best compression) still decodes. */
static void
test_idat_too_short(void)
{
	static const unsigned char bomb[] = {
		0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
		0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, 0x00,
		0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0xaa, 0x87, 0xd3, 0x00, 0x00, 0x00,
		0x08, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x03, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x6f, 0xdd, 0xc9, 0x91, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
		0x44, 0x2e, 0x42, 0x60, 0x82,
	};
	struct pngio_opts o = { 9, PNGIO_FILTER_NONE, 1 };
	struct image img, back;
	struct buf b = BUF_INIT;
	char *err = NULL;

	CHECK(pngio_decode(bomb, sizeof(bomb), &img, NULL, &err) == -1);
	CHECK(err && strstr(err, "truncated image data"));
	free(err);
	err = NULL;

	CHECK(image_alloc(&img, 2048, 2048, 3) == 0);
	memset(img.px, 0, (size_t)2048 * 2048 * 3);
	CHECK(pngio_encode_opts(&img, NULL, &o, &b, &err) == 0);
	CHECK(pngio_decode(b.data, b.len, &back, NULL, &err) == 0);
	CHECK(back.width == 2048 && back.height == 2048);
	image_release(&back);
	image_release(&img);
	buf_release(&b);
}

int
main(void)
{
	RUN(test_meta_api);
	RUN(test_roundtrip);
	RUN(test_filters_and_pieces);
	RUN(test_threads_same_bytes);
	RUN(test_filter_names);
	RUN(test_text_chunks);
	RUN(test_deterministic);
	RUN(test_bad_encode);
	RUN(test_output_cap);
	RUN(test_truncated);
	RUN(test_garbage);
	RUN(test_corrupt);
	RUN(test_too_large);
	RUN(test_palette);
	RUN(test_grey);
	RUN(test_interlaced);
	RUN(test_read_meta_agrees);
	RUN(test_text_bomb);
	RUN(test_idat_too_short);
	return TEST_DONE();
}
