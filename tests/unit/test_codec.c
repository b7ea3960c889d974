/* test_codec.c - sniffing, decoding, limits, encoding, metadata, resizing.
 *
 * The images are made here with the codec's own encoders; three JPEGs the
 * encoder never writes (CMYK, grey, progressive) are fixtures in
 * tests/fixtures/ (see the README there).
 *
 * `test_codec --write DIR` writes sample.jpg, sample.webp and sample.avif
 * with an XMP packet into DIR, and plain.* the same without, and exits:
 * tests/cli/t0100-codec-exiftool.sh reads them back with exiftool. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "buf.h"
#include "codec.h"
#include "image.h"
#include "png.h"
#include "util.h"
#include "test.h"

static const char XMP[] =
	"<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
	" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
	"  <rdf:Description rdf:about=\"\"\n"
	"    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\">\n"
	"   <Iptc4xmpExt:DigitalSourceType>"
	"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
	"</Iptc4xmpExt:DigitalSourceType>\n"
	"  </rdf:Description>\n"
	" </rdf:RDF>\n"
	"</x:xmpmeta>\n"
	"<?xpacket end=\"r\"?>";

static const enum codec_format lossy[] = {CODEC_JPEG, CODEC_WEBP, CODEC_AVIF};
static const enum codec_format all[] = {CODEC_PNG, CODEC_JPEG, CODEC_WEBP, CODEC_AVIF};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *top = ".";

/* Smooth gradients, a disc and a bar: what photographs and renders look
 * like to a codec, so that PSNR bounds mean something. */
static void
scene(struct image *img, uint32_t w, uint32_t h, uint32_t c)
{
	uint32_t x, y;
	uint8_t *p;

	image_alloc(img, w, h, c);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			double dx = x - w * 0.6, dy = y - h * 0.4;
			int disc = dx * dx + dy * dy < (h * 0.25) * (h * 0.25);

			p = img->px + ((size_t)y * w + x) * c;
			p[0] = (uint8_t)(disc ? 230 : 40 + 180 * x / w);
			p[1] = (uint8_t)(disc ? 200 : 30 + 150 * y / h);
			p[2] = (uint8_t)(y > h * 3 / 4 && x < w / 3 ? 240 : 90 + 60 * (x + y) / (w + h));
			if (c == 4)
				p[3] = (uint8_t)(255 * x / (w - 1));
		}
}

/* PSNR over the first `ch` channels of a and b (same size). */
static double
psnr(const struct image *a, const struct image *b, uint32_t ch)
{
	double se = 0, d;
	size_t i, n = (size_t)a->width * a->height;
	uint32_t k;

	for (i = 0; i < n; i++)
		for (k = 0; k < ch; k++) {
			d = (double)a->px[i * a->channels + k] - b->px[i * b->channels + k];
			se += d * d;
		}
	if (se == 0)
		return 99;
	return 10 * log10(255.0 * 255.0 * n * ch / se);
}

static int
encode(const struct image *img, enum codec_format f, const struct codec_encode_opts *o, struct buf *out)
{
	char *err = NULL;
	int rc = codec_encode(img, f, o, out, NULL, &err);

	if (rc < 0) {
		printf("#   encode %s: %s\n", codec_format_name(f), err);
		free(err);
	}
	return rc;
}

static const uint8_t *
find(const void *hay, size_t n, const void *needle, size_t m)
{
	const uint8_t *h = hay;
	size_t i;

	for (i = 0; m <= n && i <= n - m; i++)
		if (memcmp(h + i, needle, m) == 0)
			return h + i;
	return NULL;
}

static char *
slurp(const char *rel, size_t *len)
{
	char *path = xasprintf("%s/%s", top, rel), *data;
	FILE *f = fopen(path, "rb");
	long n;

	free(path);
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	fclose(f);
	return data;
}

/* ---- formats and sniffing ---- */

static void
test_format_names(void)
{
	enum codec_format f;
	size_t i;

	for (i = 0; i < N(all); i++) {
		CHECK(codec_format_parse(codec_format_name(all[i]), &f) == 0 && f == all[i]);
		CHECK(str_has_prefix(codec_format_mime(all[i]), "image/"));
	}
	CHECK(codec_format_parse("jpg", &f) == 0 && f == CODEC_JPEG);
	CHECK(codec_format_parse("gif", &f) < 0);
	CHECK_STR(codec_format_mime(CODEC_AVIF), "image/avif");
	CHECK_STR(codec_format_name(CODEC_UNKNOWN), "unknown");
}

