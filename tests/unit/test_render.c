/* test_render.c - the built-in model: determinism, pinned output, what
 * prompts, seeds and style words change, quoted text, odd and bad sizes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "render/render.h"
#include "util.h"
#include "test.h"

static uint64_t
digest(const struct image *img)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i, n = (size_t)img->width * img->height * img->channels;

	for (i = 0; i < n; i++) {
		h ^= img->px[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
render(struct image *img, const char *prompt, uint64_t seed, uint32_t w, uint32_t h)
{
	struct render_req req;

	memset(&req, 0, sizeof(req));
	req.prompt = prompt;
	req.negative_prompt = "";
	req.seed = seed;
	req.width = w;
	req.height = h;
	return render_builtin(&req, img);
}

/* bytes that differ between two images of the same size */
static size_t
ndiff(const struct image *a, const struct image *b)
{
	size_t i, n = (size_t)a->width * a->height * 3, d = 0;

	if (a->width != b->width || a->height != b->height)
		return (size_t)-1;
	for (i = 0; i < n; i++)
		d += a->px[i] != b->px[i];
	return d;
}

/* bytes that differ inside the box x0..x1, y0..y1 (exclusive ends) */
static size_t
ndiff_box(const struct image *a, const struct image *b, uint32_t x0, uint32_t y0,
    uint32_t x1, uint32_t y1)
{
	size_t d = 0;
	uint32_t x, y, c;

	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			for (c = 0; c < 3; c++) {
				size_t i = ((size_t)y * a->width + x) * 3 + c;

				d += a->px[i] != b->px[i];
			}
	return d;
}

static int
mean_luma(const struct image *img)
{
	size_t i, n = (size_t)img->width * img->height;
	uint64_t s = 0;

	for (i = 0; i < n; i++)
		s += (uint64_t)(img->px[3 * i] * 54 + img->px[3 * i + 1] * 183 + img->px[3 * i + 2] * 19) >> 8;
	return (int)(s / n);
}

static void
test_determinism(void)
{
	static const char *const prompts[] = {
		"Banner reading 'Launch Sale', clean layout",
		"portrait, style: neon-punk",
		"app icon, low-poly rocket",
		"hero image of mountains at dawn, photoreal",
		"snowy forest lake at night 'Hello' \"World\"",
	};
	size_t i;

	for (i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++) {
		struct image a, b;

		CHECK(render(&a, prompts[i], 7, 96, 80) == 0);
		CHECK(render(&b, prompts[i], 7, 96, 80) == 0);
		CHECK(a.width == 96 && a.height == 80 && a.channels == 3);
		CHECK(ndiff(&a, &b) == 0);
		image_release(&a);
		image_release(&b);
	}
}

/* Any change to the output must be deliberate: update these and bump
 * RENDER_VERSION together. */
static void
test_pinned_digest(void)
{
	static const struct {
		const char *prompt;
		uint64_t seed;
		uint64_t digest;
	} pins[] = {
		{ "Banner reading 'Launch Sale', clean layout", 42, 0xc0b72db730306c10ULL },
		{ "portrait, style: neon-punk", 42, 0xeec082ef6e03409eULL },
		{ "app icon, low-poly rocket", 42, 0xf59f56aa7da0bdf8ULL },
		{ "hero image of mountains at dawn, photoreal", 42, 0x67a955c388302160ULL },
		{ "pastel flat waves 'Hi'", 42, 0x247e93afe97e23e4ULL },
	};
	size_t i;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		struct image img;

		CHECK(render(&img, pins[i].prompt, pins[i].seed, 64, 48) == 0);
		if (digest(&img) != pins[i].digest)
			printf("#   %s: digest 0x%016llxULL\n", pins[i].prompt,
			    (unsigned long long)digest(&img));
		CHECK(digest(&img) == pins[i].digest);
		image_release(&img);
	}
}

static void
test_seeds_differ(void)
{
	struct image a, b;
	uint64_t s;

	for (s = 1; s < 4; s++) {
		CHECK(render(&a, "summer collection banner", s, 128, 96) == 0);
		CHECK(render(&b, "summer collection banner", s + 100, 128, 96) == 0);
		/* visibly different: most of the image changes */
		CHECK(ndiff(&a, &b) > (size_t)128 * 96 * 3 / 2);
		image_release(&a);
		image_release(&b);
	}
}

