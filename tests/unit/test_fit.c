/* test_fit.c - the fit stage: geometry of cover (each crop), contain and
 * stretch, the pixels each puts where, and the text keys and metadata
 * carry. */
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "test.h"

static struct fit
mkfit(enum fit_mode m, enum fit_crop c)
{
	struct fit f = {m, c, {0, 0, 0, 255}};

	return f;
}

#define GEOM(f, w, h, dw, dh, esw, esh, ex, ey) do { \
	struct fit_geom g_; \
	fit_geometry(&(f), w, h, dw, dh, &g_); \
	CHECK(g_.sw == (esw) && g_.sh == (esh) && g_.x == (ex) && g_.y == (ey)); \
	if (g_.sw != (esw) || g_.sh != (esh) || g_.x != (ex) || g_.y != (ey)) \
		printf("#   got %ux%u at %u,%u\n", g_.sw, g_.sh, g_.x, g_.y); \
} while (0)

static void
test_cover(void)
{
	struct fit c = mkfit(FIT_COVER, CROP_CENTER), t = mkfit(FIT_COVER, CROP_TOP),
		   b = mkfit(FIT_COVER, CROP_BOTTOM), l = mkfit(FIT_COVER, CROP_LEFT),
		   r = mkfit(FIT_COVER, CROP_RIGHT);

	/* a square into a wide banner: the width sets the scale, rows are cut */
	GEOM(c, 1024, 1024, 1200, 628, 1200, 1200, 0, 286);
	GEOM(t, 1024, 1024, 1200, 628, 1200, 1200, 0, 0);
	GEOM(b, 1024, 1024, 1200, 628, 1200, 1200, 0, 572);
	GEOM(l, 1024, 1024, 1200, 628, 1200, 1200, 0, 286);     /* nothing to cut sideways */
	GEOM(r, 1024, 1024, 1200, 628, 1200, 1200, 0, 286);
	/* a wide image into a tall one: the height sets the scale, columns are cut */
	GEOM(c, 1344, 768, 180, 320, 560, 320, 190, 0);
	GEOM(l, 1344, 768, 180, 320, 560, 320, 0, 0);
	GEOM(r, 1344, 768, 180, 320, 560, 320, 380, 0);
	GEOM(t, 1344, 768, 180, 320, 560, 320, 190, 0);
	GEOM(b, 1344, 768, 180, 320, 560, 320, 190, 0);
	/* A1111's 184x320 for 180x320: scale 1, two columns cut each side */
	GEOM(c, 184, 320, 180, 320, 184, 320, 2, 0);
	/* 64x114 is a shade taller than 180x320: one row is cut */
	GEOM(c, 64, 114, 180, 320, 180, 321, 0, 0);
	/* the same shape: scaled, nothing cut */
	GEOM(c, 50, 50, 100, 100, 100, 100, 0, 0);
	GEOM(c, 100, 100, 100, 100, 100, 100, 0, 0);
}

static void
test_contain(void)
{
	struct fit f = mkfit(FIT_CONTAIN, CROP_CENTER);

	/* a square into a banner: the height sets the scale, bars left and right */
	GEOM(f, 1024, 1024, 1200, 628, 628, 628, 286, 0);
	/* a wide image into a tall one: bars above and below */
	GEOM(f, 1344, 768, 180, 320, 180, 103, 0, 108);
	GEOM(f, 1080, 1352, 1080, 1350, 1078, 1350, 1, 0);
	GEOM(f, 100, 100, 100, 100, 100, 100, 0, 0);
}

static void
test_stretch(void)
{
	struct fit f = mkfit(FIT_STRETCH, CROP_CENTER);

	GEOM(f, 1024, 1024, 1200, 628, 1200, 628, 0, 0);
	GEOM(f, 64, 114, 180, 320, 180, 320, 0, 0);
}

static void
test_enlargement(void)
{
	struct fit c = mkfit(FIT_COVER, CROP_CENTER), k = mkfit(FIT_CONTAIN, CROP_CENTER);

	CHECK(fit_enlargement(&c, 1024, 1024, 4096, 4096) == 4.0);
	CHECK(fit_enlargement(&c, 1024, 1024, 1200, 628) > 1.17 &&
	      fit_enlargement(&c, 1024, 1024, 1200, 628) < 1.18);
	CHECK(fit_enlargement(&k, 1024, 1024, 1200, 628) < 1);
	CHECK(fit_enlargement(&c, 184, 320, 180, 320) == 1.0);
}

/* an image whose pixel (x, y) is (x, y, 7) */
static void
mkramp(struct image *img, uint32_t w, uint32_t h)
{
	uint32_t x, y;

	CHECK(image_alloc(img, w, h, 3) == 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = img->px + ((size_t)y * w + x) * 3;

			p[0] = (uint8_t)x;
			p[1] = (uint8_t)y;
			p[2] = 7;
		}
}

static const uint8_t *
px(const struct image *img, uint32_t x, uint32_t y)
{
	return img->px + ((size_t)y * img->width + x) * img->channels;
}

