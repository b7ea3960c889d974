/* test_overlay.c - the overlay rasteriser against golden images (with a
 * tolerance, and proof that a wrong rendering fails it), blending, fitting,
 * fonts and keys.  Uses the font shipped in fonts/, never a system one.
 *
 * ASSETGEN_UPDATE_GOLDEN=1 rewrites tests/golden/overlay-*.png from the
 * current rasteriser (look at them before committing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "buf.h"
#include "image.h"
#include "key.h"
#include "os.h"
#include "overlay.h"
#include "png.h"
#include "util.h"
#include "test.h"

static struct font_file font;
static char *top;

static char *
repo_path(const char *rel)
{
	return path_join(top, rel);
}

/* A deterministic background: a diagonal gradient, with varying alpha
 * for RGBA. */
static void
background(struct image *img, uint32_t w, uint32_t h, uint32_t ch)
{
	image_alloc(img, w, h, ch);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *p = img->px + ((size_t)y * w + x) * ch;

			p[0] = (uint8_t)(20 + 120 * x / w);
			p[1] = (uint8_t)(30 + 90 * y / h);
			p[2] = (uint8_t)(90 + 60 * (x + y) / (w + h));
			if (ch == 4)
				p[3] = (uint8_t)(255 - 200 * x / w);
		}
}

static struct overlay
ov_make(const char *text, uint32_t size, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
	const uint8_t rgba[4], enum overlay_align al, enum overlay_valign va)
{
	struct overlay ov;

	memset(&ov, 0, sizeof(ov));
	ov.text = (char *)text;
	ov.font = &font;
	ov.size = size;
	memcpy(ov.rgba, rgba, 4);
	ov.x = x;
	ov.y = y;
	ov.w = w;
	ov.h = h;
	ov.align = al;
	ov.valign = va;
	return ov;
}

/* Pixels whose channels differ by more than 16 (anti-aliasing and
 * FreeType releases move edges by a few levels, never more); the images
 * match when at most 0.1% of pixels (and no more than 8) differ so. */
static size_t
differing(const struct image *a, const struct image *b)
{
	size_t n = 0, i, npx;
	uint32_t k;

	if (a->width != b->width || a->height != b->height || a->channels != b->channels)
		return SIZE_MAX;
	npx = (size_t)a->width * a->height;
	for (i = 0; i < npx; i++)
		for (k = 0; k < a->channels; k++)
			if (abs((int)a->px[i * a->channels + k] - (int)b->px[i * a->channels + k]) > 16) {
				n++;
				break;
			}
	return n;
}

static int
matches(const struct image *a, const struct image *b)
{
	size_t n = differing(a, b), npx = (size_t)a->width * a->height;
	size_t allowed = npx / 1000 < 8 ? npx / 1000 : 8;

	return n != SIZE_MAX && n <= allowed;
}

struct gcase {
	const char *name;
	const char *text;
	uint32_t w, h, ch, size;
	uint32_t box[4];
	uint8_t rgba[4];
	enum overlay_align al;
	enum overlay_valign va;
};

static const struct gcase cases[] = {
	{ "center", "Launch Sale", 256, 96, 3, 40, { 8, 8, 240, 80 }, { 255, 255, 255, 255 },
	  ALIGN_CENTER, VALIGN_MIDDLE },
	/* wraps at spaces, shrinks from 48 px to fit, half-transparent black */
	{ "wrap-left-top", "The quick brown fox jumps over the lazy dog", 160, 160, 3, 48,
	  { 6, 6, 148, 148 }, { 0, 0, 0, 0xc0 }, ALIGN_LEFT, VALIGN_TOP },
	/* kerning (AV, To) and the ffi ligature; RGBA background */
	{ "kern-liga-rgba", "AVATAR To office", 224, 64, 4, 30, { 0, 0, 224, 64 },
	  { 255, 0, 0, 255 }, ALIGN_RIGHT, VALIGN_BOTTOM },
	/* explicit line break, accents */
	{ "two-lines", "Été\nsoldes -50 %", 200, 100, 3, 28, { 20, 10, 160, 80 },
	  { 0xff, 0xd7, 0x00, 0xff }, ALIGN_CENTER, VALIGN_MIDDLE },
};

static int
render_case(const struct gcase *c, const char *text, int dx, const uint8_t *rgba, struct image *out,
	    struct overlay_fit *fit)
{
	struct overlay ov;
	char *err = NULL;
	int r;

	background(out, c->w, c->h, c->ch);
	ov = ov_make(text, c->size, c->box[0] + (uint32_t)dx, c->box[1], c->box[2] - (uint32_t)dx,
		     c->box[3], rgba ? rgba : c->rgba, c->al, c->va);
	r = overlay_draw(&ov, out, fit, &err);
	if (r < 0)
		printf("#   overlay_draw: %s\n", err);
	free(err);
	return r;
}