static void
test_prompts_differ(void)
{
	struct image a, b;

	CHECK(render(&a, "summer collection banner", 1, 128, 96) == 0);
	CHECK(render(&b, "winter collection banner", 1, 128, 96) == 0);
	CHECK(ndiff(&a, &b) > (size_t)128 * 96 * 3 / 2);
	image_release(&a);
	image_release(&b);
}

static void
test_styles(void)
{
	static const char *const prompts[] = {
		"a banner about coffee",
		"a banner about coffee, photoreal",
		"a banner about coffee, neon",
		"a banner about coffee, low-poly",
		"a banner about coffee, pastel",
		"a banner about coffee, flat icon",
	};
	enum { N = sizeof(prompts) / sizeof(prompts[0]) };
	struct image img[N];
	size_t i, j;
	uint64_t s;

	for (i = 0; i < N; i++)
		CHECK(render(&img[i], prompts[i], 3, 96, 96) == 0);
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			CHECK(ndiff(&img[i], &img[j]) > (size_t)96 * 96 * 3 / 4);
	for (i = 0; i < N; i++)
		image_release(&img[i]);

	/* neon is dark, pastel is light, whatever the seed */
	for (s = 0; s < 6; s++) {
		struct image neon, pastel;

		CHECK(render(&neon, "poster, neon", s, 96, 96) == 0);
		CHECK(render(&pastel, "poster, pastel", s, 96, 96) == 0);
		CHECK(mean_luma(&neon) < 90);
		CHECK(mean_luma(&pastel) > 170);
		image_release(&neon);
		image_release(&pastel);
	}

	/* "low poly", "low-poly" and "lowpoly" are one style */
	{
		struct image a, b, c;

		CHECK(render(&a, "city, low poly", 5, 80, 60) == 0);
		CHECK(render(&b, "city, low-poly", 5, 80, 60) == 0);
		CHECK(render(&c, "city, lowpoly", 5, 80, 60) == 0);
		CHECK(ndiff(&a, &b) == 0);
		CHECK(ndiff(&a, &c) != 0);      /* a different word, hashed */
		image_release(&a);
		image_release(&b);
		image_release(&c);
	}
}

static void
test_negative_and_params(void)
{
	struct render_req req;
	struct image a, b, c;
	struct param p;

	memset(&req, 0, sizeof(req));
	req.prompt = "city skyline";
	req.negative_prompt = "";
	req.seed = 9;
	req.width = 96;
	req.height = 64;
	CHECK(render_builtin(&req, &a) == 0);
	req.negative_prompt = "blurry";
	CHECK(render_builtin(&req, &b) == 0);
	CHECK(ndiff(&a, &b) != 0);
	image_release(&b);

	/* a "style" parameter reads like style words in the prompt */
	memset(&p, 0, sizeof(p));
	p.name = (char *)"style";
	p.value = (char *)"neon";
	p.type = VAL_STRING;
	req.negative_prompt = "";
	req.params = &p;
	req.nparams = 1;
	CHECK(render_builtin(&req, &c) == 0);
	CHECK(ndiff(&a, &c) != 0);
	CHECK(mean_luma(&c) < mean_luma(&a));
	image_release(&a);
	image_release(&c);
}

