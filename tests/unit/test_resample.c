/* test_resample.c - resample kernels against a plain double-precision
 * reference, constancy, exact nearest duplication, thread independence */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "resample.h"
#include "util.h"
#include "test.h"

static const double PI = 3.14159265358979323846;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

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

/* ---- reference: the textbook formula in doubles, libm's sin ---- */

static double
ref_kernel(enum resample_filter f, double x)
{
	x = fabs(x);
	if (f == FILTER_LANCZOS3) {
		if (x == 0)
			return 1;
		if (x >= 3)
			return 0;
		return 3 * sin(PI * x) * sin(PI * x / 3) / (PI * PI * x * x);
	}
	/* Keys cubic with a = -0.5 */
	if (x < 1)
		return 1.5 * x * x * x - 2.5 * x * x + 1;
	if (x < 2)
		return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
	return 0;
}

/* Dense weights of output i over all in inputs (edges clamped, sum 1). */
static void
ref_weights(enum resample_filter f, uint32_t in, uint32_t out, uint32_t i, double *w)
{
	double scale = (double)in / out, fs = scale > 1 ? scale : 1;
	double support = (f == FILTER_LANCZOS3 ? 3 : 2) * fs;
	double src = (i + 0.5) * scale - 0.5, total = 0;
	long j, k;

	memset(w, 0, in * sizeof(*w));
	for (j = (long)floor(src - support) - 1; j <= (long)ceil(src + support) + 1; j++) {
		double v = ref_kernel(f, (j - src) / fs);

		k = j < 0 ? 0 : j >= (long)in ? (long)in - 1 : j;
		w[k] += v;
		total += v;
	}
	for (k = 0; k < (long)in; k++)
		w[k] /= total;
}

static void
reference(const struct image *in, uint32_t ow, uint32_t oh, enum resample_filter f,
	  struct image *out)
{
	double *wx = xmalloc((size_t)ow * in->width * sizeof(*wx));
	double *wy = xmalloc(in->height * sizeof(*wy));
	double *row = xmalloc((size_t)in->width * in->channels * sizeof(*row));
	uint32_t x, y, c, i, j, C = in->channels;