static void
test_apply(void)
{
	struct fit c = mkfit(FIT_COVER, CROP_CENTER), l = mkfit(FIT_COVER, CROP_LEFT),
		   b = mkfit(FIT_COVER, CROP_BOTTOM), k = mkfit(FIT_CONTAIN, CROP_CENTER),
		   s = mkfit(FIT_STRETCH, CROP_CENTER);
	struct image in, out;

	/* no scaling: a crop is a window of the image, pixel for pixel */
	mkramp(&in, 20, 10);
	CHECK(fit_apply(&c, &in, 16, 10, &out) == 0);
	CHECK(out.width == 16 && out.height == 10 && out.channels == 3);
	CHECK(px(&out, 0, 0)[0] == 2 && px(&out, 15, 9)[0] == 17 && px(&out, 15, 9)[1] == 9);
	image_release(&out);
	CHECK(fit_apply(&l, &in, 16, 10, &out) == 0);
	CHECK(px(&out, 0, 0)[0] == 0 && px(&out, 15, 0)[0] == 15);
	image_release(&out);
	image_release(&in);
	mkramp(&in, 10, 20);
	CHECK(fit_apply(&b, &in, 10, 16, &out) == 0);
	CHECK(px(&out, 0, 0)[1] == 4 && px(&out, 0, 15)[1] == 19);
	image_release(&out);
	/* contain: the pad colour around the image, the image untouched inside */
	k.pad[0] = 255;
	k.pad[1] = 0;
	k.pad[2] = 128;
	CHECK(fit_apply(&k, &in, 20, 20, &out) == 0);
	CHECK(out.width == 20 && out.height == 20);
	CHECK(memcmp(px(&out, 0, 0), "\xff\x00\x80", 3) == 0);
	CHECK(memcmp(px(&out, 19, 19), "\xff\x00\x80", 3) == 0);
	CHECK(memcmp(px(&out, 4, 10), "\xff\x00\x80", 3) == 0);
	CHECK(px(&out, 5, 0)[0] == 0 && px(&out, 5, 0)[1] == 0 && px(&out, 5, 0)[2] == 7);
	CHECK(px(&out, 14, 19)[0] == 9 && px(&out, 14, 19)[1] == 19);
	CHECK(memcmp(px(&out, 15, 0), "\xff\x00\x80", 3) == 0);
	image_release(&out);
	/* stretch: every side to the target, the colour kept */
	CHECK(fit_apply(&s, &in, 30, 7, &out) == 0);
	CHECK(out.width == 30 && out.height == 7 && px(&out, 15, 3)[2] == 7);
	image_release(&out);
	/* deterministic: the same input, the same bytes */
	{
		struct image a, b2;

		CHECK(fit_apply(&c, &in, 33, 17, &a) == 0 && fit_apply(&c, &in, 33, 17, &b2) == 0);
		CHECK(memcmp(a.px, b2.px, (size_t)33 * 17 * 3) == 0);
		image_release(&a);
		image_release(&b2);
	}
	CHECK(fit_apply(&c, &in, 0, 10, &out) < 0);
	image_release(&in);
}

static void
test_rgba_pad(void)
{
	struct fit k = {FIT_CONTAIN, CROP_CENTER, {1, 2, 3, 0}};
	struct image in, out;

	CHECK(image_alloc(&in, 4, 4, 4) == 0);
	memset(in.px, 200, (size_t)4 * 4 * 4);
	CHECK(fit_apply(&k, &in, 8, 4, &out) == 0);
	CHECK(memcmp(px(&out, 0, 0), "\x01\x02\x03\x00", 4) == 0);
	CHECK(memcmp(px(&out, 3, 2), "\xc8\xc8\xc8\xc8", 4) == 0);
	image_release(&out);
	image_release(&in);
}

static void
test_text(void)
{
	struct fit f = mkfit(FIT_COVER, CROP_CENTER);
	char *s;

	CHECK(fit_is_default(&f));
	CHECK_STR(s = fit_text(&f), "cover crop=center");
	free(s);
	f.crop = CROP_TOP;
	CHECK(!fit_is_default(&f));
	CHECK_STR(s = fit_text(&f), "cover crop=top");
	free(s);
	f = mkfit(FIT_CONTAIN, CROP_CENTER);
	CHECK(!fit_is_default(&f));
	f.pad[0] = 0xff;
	CHECK_STR(s = fit_text(&f), "contain pad=#ff0000");
	free(s);
	f.pad[3] = 0x80;
	CHECK_STR(s = fit_text(&f), "contain pad=#ff000080");
	free(s);
	f = mkfit(FIT_STRETCH, CROP_CENTER);
	CHECK_STR(s = fit_text(&f), "stretch");
	free(s);
}

int
main(void)
{
	RUN(test_cover);
	RUN(test_contain);
	RUN(test_stretch);
	RUN(test_enlargement);
	RUN(test_apply);
	RUN(test_rgba_pad);
	RUN(test_text);
	return TEST_DONE();
}