static void
test_sniff(void)
{
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
	static const char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
	static const char wave[] = "RIFF\x10\0\0\0WAVEfmt ";
	static const char avif[] = "\0\0\0\x1c" "ftypavif\0\0\0\0avifmif1miaf";
	static const char avis[] = "\0\0\0\x18" "ftypavis\0\0\0\0avismif1";
	/* major brand mif1, avif only among the compatible ones */
	static const char compat[] = "\0\0\0\x1c" "ftypmif1\0\0\0\0mif1miafavif";
	static const char heic[] = "\0\0\0\x18" "ftypheic\0\0\0\0mif1heic";
	/* "avif" as the minor version is not a brand */
	static const char minor[] = "\0\0\0\x18" "ftypheicavifmif1heic";

	CHECK(codec_sniff(png, sizeof(png)) == CODEC_PNG);
	CHECK(codec_sniff(png, 7) == CODEC_UNKNOWN);
	CHECK(codec_sniff(jpeg, sizeof(jpeg)) == CODEC_JPEG);
	CHECK(codec_sniff(jpeg, 2) == CODEC_UNKNOWN);
	CHECK(codec_sniff(webp, sizeof(webp) - 1) == CODEC_WEBP);
	CHECK(codec_sniff(wave, sizeof(wave) - 1) == CODEC_UNKNOWN);
	CHECK(codec_sniff(avif, sizeof(avif) - 1) == CODEC_AVIF);
	CHECK(codec_sniff(avis, sizeof(avis) - 1) == CODEC_AVIF);
	CHECK(codec_sniff(compat, sizeof(compat) - 1) == CODEC_AVIF);
	CHECK(codec_sniff(heic, sizeof(heic) - 1) == CODEC_UNKNOWN);
	CHECK(codec_sniff(minor, sizeof(minor) - 1) == CODEC_UNKNOWN);
	CHECK(codec_sniff("GIF89a", 6) == CODEC_UNKNOWN);
	CHECK(codec_sniff("", 0) == CODEC_UNKNOWN);
}

/* What each encoder writes is what the sniffer says it is, whatever a
 * label (a MIME type, a file name) claims. */
static void
test_sniff_encoded(void)
{
	struct image img;
	struct buf b = BUF_INIT;
	size_t i;

	scene(&img, 40, 24, 3);
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		if (encode(&img, all[i], NULL, &b) == 0)
			CHECK(codec_sniff(b.data, b.len) == all[i]);
		else
			CHECK(0);
	}
	buf_release(&b);
	image_release(&img);
}

/* ---- decoding ---- */

static void
test_round_trip(void)
{
	/* decoded PSNR at the default quality, in dB; measured 35-42 */
	static const double floor_db[] = {99, 32, 32, 32};
	struct image img, back;
	struct codec_info info;
	struct buf b = BUF_INIT;
	char *err = NULL;
	size_t i;

	scene(&img, 128, 96, 3);
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		if (encode(&img, all[i], NULL, &b) < 0) {
			CHECK(0);
			continue;
		}
		if (codec_decode(b.data, b.len, NULL, &back, &info, &err) < 0) {
			printf("#   decode %s: %s\n", codec_format_name(all[i]), err);
			free(err);
			err = NULL;
			CHECK(0);
			continue;
		}
		CHECK(info.format == all[i]);
		CHECK(back.width == 128 && back.height == 96 && back.channels == 3);
		CHECK(info.width == 128 && info.height == 96 && !info.alpha && info.orientation == 1);
		if (psnr(&img, &back, 3) < floor_db[i]) {
			printf("#   %s: psnr %.2f < %.0f\n", codec_format_name(all[i]), psnr(&img, &back, 3), floor_db[i]);
			CHECK(0);
		}
		image_release(&back);
	}
	buf_release(&b);
	image_release(&img);
}

/* Quality is passed on: a higher one gives more bytes and a closer image. */
static void
test_quality(void)
{
	struct image img, lo_img, hi_img;
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	struct codec_encode_opts o = {0};
	char *err = NULL;
	size_t i;

	scene(&img, 96, 64, 3);
	for (i = 0; i < N(lossy); i++) {
		buf_reset(&lo);
		buf_reset(&hi);
		o.quality = 20;
		encode(&img, lossy[i], &o, &lo);
		o.quality = 95;
		encode(&img, lossy[i], &o, &hi);
		CHECK(lo.len > 0 && hi.len > lo.len);
		CHECK(codec_decode(lo.data, lo.len, NULL, &lo_img, NULL, &err) == 0);
		CHECK(codec_decode(hi.data, hi.len, NULL, &hi_img, NULL, &err) == 0);
		if (lo_img.px && hi_img.px)
			CHECK(psnr(&img, &hi_img, 3) > psnr(&img, &lo_img, 3) + 2);
		image_release(&lo_img);
		image_release(&hi_img);
	}
	o.quality = 101;
	CHECK(codec_encode(&img, CODEC_WEBP, &o, &lo, NULL, &err) < 0);
	CHECK_STR(err, "quality 101 out of range 1-100");
	free(err);
	/* speed is passed on too, and checked */
	o.quality = 0;
	buf_reset(&lo);
	buf_reset(&hi);
	encode(&img, CODEC_AVIF, &o, &lo);
	o.speed = 10;
	encode(&img, CODEC_AVIF, &o, &hi);
	CHECK(lo.len > 0 && hi.len > 0 && (lo.len != hi.len || memcmp(lo.data, hi.data, lo.len) != 0));
	o.speed = 11;
	CHECK(codec_encode(&img, CODEC_AVIF, &o, &lo, NULL, &err) < 0);
	CHECK_STR(err, "avif speed 11 out of range 1-10");
	free(err);
	o.speed = 7;
	CHECK(codec_encode(&img, CODEC_WEBP, &o, &lo, NULL, &err) < 0);
	CHECK_STR(err, "webp method 7 out of range 1-6");
	free(err);
	buf_release(&lo);
	buf_release(&hi);
	image_release(&img);
}