	image_alloc(out, ow, oh, C);
	for (x = 0; x < ow; x++)
		ref_weights(f, in->width, ow, x, wx + (size_t)x * in->width);
	for (y = 0; y < oh; y++) {
		ref_weights(f, in->height, oh, y, wy);
		/* vertical first: identical maths, in a different order */
		memset(row, 0, (size_t)in->width * C * sizeof(*row));
		for (j = 0; j < in->height; j++)
			if (wy[j] != 0)
				for (i = 0; i < in->width * C; i++)
					row[i] += wy[j] * in->px[(size_t)j * in->width * C + i];
		for (x = 0; x < ow; x++) {
			for (c = 0; c < C; c++) {
				double v = 0;

				for (i = 0; i < in->width; i++)
					v += wx[(size_t)x * in->width + i] * row[i * C + c];
				v = floor(v + 0.5);
				out->px[((size_t)y * ow + x) * C + c] =
					(uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	free(wx);
	free(wy);
	free(row);
}

/* Largest per-channel difference between a and b. */
static int
max_diff(const struct image *a, const struct image *b)
{
	size_t i, n = (size_t)a->width * a->height * a->channels;
	int m = 0;

	if (a->width != b->width || a->height != b->height || a->channels != b->channels)
		return 256;
	for (i = 0; i < n; i++) {
		int d = abs((int)a->px[i] - (int)b->px[i]);

		if (d > m)
			m = d;
	}
	return m;
}

static void
check_against_reference(enum resample_filter f, uint32_t w, uint32_t h, uint32_t c,
			uint32_t ow, uint32_t oh)
{
	struct image in, out, ref;
	int d;

	random_image(&in, w, h, c);
	CHECK(resample(&in, ow, oh, f, 1, &out) == 0);
	reference(&in, ow, oh, f, &ref);
	d = max_diff(&out, &ref);
	if (d > 1)
		printf("#   %s %ux%ux%u -> %ux%u: max diff %d\n", resample_filter_name(f),
		       w, h, c, ow, oh, d);
	CHECK(d <= 1);
	image_release(&in);
	image_release(&out);
	image_release(&ref);
}

/* ---- tests ---- */

static void
test_filter_names(void)
{
	enum resample_filter f;

	CHECK(resample_filter_parse("nearest", &f) == 0 && f == FILTER_NEAREST);
	CHECK(resample_filter_parse("bicubic", &f) == 0 && f == FILTER_BICUBIC);
	CHECK(resample_filter_parse("lanczos3", &f) == 0 && f == FILTER_LANCZOS3);
	CHECK(resample_filter_parse("lanczos", &f) == -1);
	CHECK(resample_filter_parse("", &f) == -1);
	CHECK_STR(resample_filter_name(FILTER_NEAREST), "nearest");
	CHECK_STR(resample_filter_name(FILTER_BICUBIC), "bicubic");
	CHECK_STR(resample_filter_name(FILTER_LANCZOS3), "lanczos3");
}

static void
test_constant(void)
{
	static const uint32_t sizes[][4] = {
		{13, 9, 26, 18}, {13, 9, 39, 27}, {13, 9, 20, 31}, {13, 9, 5, 4},
		{1, 1, 7, 5}, {2, 3, 9, 2}, {64, 48, 17, 100},
	};
	static const uint8_t colour[4] = {0, 255, 77, 200};
	enum resample_filter f;
	size_t s, i;
	uint32_t c;

	for (f = FILTER_NEAREST; f <= FILTER_LANCZOS3; f++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			for (c = 3; c <= 4; c++) {
				struct image in, out;
				int bad = 0;

				image_alloc(&in, sizes[s][0], sizes[s][1], c);
				for (i = 0; i < (size_t)in.width * in.height * c; i++)
					in.px[i] = colour[i % c];
				CHECK(resample(&in, sizes[s][2], sizes[s][3], f, 0, &out) == 0);
				CHECK(out.width == sizes[s][2] && out.height == sizes[s][3]);
				CHECK(out.channels == c);
				for (i = 0; i < (size_t)out.width * out.height * c; i++)
					bad += out.px[i] != colour[i % c];
				CHECK(bad == 0);
				image_release(&in);
				image_release(&out);
			}
		}
	}
}

static void
test_nearest_exact(void)
{
	uint32_t f, x, y, c, C;

	for (C = 3; C <= 4; C++) {
		for (f = 2; f <= 3; f++) {
			struct image in, out;
			int bad = 0;

			random_image(&in, 7, 5, C);
			CHECK(resample(&in, 7 * f, 5 * f, FILTER_NEAREST, 2, &out) == 0);
			for (y = 0; y < out.height; y++)
				for (x = 0; x < out.width; x++)
					for (c = 0; c < C; c++)
						bad += out.px[((size_t)y * out.width + x) * C + c] !=
						       in.px[((size_t)(y / f) * in.width + x / f) * C + c];
			CHECK(bad == 0);
			image_release(&in);
			image_release(&out);
		}
	}
}

static void
test_nearest_fraction(void)
{
	struct image in, out;
	uint32_t x, y, c;
	int bad = 0;

	random_image(&in, 10, 7, 3);
	CHECK(resample(&in, 23, 4, FILTER_NEAREST, 1, &out) == 0);
	for (y = 0; y < out.height; y++) {
		uint32_t sy = (uint32_t)floor((y + 0.5) * 7 / 4);

		for (x = 0; x < out.width; x++) {
			uint32_t sx = (uint32_t)floor((x + 0.5) * 10 / 23);

			for (c = 0; c < 3; c++)
				bad += out.px[((size_t)y * 23 + x) * 3 + c] !=
				       in.px[((size_t)sy * 10 + sx) * 3 + c];
		}
	}
	CHECK(bad == 0);
	image_release(&in);
	image_release(&out);
}

static void
test_lanczos_reference(void)
{
	check_against_reference(FILTER_LANCZOS3, 23, 17, 3, 46, 34);
	check_against_reference(FILTER_LANCZOS3, 23, 17, 4, 46, 34);
	check_against_reference(FILTER_LANCZOS3, 23, 17, 3, 69, 51);
	check_against_reference(FILTER_LANCZOS3, 23, 17, 3, 50, 29);
	check_against_reference(FILTER_LANCZOS3, 23, 17, 4, 11, 8);
	check_against_reference(FILTER_LANCZOS3, 40, 30, 3, 40, 61);
}

static void
test_bicubic_reference(void)
{
	check_against_reference(FILTER_BICUBIC, 23, 17, 3, 46, 34);
	check_against_reference(FILTER_BICUBIC, 23, 17, 4, 46, 34);
	check_against_reference(FILTER_BICUBIC, 23, 17, 3, 69, 51);
	check_against_reference(FILTER_BICUBIC, 23, 17, 4, 50, 29);
	check_against_reference(FILTER_BICUBIC, 23, 17, 3, 11, 8);
}

static void
test_odd_sizes(void)
{
	check_against_reference(FILTER_LANCZOS3, 3, 5, 3, 7, 11);
	check_against_reference(FILTER_LANCZOS3, 1, 2, 4, 3, 5);
	check_against_reference(FILTER_BICUBIC, 3, 5, 3, 7, 11);
	check_against_reference(FILTER_BICUBIC, 2, 1, 3, 5, 3);
	check_against_reference(FILTER_LANCZOS3, 7, 9, 3, 2, 1);
}

static void
test_one_pixel(void)
{
	enum resample_filter f;

	for (f = FILTER_NEAREST; f <= FILTER_LANCZOS3; f++) {
		struct image in, out;
		size_t i;
		int bad = 0;

		image_alloc(&in, 1, 1, 4);
		memcpy(in.px, "\x10\x80\xf0\xff", 4);
		CHECK(resample(&in, 5, 3, f, 0, &out) == 0);
		CHECK(out.width == 5 && out.height == 3 && out.channels == 4);
		for (i = 0; i < 15; i++)
			bad += memcmp(out.px + i * 4, in.px, 4) != 0;
		CHECK(bad == 0);
		image_release(&out);
		CHECK(resample(&in, 1, 1, f, 0, &out) == 0);
		CHECK(memcmp(out.px, in.px, 4) == 0);
		image_release(&out);
		image_release(&in);
	}
}

/* Big enough that 2 and 7 threads are really used. */
static void
test_threads(void)
{
	static const uint32_t sizes[][2] = {{933, 609}, {700, 501}, {301, 1500}};
	enum resample_filter f;
	struct image in;
	size_t s;

	random_image(&in, 311, 203, 3);
	for (f = FILTER_NEAREST; f <= FILTER_LANCZOS3; f++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct image a, b, c, d;
			size_t n = (size_t)sizes[s][0] * sizes[s][1] * 3;

			CHECK(resample(&in, sizes[s][0], sizes[s][1], f, 1, &a) == 0);
			CHECK(resample(&in, sizes[s][0], sizes[s][1], f, 2, &b) == 0);
			CHECK(resample(&in, sizes[s][0], sizes[s][1], f, 7, &c) == 0);
			CHECK(resample(&in, sizes[s][0], sizes[s][1], f, 0, &d) == 0);
			CHECK(memcmp(a.px, b.px, n) == 0);
			CHECK(memcmp(a.px, c.px, n) == 0);
			CHECK(memcmp(a.px, d.px, n) == 0);
			image_release(&a);
			image_release(&b);
			image_release(&c);
			image_release(&d);
		}
	}
	image_release(&in);
}

/* A steep vertical shrink of a wide image: the pass-1 rows one output
 * needs exceed the per-thread ring, so partial sums are carried. */
static void
test_steep_shrink(void)
{
	struct image in, out, ref, out2;

	random_image(&in, 400, 16384, 3);
	CHECK(resample(&in, 400, 3, FILTER_LANCZOS3, 1, &out) == 0);
	reference(&in, 400, 3, FILTER_LANCZOS3, &ref);
	CHECK(max_diff(&out, &ref) <= 1);
	CHECK(resample(&in, 400, 3, FILTER_LANCZOS3, 3, &out2) == 0);
	CHECK(memcmp(out.px, out2.px, 400 * 3 * 3) == 0);
	image_release(&in);
	image_release(&out);
	image_release(&out2);
	image_release(&ref);
}

static void
test_bad_sizes(void)
{
	struct image in, out;

	random_image(&in, 4, 4, 3);
	CHECK(resample(&in, 0, 4, FILTER_BICUBIC, 1, &out) == -1);
	CHECK(out.px == NULL);
	CHECK(resample(&in, 4, IMAGE_MAX_OUT + 1, FILTER_LANCZOS3, 1, &out) == -1);
	CHECK(out.px == NULL);
	CHECK(resample(&in, IMAGE_MAX_OUT, 1, FILTER_NEAREST, 1, &out) == 0);
	CHECK(out.width == IMAGE_MAX_OUT && out.height == 1);
	image_release(&out);
	in.channels = 2;
	CHECK(resample(&in, 8, 8, FILTER_BICUBIC, 1, &out) == -1);
	in.channels = 3;
	image_release(&in);
}

int
main(void)
{
	RUN(test_filter_names);
	RUN(test_constant);
	RUN(test_nearest_exact);
	RUN(test_nearest_fraction);
	RUN(test_lanczos_reference);
	RUN(test_bicubic_reference);
	RUN(test_odd_sizes);
	RUN(test_one_pixel);
	RUN(test_threads);
	RUN(test_steep_shrink);
	RUN(test_bad_sizes);
	return TEST_DONE();
}