static int
load_golden(const char *name, struct image *img)
{
	char *rel = xasprintf("tests/golden/overlay-%s.png", name), *path = repo_path(rel);
	struct buf b = BUF_INIT;
	char *err = NULL;
	int r = -1;

	if (os_read_file(path, 1 << 24, &b) == 0 && pngio_decode(b.data, b.len, img, NULL, &err) == 0)
		r = 0;
	if (r < 0)
		printf("#   cannot load golden %s: %s\n", rel, err ? err : "unreadable");
	free(err);
	buf_release(&b);
	free(path);
	free(rel);
	return r;
}

static void
write_golden(const char *name, const struct image *img)
{
	char *rel = xasprintf("tests/golden/overlay-%s.png", name), *path = repo_path(rel);
	struct meta m = {0};
	struct buf b = BUF_INIT;
	char *err = NULL;

	if (pngio_encode(img, &m, 9, &b, &err) == 0 && os_write_atomic_path(path, b.data, b.len) == 0)
		printf("# wrote %s\n", rel);
	else
		printf("#   cannot write %s\n", rel);
	free(err);
	buf_release(&b);
	free(path);
	free(rel);
}

static void
test_golden_images(void)
{
	int update = getenv("ASSETGEN_UPDATE_GOLDEN") != NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gcase *c = &cases[i];
		struct image img = {0}, gold = {0};
		struct overlay_fit fit;

		CHECK(render_case(c, c->text, 0, NULL, &img, &fit) == 0);
		if (update)
			write_golden(c->name, &img);
		CHECK(load_golden(c->name, &gold) == 0);
		if (!matches(&img, &gold))
			printf("#   %s: %zu pixels differ from the golden image\n", c->name,
			       differing(&img, &gold));
		CHECK(matches(&img, &gold));
		image_release(&img);
		image_release(&gold);
	}
}

/* The comparison is not blind: a wrong letter, a box moved by one pixel,
 * a slightly different colour, or nothing drawn all fail it. */
static void
test_golden_catches_wrong_renderings(void)
{
	const struct gcase *c = &cases[0];
	static const uint8_t grey[4] = { 0xee, 0xee, 0xee, 0xff };
	struct image gold = {0}, img = {0};
	struct overlay_fit fit;

	if (load_golden(c->name, &gold) < 0) {
		CHECK(0);
		return;
	}
	CHECK(render_case(c, "Launch Sa1e", 0, NULL, &img, &fit) == 0);
	CHECK(!matches(&img, &gold));
	image_release(&img);
	CHECK(render_case(c, c->text, 1, NULL, &img, &fit) == 0);
	CHECK(!matches(&img, &gold));
	image_release(&img);
	CHECK(render_case(c, c->text, 0, grey, &img, &fit) == 0);
	CHECK(!matches(&img, &gold));
	image_release(&img);
	background(&img, c->w, c->h, c->ch);
	CHECK(!matches(&img, &gold));
	image_release(&img);
	image_release(&gold);
}

/* Nothing outside the box changes; a text too big shrinks to fit. */
static void
test_fit_and_clip(void)
{
	static const uint8_t white[4] = { 255, 255, 255, 255 };
	struct image bg = {0}, img = {0};
	struct overlay ov;
	struct overlay_fit fit;
	char *err = NULL;

	background(&bg, 300, 200, 3);
	background(&img, 300, 200, 3);
	ov = ov_make("Shrink me to fit this box", 200, 50, 40, 120, 60, white, ALIGN_CENTER,
		     VALIGN_MIDDLE);
	CHECK(overlay_draw(&ov, &img, &fit, &err) == 0);
	CHECK(fit.size < 200 && fit.size >= OVERLAY_MIN_SIZE);
	CHECK(fit.lines >= 1);
	for (uint32_t y = 0; y < 200; y++)
		for (uint32_t x = 0; x < 300; x++) {
			size_t o = ((size_t)y * 300 + x) * 3;

			if (x >= 50 && x < 170 && y >= 40 && y < 100)
				continue;
			if (memcmp(img.px + o, bg.px + o, 3) != 0) {
				printf("#   pixel %u,%u outside the box changed\n", x, y);
				CHECK(0);
				y = 200;
				break;
			}
		}
	CHECK(memcmp(img.px, bg.px, (size_t)300 * 200 * 3) != 0);      /* something drawn */
	image_release(&img);

	/* one size larger than the chosen one does not fit: it is the largest */
	{
		struct overlay_fit f2;

		ov.size = fit.size + 1;
		background(&img, 300, 200, 3);
		CHECK(overlay_draw(&ov, &img, &f2, &err) == 0);
		CHECK(f2.size == fit.size);
		image_release(&img);
	}

	/* a word that cannot fit even at the smallest size: an error */
	background(&img, 300, 200, 3);
	ov = ov_make("Supercalifragilisticexpialidocious", 40, 0, 0, 20, 20, white, ALIGN_LEFT,
		     VALIGN_TOP);
	CHECK(overlay_draw(&ov, &img, &fit, &err) < 0);
	CHECK(err && strstr(err, "does not fit in the 20x20 box"));
	free(err);
	err = NULL;
	CHECK(memcmp(img.px, bg.px, (size_t)300 * 200 * 3) == 0);
	image_release(&img);

	/* a box outside the image is refused, not clipped */
	ov = ov_make("x", 20, 290, 0, 20, 20, white, ALIGN_LEFT, VALIGN_TOP);
	background(&img, 300, 200, 3);
	CHECK(overlay_draw(&ov, &img, &fit, &err) < 0);
	free(err);
	image_release(&img);
	image_release(&bg);
}