static void
test_alpha(void)
{
	struct image img, back, opaque;
	struct codec_info info;
	struct buf b = BUF_INIT;
	struct codec_encode_opts o = {.matte = 0xffffff};
	char *err = NULL;
	size_t i;

	scene(&img, 64, 48, 4);
	/* PNG, WebP and AVIF keep alpha */
	for (i = 0; i < N(all); i++) {
		if (all[i] == CODEC_JPEG)
			continue;
		buf_reset(&b);
		CHECK(encode(&img, all[i], NULL, &b) == 0);
		CHECK(codec_decode(b.data, b.len, NULL, &back, &info, &err) == 0);
		CHECK(back.channels == 4 && info.alpha);
		if (back.px && back.channels == 4) {
			struct image a1 = img, a2 = back;

			/* compare the alpha plane: shift the views by 3 bytes */
			a1.px += 3;
			a2.px += 3;
			a1.width = a2.width = 64 * 48 - 1;
			a1.height = a2.height = 1;
			CHECK(psnr(&a1, &a2, 1) > 35);
		}
		image_release(&back);
	}
	/* JPEG: composited over the matte, here white */
	buf_reset(&b);
	CHECK(encode(&img, CODEC_JPEG, &o, &b) == 0);
	CHECK(codec_decode(b.data, b.len, NULL, &back, &info, &err) == 0);
	CHECK(back.channels == 3 && !info.alpha);
	if (back.px) {
		/* left column: alpha 0, so white; right column: the pixel itself */
		uint8_t *l = back.px + (size_t)(24 * 64) * 3, *r = back.px + (size_t)(24 * 64 + 63) * 3;
		const uint8_t *src = img.px + (size_t)(24 * 64 + 63) * 4;

		CHECK(l[0] > 240 && l[1] > 240 && l[2] > 240);
		CHECK(abs(r[0] - src[0]) < 16 && abs(r[1] - src[1]) < 16 && abs(r[2] - src[2]) < 16);
	}
	image_release(&back);
	/* RGBA whose alpha is 255 everywhere is written as RGB */
	scene(&opaque, 32, 32, 4);
	for (i = 0; i < (size_t)32 * 32; i++)
		opaque.px[i * 4 + 3] = 255;
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		CHECK(encode(&opaque, all[i], NULL, &b) == 0);
		CHECK(codec_decode(b.data, b.len, NULL, &back, &info, &err) == 0);
		CHECK(back.channels == 3 && !info.alpha);
		image_release(&back);
	}
	image_release(&opaque);
	buf_release(&b);
	image_release(&img);
}

static void
test_fixtures(void)
{
	static const char *names[] = {"tests/fixtures/cmyk.jpg", "tests/fixtures/gray.jpg",
				      "tests/fixtures/progressive.jpg"};
	struct image img;
	struct codec_info info;
	char *data, *err = NULL;
	size_t len, i;
	uint8_t *p;

	for (i = 0; i < N(names); i++) {
		if (!(data = slurp(names[i], &len))) {
			printf("#   cannot read %s\n", names[i]);
			CHECK(0);
			continue;
		}
		if (codec_decode(data, len, NULL, &img, &info, &err) < 0) {
			printf("#   %s: %s\n", names[i], err);
			free(err);
			err = NULL;
			CHECK(0);
			free(data);
			continue;
		}
		CHECK(img.channels == 3);
		p = img.px;
		switch (i) {
		case 0:     /* CMYK (Adobe YCCK): 8 red columns, then 8 blue */
			CHECK(img.width == 16 && img.height == 8);
			CHECK(p[0] > 200 && p[1] < 60 && p[2] < 60);
			p += 15 * 3;
			CHECK(p[0] < 60 && p[1] < 60 && p[2] > 200);
			break;
		case 1:     /* grey 20% then 80%, as RGB */
			CHECK(img.width == 16 && img.height == 8);
			CHECK(p[0] == p[1] && p[1] == p[2] && abs(p[0] - 51) < 6);
			p += 15 * 3;
			CHECK(p[0] == p[1] && p[1] == p[2] && abs(p[0] - 204) < 6);
			break;
		default:    /* progressive 32x32, red at the top to blue at the bottom */
			CHECK(img.width == 32 && img.height == 32);
			CHECK(p[0] > 200 && p[2] < 60);
			p += (size_t)31 * 32 * 3;
			CHECK(p[0] < 60 && p[2] > 200);
		}
		image_release(&img);
		free(data);
	}
}

/* An APP1 Exif segment with IFD0 holding only Orientation. */
static void
put_exif(struct buf *b, int orientation, int little)
{
	uint8_t seg[] = {
		0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1,                                   /* one entry */
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (uint8_t)orientation, 0, 0,
		0, 0, 0, 0,                             /* no next IFD */
	};

	if (little) {
		static const uint8_t le[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
					     0x12, 0x01, 3, 0, 1, 0, 0, 0};

		memcpy(seg + 10, le, sizeof(le));
		seg[28] = (uint8_t)orientation;
		seg[29] = 0;
	}
	buf_put(b, seg, sizeof(seg));
}