static void
test_text(void)
{
	struct image a, b, c;
	uint32_t w = 320, h = 160;

	/* the same words, quoted or not */
	CHECK(render(&a, "poster 'Launch Sale'", 1, w, h) == 0);
	CHECK(render(&b, "poster Launch Sale", 1, w, h) == 0);
	CHECK(ndiff_box(&a, &b, w * 4 / 10, h * 4 / 10, w * 6 / 10, h * 6 / 10) > 0);
	image_release(&b);

	/* quoted text only changes the middle: the background stays */
	CHECK(render(&c, "poster", 1, w, h) == 0);
	CHECK(ndiff_box(&a, &c, w * 3 / 10, h * 4 / 10, w * 7 / 10, h * 6 / 10) > (size_t)w * h * 3 / 100);
	CHECK(ndiff_box(&a, &c, 0, 0, w / 10, h / 10) == 0);
	CHECK(ndiff_box(&a, &c, w * 9 / 10, h * 9 / 10, w, h) == 0);
	image_release(&c);

	/* "double" and curly quotes too, and several strings */
	CHECK(render(&b, "poster \"Launch Sale\"", 1, w, h) == 0);
	CHECK(ndiff(&a, &b) == 0);
	image_release(&b);
	CHECK(render(&b, "poster \xe2\x80\x9cLaunch Sale\xe2\x80\x9d", 1, w, h) == 0);
	CHECK(ndiff(&a, &b) == 0);
	image_release(&b);
	CHECK(render(&b, "poster 'Launch Sale' 'Today only'", 1, w, h) == 0);
	CHECK(ndiff(&a, &b) != 0);
	image_release(&b);

	/* an apostrophe inside a word does not open a quotation */
	CHECK(render(&b, "poster don't", 1, w, h) == 0);
	CHECK(render(&c, "poster don't", 1, w, h) == 0);
	CHECK(ndiff(&b, &c) == 0);
	image_release(&b);
	image_release(&c);

	/* accented letters draw as their base letter; other characters as
	 * a box, the same box as for DEL */
	CHECK(render(&b, "poster 'Caf\xc3\xa9'", 1, w, h) == 0);
	CHECK(render(&c, "poster 'Cafe'", 1, w, h) == 0);
	CHECK(ndiff(&b, &c) == 0);
	image_release(&b);
	image_release(&c);
	CHECK(render(&b, "poster 'a\xe6\x97\xa5z'", 1, w, h) == 0);
	CHECK(render(&c, "poster 'a\x7fz'", 1, w, h) == 0);
	CHECK(ndiff(&b, &c) == 0);
	image_release(&b);
	image_release(&c);

	/* long text wraps and still renders at small sizes */
	CHECK(render(&b, "poster 'The quick brown fox jumps over the lazy dog "
	    "and keeps on running for a long while'", 1, 64, 48) == 0);
	CHECK(render(&c, "poster", 1, 64, 48) == 0);
	CHECK(ndiff(&b, &c) != 0);
	image_release(&b);
	image_release(&c);
	image_release(&a);
}

static void
test_odd_sizes(void)
{
	static const uint32_t sizes[][2] = {
		{ 1, 1 }, { 1, 2 }, { 2, 1 }, { 3, 5 }, { 7, 1 }, { 1, 9 },
		{ 17, 33 }, { 255, 3 }, { 3, 255 }, { 101, 99 },
	};
	static const char *const prompts[] = {
		"", "Banner 'Launch Sale'", "portrait neon 'x'", "app icon low-poly rocket",
		"mountains lake photoreal", "synthwave city", "pastel flat", "product photo",
	};
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(prompts) / sizeof(prompts[0]); j++) {
			struct image img, again;

			CHECK(render(&img, prompts[j], i, sizes[i][0], sizes[i][1]) == 0);
			CHECK(img.width == sizes[i][0] && img.height == sizes[i][1]);
			CHECK(img.channels == 3 && img.px != NULL);
			CHECK(render(&again, prompts[j], i, sizes[i][0], sizes[i][1]) == 0);
			CHECK(ndiff(&img, &again) == 0);
			image_release(&img);
			image_release(&again);
		}
}

static void
test_bad_sizes(void)
{
	static const uint32_t sizes[][2] = {
		{ 0, 1 }, { 1, 0 }, { 0, 0 }, { IMAGE_MAX_SIDE + 1, 1 }, { 1, IMAGE_MAX_SIDE + 1 },
		{ UINT32_MAX, UINT32_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct image img;
		uint8_t sentinel;

		img.width = 11;
		img.height = 12;
		img.channels = 4;
		img.px = &sentinel;
		CHECK(render(&img, "anything", 1, sizes[i][0], sizes[i][1]) == -1);
		/* out untouched */
		CHECK(img.width == 11 && img.height == 12 && img.channels == 4 && img.px == &sentinel);
	}
}

int
main(void)
{
	RUN(test_determinism);
	RUN(test_pinned_digest);
	RUN(test_seeds_differ);
	RUN(test_prompts_differ);
	RUN(test_styles);
	RUN(test_negative_and_params);
	RUN(test_text);
	RUN(test_odd_sizes);
	RUN(test_bad_sizes);
	return TEST_DONE();
}