/* The block's height is (lines - 1) * line height: 28,151 lines at
 * 2048 px are 4,295,014,400 in 26.6 pixels, which a 32-bit product wraps
 * to 47,104, small enough to "fit" a 4096 px box.  They fit at no size. */
static void
test_fit_many_lines(void)
{
	static const uint8_t white[4] = { 255, 255, 255, 255 };
	const size_t nlines = 28151;
	struct image img = {0};
	struct overlay ov;
	struct overlay_fit fit = {0};
	char *text = xmalloc(nlines * 2), *err = NULL;

	for (size_t i = 0; i < nlines; i++) {
		text[2 * i] = 'x';
		text[2 * i + 1] = '\n';
	}
	text[nlines * 2 - 1] = '\0';
	image_alloc(&img, 2048, 4096, 3);
	memset(img.px, 0, (size_t)2048 * 4096 * 3);
	ov = ov_make(text, 2048, 0, 0, 2048, 4096, white, ALIGN_LEFT, VALIGN_TOP);
	CHECK(overlay_draw(&ov, &img, &fit, &err) < 0);
	CHECK(err && strstr(err, "does not fit in the 2048x4096 box, even at 6 px"));
	if (!err)
		printf("#   drawn at %u px, %u lines\n", fit.size, fit.lines);
	free(err);
	image_release(&img);
	free(text);
}

/* Inside a glyph (coverage 255) the colour is exact; alpha blends in sRGB
 * space; onto a transparent pixel, the result is the colour with the
 * coverage as alpha. */
static void
test_blending(void)
{
	static const uint8_t opaque[4] = { 10, 200, 30, 255 };
	static const uint8_t half[4] = { 0, 0, 0, 0x80 };
	struct image img = {0};
	struct overlay ov;
	struct overlay_fit fit;
	char *err = NULL;
	const uint8_t *p;

	/* U+2588 FULL BLOCK covers the middle of the box */
	image_alloc(&img, 64, 64, 3);
	memset(img.px, 255, (size_t)64 * 64 * 3);
	ov = ov_make("\u2588", 48, 0, 0, 64, 64, opaque, ALIGN_CENTER, VALIGN_MIDDLE);
	CHECK(overlay_draw(&ov, &img, &fit, &err) == 0);
	p = img.px + ((size_t)32 * 64 + 32) * 3;
	CHECK(p[0] == 10 && p[1] == 200 && p[2] == 30);
	CHECK(img.px[0] == 255);        /* the corner is untouched */
	image_release(&img);

	image_alloc(&img, 64, 64, 3);
	memset(img.px, 255, (size_t)64 * 64 * 3);
	ov = ov_make("\u2588", 48, 0, 0, 64, 64, half, ALIGN_CENTER, VALIGN_MIDDLE);
	CHECK(overlay_draw(&ov, &img, &fit, &err) == 0);
	p = img.px + ((size_t)32 * 64 + 32) * 3;
	CHECK(p[0] == 127 && p[1] == 127 && p[2] == 127);      /* 255 * (1 - 128/255) */
	image_release(&img);

	image_alloc(&img, 64, 64, 4);           /* zeroed: transparent black */
	ov = ov_make("\u2588", 48, 0, 0, 64, 64, opaque, ALIGN_CENTER, VALIGN_MIDDLE);
	CHECK(overlay_draw(&ov, &img, &fit, &err) == 0);
	p = img.px + ((size_t)32 * 64 + 32) * 4;
	CHECK(p[0] == 10 && p[1] == 200 && p[2] == 30 && p[3] == 255);
	CHECK(img.px[3] == 0);
	image_release(&img);
}