static void
test_exif_orientation(void)
{
	/* left half red, right half blue, 16x8 as stored */
	static const struct { int o; uint32_t w, h; int first_red; } cases[] = {
		{1, 16, 8, 1}, {2, 16, 8, 0}, {3, 16, 8, 0}, {4, 16, 8, 1},
		{5, 8, 16, 1}, {6, 8, 16, 1}, {7, 8, 16, 0}, {8, 8, 16, 0},
	};
	struct image img, back;
	struct codec_info info;
	struct buf plain = BUF_INIT, b = BUF_INIT;
	struct codec_encode_opts o = {.quality = 95, .chroma444 = 1};
	char *err = NULL;
	uint32_t x, y;
	size_t i;
	uint8_t *first, *last;

	image_alloc(&img, 16, 8, 3);
	for (y = 0; y < 8; y++)
		for (x = 0; x < 16; x++)
			img.px[(y * 16 + x) * 3 + (x < 8 ? 0 : 2)] = 255;
	CHECK(encode(&img, CODEC_JPEG, &o, &plain) == 0);
	for (i = 0; i < N(cases); i++) {
		buf_reset(&b);
		buf_put(&b, plain.data, 2);                     /* SOI */
		put_exif(&b, cases[i].o, (int)(i & 1));
		buf_put(&b, plain.data + 2, plain.len - 2);
		if (codec_decode(b.data, b.len, NULL, &back, &info, &err) < 0) {
			printf("#   orientation %d: %s\n", cases[i].o, err);
			free(err);
			err = NULL;
			CHECK(0);
			continue;
		}
		CHECK(info.orientation == cases[i].o);
		CHECK(back.width == cases[i].w && back.height == cases[i].h);
		CHECK(info.width == back.width && info.height == back.height);
		/* the first and last pixels in reading order */
		first = back.px;
		last = back.px + ((size_t)back.width * back.height - 1) * 3;
		if (cases[i].first_red) {
			CHECK(first[0] > 200 && first[2] < 60);
			CHECK(last[2] > 200 && last[0] < 60);
		} else {
			CHECK(first[2] > 200 && first[0] < 60);
			CHECK(last[0] > 200 && last[2] < 60);
		}
		image_release(&back);
	}
	/* a probe reports the shown size too */
	buf_reset(&b);
	buf_put(&b, plain.data, 2);
	put_exif(&b, 6, 0);
	buf_put(&b, plain.data + 2, plain.len - 2);
	CHECK(codec_probe(b.data, b.len, NULL, &info, &err) == 0 && info.width == 8 && info.height == 16);
	buf_release(&plain);
	buf_release(&b);
	image_release(&img);
}

/* ---- hostile input ---- */

static void
check_error(const void *data, size_t len, const struct codec_limits *lim, const char *want)
{
	struct image img = {0};
	struct codec_info info;
	char *err = NULL;

	if (codec_decode(data, len, lim, &img, &info, &err) == 0) {
		printf("#   decoded, expected \"%s\"\n", want);
		CHECK(0);
		image_release(&img);
		return;
	}
	CHECK(img.px == NULL && img.width == 0);
	if (!err || !strstr(err, want)) {
		printf("#   error \"%s\", expected \"%s\"\n", err ? err : "(none)", want);
		CHECK(0);
	}
	free(err);
}

static void
test_limits(void)
{
	struct codec_limits side = {.max_side = 100}, pixels = {.max_pixels = 5000}, bytes = {.max_bytes = 50};
	struct image img;
	struct codec_info info;
	struct buf b = BUF_INIT;
	char *err = NULL;
	size_t i;

	scene(&img, 120, 48, 3);
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		CHECK(encode(&img, all[i], NULL, &b) == 0);
		check_error(b.data, b.len, &side, "image too large: 120x48 (limit 100 pixels a side)");
		check_error(b.data, b.len, &pixels, "image too large: 120x48 is 5760 pixels (limit 5000)");
		check_error(b.data, b.len, &bytes, "file too large: ");
		CHECK(codec_probe(b.data, b.len, &side, &info, &err) < 0);
		free(err);
		err = NULL;
		CHECK(codec_probe(b.data, b.len, NULL, &info, &err) == 0);
		CHECK(info.format == all[i] && info.width == 120 && info.height == 48);
	}
	buf_release(&b);
	image_release(&img);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Small files that claim a huge image are refused before anything is
 * allocated for it (the sanitizer build would run out of memory or time
 * otherwise). */
