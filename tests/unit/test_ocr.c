/* test_ocr.c - normalising and scoring text; Tesseract reading the
 * built-in model's quoted text, and telling it from other copy */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "ocr.h"
#include "render/render.h"
#include "util.h"
#include "test.h"

static void
test_normalise(void)
{
	uint32_t *cps;
	size_t n;
	const uint32_t want[] = { 'l', 'a', 'u', 'n', 'c', 'h', ' ', 's', 'a', 'l', 'e' };

	ocr_normalise("  LAUNCH\n\t— Sale!! ", &cps, &n);
	CHECK(n == sizeof(want) / sizeof(want[0]));
	CHECK(n == 11 && memcmp(cps, want, sizeof(want)) == 0);
	free(cps);
	ocr_normalise("Été", &cps, &n);
	CHECK(n == 3 && cps[0] == 0xe9 && cps[1] == 't' && cps[2] == 0xe9);
	free(cps);
	ocr_normalise("...", &cps, &n);
	CHECK(n == 0);
	free(cps);
}

static void
test_distance(void)
{
	/* case, punctuation and line breaks do not count */
	CHECK(ocr_distance("Launch Sale", "launch\nSALE!") == 0);
	/* the copy may sit among other text */
	CHECK(ocr_distance("Launch Sale", "J\nLaunch Sale .\nshop now") == 0);
	/* one letter wrong in eleven */
	CHECK(ocr_distance("Launch Sale", "Launch Sole") > 0.09);
	CHECK(ocr_distance("Launch Sale", "Launch Sole") < 0.1);
	/* nothing read: as far as it gets */
	CHECK(ocr_distance("Launch Sale", "") == 1);
	CHECK(ocr_distance("Launch Sale", "Mbvodi Tbmf") > 0.5);
	CHECK(ocr_distance("", "anything") == 0);
	CHECK(ocr_distance("Grand Opening 2026", "Grand ~ Opening 2626!") < 0.1);
}

static void
render_text(struct image *img, const char *prompt, uint64_t seed, uint32_t w, uint32_t h)
{
	struct render_req req;

	memset(&req, 0, sizeof(req));
	req.prompt = prompt;
	req.negative_prompt = "";
	req.seed = seed;
	req.width = w;
	req.height = h;
	CHECK(render_builtin(&req, img) == 0);
}

static void
test_builtin_legible(void)
{
	static const struct {
		const char *prompt, *text;
		uint32_t w, h;
	} cases[] = {
		{ "Banner reading 'Launch Sale', clean layout", "Launch Sale", 1536, 512 },
		{ "Banner reading 'Launch Sale', clean", "Launch Sale", 512, 512 },
		{ "social card: 'Spring Launch' pastel background", "Spring Launch", 1200, 628 },
		{ "poster 'Spring Launch' pastel", "Spring Launch", 256, 256 },
	};
	struct ocr_verdict v;
	struct image img;
	char *err = NULL;
	char *expect[1];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		render_text(&img, cases[i].prompt, 42, cases[i].w, cases[i].h);
		expect[0] = (char *)cases[i].text;
		CHECK(ocr_check(&img, expect, 1, "eng", 0.2, &v, &err) == 0);
		if (!v.pass)
			printf("#   %s %ux%u read as '%s' (%.2f)\n", cases[i].text, cases[i].w,
			       cases[i].h, v.text, v.distance);
		CHECK(v.pass);
		/* other copy is not found in the same image */
		expect[0] = "Summer Clearance";
		CHECK(ocr_check(&img, expect, 1, "eng", 0.2, &v, &err) == 0);
		CHECK(!v.pass);
		CHECK(v.distance > 0.3);
		image_release(&img);
	}
}

static void
test_missing_language(void)
{
	struct ocr_verdict v;
	struct image img;
	char *err = NULL;
	char *expect[1] = { "x" };

	render_text(&img, "'x'", 1, 64, 64);
	CHECK(ocr_check(&img, expect, 1, "zzz", 0.2, &v, &err) < 0);
	CHECK(err && strstr(err, "no Tesseract data for language 'zzz'"));
	free(err);
	image_release(&img);
}

/* one engine per thread: two threads read at once */
static void *
reader(void *arg)
{
	struct image *img = arg;
	char *expect[1] = { "Launch Sale" };
	struct ocr_verdict v;
	char *err = NULL;
	int i, ok = 1;

	for (i = 0; i < 2; i++)
		if (ocr_check(img, expect, 1, "eng", 0.2, &v, &err) < 0 || !v.pass)
			ok = 0;
	return ok ? img : NULL;
}

static void
test_threads(void)
{
	struct image img;
	pthread_t t[2];
	void *r[2];
	int i;

	render_text(&img, "Banner reading 'Launch Sale', clean", 42, 512, 512);
	for (i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, reader, &img) == 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], &r[i]);
		CHECK(r[i] == &img);
	}
	image_release(&img);
}

int
main(void)
{
	RUN(test_normalise);
	RUN(test_distance);
	RUN(test_builtin_legible);
	RUN(test_missing_language);
	RUN(test_threads);
	return TEST_DONE();
}