static void
test_fonts(void)
{
	struct font_file f = {0};
	char *err = NULL, *dir = xstrdup("/tmp/assetgen-test-overlay.XXXXXX"), *path;

	CHECK(overlay_font_missing(&font, "Launch Sale \u00e9t\u00e9\n\u2014") == 0);
	CHECK(overlay_font_missing(&font, "sale \u4e2d") == 0x4e2d);

	CHECK(mkdtemp(dir) != NULL);
	path = path_join(dir, "missing.ttf");
	CHECK(overlay_font_load(path, &f, &err) < 0);
	CHECK(err && strstr(err, "no such file"));
	free(err);
	err = NULL;
	CHECK(os_write_atomic_path(path, "not a font\n", 11) == 0);
	CHECK(overlay_font_load(path, &f, &err) < 0);
	if (err && !strstr(err, "not a font"))
		printf("#   %s\n", err);
	CHECK(err && strstr(err, "not a font"));
	free(err);
	free(path);
	test_rmtree(dir);
	free(dir);
}

/* The overlay key: every field counts, the font by content, and a literal
 * key is pinned (a change to the encoding must be deliberate). */
static void
test_overlay_key(void)
{
	static const uint8_t white[4] = { 255, 255, 255, 255 };
	struct key gen, k0, k;
	struct overlay ov = ov_make("Launch Sale", 96, 0, 0, 512, 256, white, ALIGN_CENTER,
				    VALIGN_MIDDLE);
	struct font_file other = font;
	char hex[KEY_HEX_LEN + 1];

	memset(&gen, 0x11, sizeof(gen));
	key_overlay(&gen, &ov, &k0);
	key_hex(&k0, hex);
	printf("# overlay key %s\n", hex);
	CHECK_STR(hex, "48465f2207d5b4c58881a4e0227ea453");
	key_overlay(&gen, &ov, &k);
	CHECK(key_equal(&k, &k0));
	ov.text = "Launch sale";
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.text = "Launch Sale";
	ov.size = 95;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.size = 96;
	ov.rgba[3] = 254;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.rgba[3] = 255;
	ov.x = 1;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.x = 0;
	ov.align = ALIGN_LEFT;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.align = ALIGN_CENTER;
	ov.valign = VALIGN_TOP;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.valign = VALIGN_MIDDLE;
	/* the font's path is not keyed, its bytes are */
	other.path = "elsewhere/Other.ttf";
	ov.font = &other;
	key_overlay(&gen, &ov, &k);
	CHECK(key_equal(&k, &k0));
	other.digest[0] ^= 1;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
	ov.font = &font;
	gen.b[15] ^= 1;
	key_overlay(&gen, &ov, &k);
	CHECK(!key_equal(&k, &k0));
}

static void
test_overlay_text(void)
{
	static const uint8_t c[4] = { 0xff, 0x80, 0x00, 0xc0 };
	struct overlay ov = ov_make("a\\b\nc", 20, 1, 2, 3, 4, c, ALIGN_RIGHT, VALIGN_BOTTOM);
	char *s = artifact_overlay_text(&ov), *want;
	char hex[KEY_HEX_LEN + 1];
	struct key d;

	memcpy(d.b, font.digest, 16);
	key_hex(&d, hex);
	CHECK_STR(font.name, "DejaVu Sans Book");
	want = xasprintf("text=a\\\\b\\nc\nfont=DejaVu Sans Book\nfont_digest=%s\nsize=20\n"
			 "color=#ff8000c0\nbox=1,2,3,4\nalign=right\nvalign=bottom\n", hex);
	CHECK_STR(s, want);
	free(s);
	free(want);
	s = artifact_overlay_text(NULL);
	CHECK_STR(s, "none");
	free(s);
}

int
main(void)
{
	char *path, *err = NULL;
	const char *t = getenv("TEST_TOP");

	top = xstrdup(t ? t : ".");
	path = repo_path("fonts/DejaVuSans.ttf");
	if (overlay_font_load(path, &font, &err) < 0) {
		printf("not ok - load fonts/DejaVuSans.ttf: %s\n", err);
		return 1;
	}
	font.path = xstrdup("fonts/DejaVuSans.ttf");
	free(path);
	RUN(test_golden_images);
	RUN(test_golden_catches_wrong_renderings);
	RUN(test_fit_and_clip);
	RUN(test_fit_many_lines);
	RUN(test_blending);
	RUN(test_fonts);
	RUN(test_overlay_key);
	RUN(test_overlay_text);
	overlay_font_release(&font);
	free(top);
	return TEST_DONE();
}