static void
test_bombs(void)
{
	struct codec_limits small = {.max_pixels = 1000};
	struct image img;
	struct buf b = BUF_INIT;
	uint8_t *p;
	size_t i;

	scene(&img, 64, 48, 3);
	/* PNG: the IHDR says 100000 x 100000 */
	CHECK(encode(&img, CODEC_PNG, NULL, &b) == 0);
	put_be32((uint8_t *)b.data + 16, 100000);
	put_be32((uint8_t *)b.data + 20, 100000);
	check_error(b.data, b.len, NULL, "image too large: 100000x100000 (limit 8192 pixels a side)");
	/* PNG: within the side limit, past the pixel limit */
	put_be32((uint8_t *)b.data + 16, 8000);
	put_be32((uint8_t *)b.data + 20, 8000);
	check_error(b.data, b.len, NULL, "image too large: 8000x8000 is 64000000 pixels (limit 33554432)");
	/* JPEG: the SOF says 60000 x 60000 */
	buf_reset(&b);
	CHECK(encode(&img, CODEC_JPEG, NULL, &b) == 0);
	p = (uint8_t *)b.data;
	for (i = 2; i + 9 < b.len; i++)
		if (p[i] == 0xff && (p[i + 1] == 0xc0 || p[i + 1] == 0xc2)) {
			p[i + 5] = 60000 >> 8;
			p[i + 6] = 60000 & 0xff;
			p[i + 7] = 60000 >> 8;
			p[i + 8] = 60000 & 0xff;
			break;
		}
	check_error(b.data, b.len, NULL, "image too large: 60000x60000");
	/* WebP: the VP8 frame header says 16000 x 16000 */
	buf_reset(&b);
	CHECK(encode(&img, CODEC_WEBP, NULL, &b) == 0);
	p = (uint8_t *)b.data;
	CHECK(memcmp(p + 12, "VP8 ", 4) == 0 && p[23] == 0x9d && p[24] == 0x01 && p[25] == 0x2a);
	p[26] = 16000 & 0xff;
	p[27] = 16000 >> 8;
	p[28] = 16000 & 0xff;
	p[29] = 16000 >> 8;
	check_error(b.data, b.len, NULL, "image too large: 16000x16000");
	/* AVIF: the ispe property says 100000 x 100000; libavif is given the
	 * same limits (they also bound the AV1 decoder's frame size) */
	buf_reset(&b);
	CHECK(encode(&img, CODEC_AVIF, NULL, &b) == 0);
	p = (uint8_t *)find(b.data, b.len, "ispe", 4);
	CHECK(p != NULL);
	if (p) {
		put_be32(p + 8, 100000);
		put_be32(p + 12, 100000);
		check_error(b.data, b.len, NULL, "too large");
		/* the container says 20 x 20, within the limit; the AV1 frame
		 * inside is 64 x 48, past it: the AV1 decoder is held to the
		 * limit too, not only the container */
		put_be32(p + 8, 20);
		put_be32(p + 12, 20);
		check_error(b.data, b.len, &small, "avif: ");
	}
	buf_release(&b);
	image_release(&img);
}

/* A progressive JPEG's first scan repeated 600 times: libjpeg only warns
 * about the bogus progression, and would read every one. */
static void
test_scan_bomb(void)
{
	struct buf b = BUF_INIT;
	char *data;
	const uint8_t *p, *sos, *next;
	size_t len, i;

	if (!(data = slurp("tests/fixtures/progressive.jpg", &len))) {
		CHECK(0);
		return;
	}
	p = (const uint8_t *)data;
	sos = find(p, len, "\xff\xda", 2);
	CHECK(sos != NULL);
	if (!sos) {
		free(data);
		return;
	}
	/* the scan ends at the next marker that is not a stuffed 0xff00 or a restart */
	for (next = sos + 2; next + 1 < p + len; next++)
		if (next[0] == 0xff && next[1] != 0 && (next[1] < 0xd0 || next[1] > 0xd7))
			break;
	buf_put(&b, p, (size_t)(next - p));
	for (i = 0; i < 600; i++)
		buf_put(&b, sos, (size_t)(next - sos));
	buf_put(&b, next, len - (size_t)(next - p));
	check_error(b.data, b.len, NULL, "jpeg: more than 500 progressive scans");
	buf_release(&b);
	free(data);
}

/* Every cut of a file, and bytes flipped in its middle, are refused or
 * decoded in full, never read past (the sanitizer build checks that). */
static void
test_truncated_and_corrupt(void)
{
	static const char *want[] = {"png: ", "jpeg: truncated data", "webp: truncated data", "avif: "};
	struct image img, back;
	struct codec_info info;
	struct buf b = BUF_INIT;
	char *err = NULL, *copy;
	size_t i, cut, step;

	scene(&img, 64, 48, 4);
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		CHECK(encode(&img, all[i], NULL, &b) == 0);
		check_error(b.data, b.len / 2, NULL, want[i]);
		step = b.len / 97 + 1;
		for (cut = 0; cut < b.len; cut += step) {
			if (codec_decode(b.data, cut, NULL, &back, &info, &err) == 0) {
				printf("#   %s cut at %zu of %zu decoded\n", codec_format_name(all[i]), cut, b.len);
				CHECK(0);
				image_release(&back);
			}
			free(err);
			err = NULL;
		}
		copy = xmalloc(b.len);
		for (cut = b.len / 4; cut < b.len; cut += step) {
			memcpy(copy, b.data, b.len);
			copy[cut] ^= 0x5a;
			copy[cut / 2 + b.len / 2 - 1] ^= 0xff;
			if (codec_decode(copy, b.len, NULL, &back, &info, &err) == 0) {
				CHECK(back.width == 64 && back.height == 48);
				image_release(&back);
			}
			free(err);
			err = NULL;
		}
		free(copy);
	}
	check_error("", 0, NULL, "empty file");
	check_error("GIF89a\x01\0\x01\0", 10, NULL, "not a png, jpeg, webp or avif image");
	check_error("RIFF\x04\0\0\0WEBP", 12, NULL, "webp: ");
	buf_release(&b);
	image_release(&img);
}

/* ---- encoding: determinism, metadata, C2PA ---- */

struct job {
	const struct image *img;
	enum codec_format f;
	struct buf out;
};

static void *
encode_job(void *arg)
{
	struct job *j = arg;

	encode(j->img, j->f, NULL, &j->out);
	return NULL;
}

/* Same image, same bytes: twice in a row, and from two threads at once. */
static void
test_deterministic(void)
{
	struct image img, rgba;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct job jobs[2];
	pthread_t t[2];
	size_t i, k;

	scene(&img, 80, 60, 3);
	scene(&rgba, 80, 60, 4);
	for (i = 0; i < N(all); i++) {
		buf_reset(&a);
		buf_reset(&b);
		CHECK(encode(&img, all[i], NULL, &a) == 0);
		CHECK(encode(&img, all[i], NULL, &b) == 0);
		CHECK(a.len > 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		for (k = 0; k < 2; k++) {
			jobs[k].img = &img;
			jobs[k].f = all[i];
			buf_init(&jobs[k].out, 0);
			pthread_create(&t[k], NULL, encode_job, &jobs[k]);
		}
		for (k = 0; k < 2; k++) {
			pthread_join(t[k], NULL);
			CHECK(jobs[k].out.len == a.len && memcmp(jobs[k].out.data, a.data, a.len) == 0);
			buf_release(&jobs[k].out);
		}
		buf_reset(&a);
		buf_reset(&b);
		CHECK(encode(&rgba, all[i], NULL, &a) == 0);
		CHECK(encode(&rgba, all[i], NULL, &b) == 0);
		CHECK(a.len > 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	}
	buf_release(&a);
	buf_release(&b);
	image_release(&img);
	image_release(&rgba);
}

/* The packet sits in each format's own place, byte for byte. */
static void
test_xmp(void)
{
	struct codec_encode_opts o = {.xmp = XMP, .xmp_len = sizeof(XMP) - 1};
	struct image img, back;
	struct buf b = BUF_INIT;
	struct meta m = {0};
	const uint8_t *p;
	char *err = NULL;
	size_t i;

	scene(&img, 47, 31, 3);     /* odd sides: chroma planes round up */
	for (i = 0; i < N(all); i++) {
		buf_reset(&b);
		CHECK(encode(&img, all[i], &o, &b) == 0);
		p = (const uint8_t *)b.data;
		switch (all[i]) {
		case CODEC_JPEG: {
			/* APP1 after the JFIF APP0: length, namespace, NUL, packet */
			size_t app1 = 2 + 2 + ((size_t)p[4] << 8 | p[5]);

			CHECK(p[app1] == 0xff && p[app1 + 1] == 0xe1);
			CHECK(((size_t)p[app1 + 2] << 8 | p[app1 + 3]) == 2 + 29 + sizeof(XMP) - 1);
			CHECK(memcmp(p + app1 + 4, "http://ns.adobe.com/xap/1.0/\0", 29) == 0);
			CHECK(memcmp(p + app1 + 33, XMP, sizeof(XMP) - 1) == 0);
			break;
		}
		case CODEC_WEBP: {
			/* VP8X with the XMP flag (bit 2), then an "XMP " chunk */
			const uint8_t *c = find(p, b.len, "XMP ", 4);

			CHECK(memcmp(p + 12, "VP8X", 4) == 0 && (p[20] & 0x04));
			CHECK(c && (c[4] | c[5] << 8 | c[6] << 16 | c[7] << 24) == sizeof(XMP) - 1);
			CHECK(c && memcmp(c + 8, XMP, sizeof(XMP) - 1) == 0);
			CHECK(c && (size_t)(c - p) + 8 + sizeof(XMP) - 1 + ((sizeof(XMP) - 1) & 1) == b.len);
			break;
		}
		case CODEC_AVIF:
			/* a mime item typed application/rdf+xml, the packet in mdat */
			CHECK(find(p, b.len, "mime", 4) && find(p, b.len, "application/rdf+xml", 19));
			CHECK(find(p, b.len, XMP, sizeof(XMP) - 1) != NULL);
			break;
		case CODEC_PNG:
			CHECK(pngio_read_meta(b.data, b.len, &m, &err) == 0);
			CHECK_STR(meta_get(&m, "XML:com.adobe.xmp"), XMP);
			meta_release(&m);
			break;
		case CODEC_UNKNOWN:
			break;
		}
		/* the image itself is still fine */
		CHECK(codec_decode(b.data, b.len, NULL, &back, NULL, &err) == 0);
		CHECK(back.width == 47 && back.height == 31);
		if (back.px && psnr(&img, &back, 3) < 26) {
			printf("#   %s: psnr %.2f\n", codec_format_name(all[i]), psnr(&img, &back, 3));
			CHECK(0);
		}
		image_release(&back);
	}
	buf_release(&b);
	image_release(&img);
}

static void
test_xmp_errors(void)
{
	struct codec_encode_opts o = {0};
	struct image img;
	struct buf b = BUF_INIT;
	char *big, *err = NULL;

	scene(&img, 16, 16, 3);
	buf_puts(&b, "kept");
	big = xmalloc(CODEC_JPEG_XMP_MAX + 1);
	memset(big, ' ', CODEC_JPEG_XMP_MAX + 1);
	o.xmp = big;
	o.xmp_len = CODEC_JPEG_XMP_MAX + 1;
	CHECK(codec_encode(&img, CODEC_JPEG, &o, &b, NULL, &err) < 0);
	CHECK_STR(err, "jpeg: xmp packet too large: 65503 bytes (limit 65502)");
	free(err);
	CHECK(b.len == 4 && strcmp(b.data, "kept") == 0);
	o.xmp_len = CODEC_JPEG_XMP_MAX;
	CHECK(encode(&img, CODEC_JPEG, &o, &b) == 0);
	o.xmp = "a\0b";
	o.xmp_len = 3;
	CHECK(codec_encode(&img, CODEC_WEBP, &o, &b, NULL, &err) < 0);
	CHECK_STR(err, "xmp packet holds a NUL byte");
	free(err);
	free(big);
	buf_release(&b);
	image_release(&img);
}

/* A stand-in manifest store: a jumb superbox with a jumd description
 * and a payload of n bytes. */
static uint8_t *
fake_manifest(size_t n, size_t *len)
{
	uint8_t *m;
	size_t i;

	*len = 8 + 8 + 17 + 6 + 8 + n;
	m = xcalloc(1, *len);
	put_be32(m, (uint32_t)*len);
	memcpy(m + 4, "jumb", 4);
	put_be32(m + 8, 8 + 17 + 6);
	memcpy(m + 12, "jumd", 4);
	memcpy(m + 16, "c2pa\0\x11\0\x10\x80\0\0\xaa\0\x38\x9b\x71", 16);
	m[32] = 3;
	memcpy(m + 33, "c2pa", 5);
	put_be32(m + 39, (uint32_t)(8 + n));
	memcpy(m + 43, "bidb", 4);
	for (i = 0; i < n; i++)
		m[47 + i] = (uint8_t)(i * 7 + 1);
	return m;
}

static void
test_c2pa_hook(void)
{
	struct codec_encode_opts o = {.xmp = XMP, .xmp_len = sizeof(XMP) - 1};
	struct codec_c2pa_span span;
	struct image img, back;
	struct buf b = BUF_INIT, whole = BUF_INIT;
	const uint8_t *p, *s;
	uint8_t *m;
	size_t mlen, seglen;
	uint32_t seq;
	char *err = NULL;

	scene(&img, 48, 32, 3);
	m = fake_manifest(150000, &mlen);
	o.c2pa = m;
	o.c2pa_len = mlen;
	/* JPEG: three APP11 segments that put the box back together */
	buf_puts(&b, "xyz");
	CHECK(codec_encode(&img, CODEC_JPEG, &o, &b, &span, &err) == 0);
	p = (const uint8_t *)b.data + 3;
	CHECK(span.len > mlen && span.at > 2);
	for (s = p + span.at, seq = 1; s < p + span.at + span.len; s += 2 + seglen, seq++) {
		seglen = (size_t)s[2] << 8 | s[3];
		CHECK(s[0] == 0xff && s[1] == 0xeb && memcmp(s + 4, "JP\0\x01", 4) == 0);
		CHECK(s[8] == 0 && s[9] == 0 && s[10] == 0 && s[11] == seq);
		CHECK(memcmp(s + 12, m, 8) == 0);
		if (seq == 1)
			buf_put(&whole, m, 8);
		buf_put(&whole, s + 20, seglen - 18);
	}
	CHECK(seq == 4 && s == p + span.at + span.len);
	CHECK(whole.len == mlen && memcmp(whole.data, m, mlen) == 0);
	CHECK(codec_decode(p, b.len - 3, NULL, &back, NULL, &err) == 0);
	image_release(&back);
	/* WebP: one "C2PA" chunk holding the box */
	buf_reset(&b);
	CHECK(codec_encode(&img, CODEC_WEBP, &o, &b, &span, &err) == 0);
	p = (const uint8_t *)b.data;
	CHECK(span.len == 8 + mlen + (mlen & 1) && memcmp(p + span.at, "C2PA", 4) == 0);
	CHECK(memcmp(p + span.at + 8, m, mlen) == 0);
	CHECK(find(p, b.len, "XMP ", 4) != NULL);
	CHECK(codec_decode(b.data, b.len, NULL, &back, NULL, &err) == 0);
	image_release(&back);
	/* not carried yet: AVIF and PNG say so */
	CHECK(codec_encode(&img, CODEC_AVIF, &o, &b, &span, &err) < 0);
	CHECK_STR(err, "avif: c2pa manifests are not carried yet");
	free(err);
	CHECK(codec_encode(&img, CODEC_PNG, &o, &b, &span, &err) < 0);
	CHECK_STR(err, "png: c2pa manifests are not carried yet");
	free(err);
	/* what is not one jumb box is refused */
	o.c2pa_len = mlen - 1;
	CHECK(codec_encode(&img, CODEC_JPEG, &o, &b, &span, &err) < 0);
	CHECK_STR(err, "c2pa manifest store is not one jumb box");
	free(err);
	/* no manifest, no span */
	o.c2pa = NULL;
	CHECK(codec_encode(&img, CODEC_JPEG, &o, &b, &span, &err) == 0 && span.len == 0);
	free(m);
	buf_release(&b);
	buf_release(&whole);
	image_release(&img);
}

static void
test_versions(void)
{
	CHECK(str_has_prefix(codec_version(CODEC_JPEG), "libjpeg-turbo "));
	CHECK(strlen(codec_version(CODEC_JPEG)) > strlen("libjpeg-turbo 2"));
	CHECK(str_has_prefix(codec_version(CODEC_WEBP), "libwebp 1."));
	CHECK(strstr(codec_version(CODEC_WEBP), " (mux 1.") != NULL);
	CHECK(str_has_prefix(codec_version(CODEC_AVIF), "libavif "));
	CHECK(strstr(codec_version(CODEC_AVIF), "(aom v") != NULL);
	CHECK(str_has_prefix(codec_version(CODEC_PNG), "libpng 1."));
	CHECK(codec_version(CODEC_AVIF) == codec_version(CODEC_AVIF));
	printf("# %s | %s | %s | %s\n", codec_version(CODEC_JPEG), codec_version(CODEC_WEBP),
	       codec_version(CODEC_AVIF), codec_version(CODEC_PNG));
}

/* ---- derivatives ---- */

static void
test_fit_width(void)
{
	uint32_t w, h;

	CHECK(codec_fit_width(2048, 1365, 480, &w, &h) == 0 && w == 480 && h == 320);
	CHECK(codec_fit_width(2048, 2048, 960, &w, &h) == 0 && w == 960 && h == 960);
	CHECK(codec_fit_width(1200, 628, 1200, &w, &h) == 0 && w == 1200 && h == 628);
	CHECK(codec_fit_width(4000, 3, 10, &w, &h) == 0 && w == 10 && h == 1);
	CHECK(codec_fit_width(480, 320, 481, &w, &h) < 0);
	CHECK(codec_fit_width(480, 320, 0, &w, &h) < 0);
}

static void
test_resize(void)
{
	struct image img, a, b;
	uint32_t x, y;
	uint8_t *p;
	int bled = 0;

	scene(&img, 300, 200, 3);
	CHECK(codec_resize(&img, 120, 1, &a) == 0 && a.width == 120 && a.height == 80 && a.channels == 3);
	CHECK(codec_resize(&img, 120, 4, &b) == 0);
	CHECK(a.px && b.px && memcmp(a.px, b.px, (size_t)120 * 80 * 3) == 0);
	image_release(&a);
	image_release(&b);
	CHECK(codec_resize(&img, 300, 0, &a) == 0 && memcmp(a.px, img.px, (size_t)300 * 200 * 3) == 0);
	image_release(&a);
	CHECK(codec_resize(&img, 301, 0, &a) < 0 && a.px == NULL);
	image_release(&img);
	/* transparent red beside opaque green: no red in the result where
	 * there is any alpha (resampled straight, it would bleed in) */
	image_alloc(&img, 64, 16, 4);
	for (y = 0; y < 16; y++)
		for (x = 0; x < 64; x++) {
			p = img.px + (y * 64 + x) * 4;
			if (x < 32) {
				p[0] = 255;
			} else {
				p[1] = 255;
				p[3] = 255;
			}
		}
	CHECK(codec_resize(&img, 20, 0, &a) == 0 && a.channels == 4 && a.width == 20 && a.height == 5);
	for (x = 0; a.px && x < 20; x++) {
		p = a.px + (2 * 20 + x) * 4;
		if (p[3] > 8 && p[0] > 8)
			bled = 1;
	}
	CHECK(!bled);
	CHECK(a.px && a.px[(2 * 20 + 19) * 4 + 1] == 255 && a.px[(2 * 20 + 19) * 4 + 3] == 255);
	image_release(&a);
	image_release(&img);
}

/* ---- for tests/cli/t0100-codec-exiftool.sh ---- */

static int
write_samples(const char *dir)
{
	struct codec_encode_opts with = {.xmp = XMP, .xmp_len = sizeof(XMP) - 1}, without = {0};
	static const enum codec_format fmts[] = {CODEC_JPEG, CODEC_WEBP, CODEC_AVIF,
						 CODEC_JPEG, CODEC_WEBP, CODEC_AVIF};
	static const char *names[] = {"sample.jpg", "sample.webp", "sample.avif",
				      "plain.jpg", "plain.webp", "plain.avif"};
	struct image img;
	struct buf b = BUF_INIT;
	char *path;
	FILE *f;
	size_t i;
	int rc = 0;

	scene(&img, 64, 48, 3);
	for (i = 0; i < N(fmts); i++) {
		buf_reset(&b);
		path = xasprintf("%s/%s", dir, names[i]);
		if (encode(&img, fmts[i], i < 3 ? &with : &without, &b) < 0 || !(f = fopen(path, "wb"))) {
			rc = 1;
		} else {
			if (fwrite(b.data, 1, b.len, f) != b.len)
				rc = 1;
			if (fclose(f) != 0)
				rc = 1;
		}
		free(path);
	}
	buf_release(&b);
	image_release(&img);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *t = getenv("TEST_TOP");

	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_samples(argv[2]);
	if (t)
		top = t;
	RUN(test_format_names);
	RUN(test_sniff);
	RUN(test_sniff_encoded);
	RUN(test_round_trip);
	RUN(test_quality);
	RUN(test_alpha);
	RUN(test_fixtures);
	RUN(test_exif_orientation);
	RUN(test_limits);
	RUN(test_bombs);
	RUN(test_scan_bomb);
	RUN(test_truncated_and_corrupt);
	RUN(test_deterministic);
	RUN(test_xmp);
	RUN(test_xmp_errors);
	RUN(test_c2pa_hook);
	RUN(test_versions);
	RUN(test_fit_width);
	RUN(test_resize);
	return TEST_DONE();
}
