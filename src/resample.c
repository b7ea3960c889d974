/* resample.c - separable resampling, fixed point, multithreaded over rows
 *
 * Output pixel centres map to the input as src = (i + 0.5) * in / out - 0.5.
 * Filters: nearest; bicubic is Keys' cubic with a = -0.5 (Catmull-Rom),
 * support 2; lanczos3 is sinc(x) sinc(x/3), support 3.  When shrinking,
 * the kernel is stretched by in / out.  Taps that fall outside the image
 * are clamped to the edge pixel (their weights fold onto it), and each
 * output's weights are normalised to sum 1.
 *
 * Weights are computed once per output column and row in double precision
 * with basic IEEE arithmetic only (sin is our own series, not libm's), so
 * they are the same on every machine, then rounded to 14-bit fixed point
 * so that every set sums to exactly 1 << 14 (see quantize()).  A constant
 * image therefore stays exactly constant.
 *
 * Pass 1 filters input rows horizontally into int16 rows with 6 fraction
 * bits (no clamping: ringing survives into pass 2, as in the exact 2D
 * formula).  Pass 2 filters those vertically into 8-bit output rows.  The
 * output rows are cut into one band per thread, run by pool_run(); a band
 * keeps the pass-1 rows it needs in a small ring, so every value is
 * computed the same way whatever the thread count.
 *
 * Range: a set's positive weights sum to at most 1.28 (lanczos3) or 1.14
 * (bicubic), measured over many sizes; pass-1 values would only overflow
 * int16 past 2.0, and pass-2 sums stay below 2^30.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os.h"
#include "pool.h"
#include "resample.h"
#include "util.h"

#define WBITS 14                /* weight fraction bits */
#define IBITS 6                 /* pass-1 fraction bits */
#define BLOCK 64                /* pass-1 rows are padded to this many values */
#define RING_BUDGET ((size_t)32 << 20)  /* bytes of pass-1 rows per thread */
#define MAX_THREADS POOL_MAX_THREADS
#define MIN_PIXELS_PER_THREAD 65536

static const double PI = 3.14159265358979323846;

struct axis {
	uint32_t n;             /* output length */
	uint32_t ntaps;         /* taps per output */
	uint32_t *start;        /* first input index of each output */
	int16_t *w;             /* n * ntaps weights, each set sums to 1 << WBITS */
};

struct job {
	const struct image *in;
	struct image *out;
	enum resample_filter filter;
	const struct axis *ax, *ay;
	const uint32_t *nx, *ny;        /* nearest: byte offset of x, row of y */
	uint32_t nbands;                /* band k: rows [h * k / nbands, h * (k + 1) / nbands) */
};

int
resample_filter_parse(const char *name, enum resample_filter *out)
{
	if (strcmp(name, "nearest") == 0)
		*out = FILTER_NEAREST;
	else if (strcmp(name, "bicubic") == 0)
		*out = FILTER_BICUBIC;
	else if (strcmp(name, "lanczos3") == 0)
		*out = FILTER_LANCZOS3;
	else
		return -1;
	return 0;
}

const char *
resample_filter_name(enum resample_filter f)
{
	switch (f) {
	case FILTER_NEAREST:
		return "nearest";
	case FILTER_BICUBIC:
		return "bicubic";
	case FILTER_LANCZOS3:
		return "lanczos3";
	}
	return "?";
}

/* sin(pi x) by range reduction and a Taylor series: same bits everywhere. */
static double
sin_pi(double x)
{
	double r = x - 2.0 * floor(x * 0.5 + 0.5), t, s, r2;
	int i;

	if (r > 0.5)
		r = 1.0 - r;
	else if (r < -0.5)
		r = -1.0 - r;
	r *= PI;                        /* |r| <= pi/2 */
	r2 = r * r;
	t = s = r;
	for (i = 1; i <= 12; i++) {
		t *= -r2 / ((2.0 * i) * (2.0 * i + 1.0));
		s += t;
	}
	return s;
}

static double
sinc(double x)
{
	return x == 0.0 ? 1.0 : sin_pi(x) / (PI * x);
}

static double
kernel(enum resample_filter f, double x)
{
	if (x < 0)
		x = -x;
	if (f == FILTER_LANCZOS3)
		return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
	/* Keys cubic, a = -0.5 */
	if (x < 1.0)
		return (1.5 * x - 2.5) * x * x + 1.0;
	if (x < 2.0)
		return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
	return 0.0;
}

static long
clampl(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

struct rem {
	double r;               /* exact minus rounded, in weight units */
	size_t k;
};

/* Larger remainder first; ties by index, so the order is fixed. */
static int
rem_cmp(const void *pa, const void *pb)
{
	const struct rem *a = pa, *b = pb;

	if (a->r != b->r)
		return a->r > b->r ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* Round n weights summing to 1 to WBITS fixed point summing to exactly
 * 1 << WBITS: the shortfall goes a unit at a time to the taps rounding
 * moved most (largest remainder), so no tap is off by more than one unit
 * even when a steep shrink spreads the sum over thousands of taps. */
static void
quantize(const double *w, size_t n, int32_t *q, struct rem *rem)
{
	int32_t sum = 0, d;
	size_t k;

	for (k = 0; k < n; k++) {
		double v = w[k] * (1 << WBITS);

		q[k] = (int32_t)floor(v + 0.5);
		rem[k].r = v - q[k];
		rem[k].k = k;
		sum += q[k];
	}
	d = (1 << WBITS) - sum;     /* |d| <= n / 2: each rounding is <= 0.5 */
	if (d == 0)
		return;
	qsort(rem, n, sizeof(*rem), rem_cmp);
	for (k = 0; k < (size_t)(d > 0 ? d : -d); k++) {
		if (d > 0)
			q[rem[k].k]++;
		else
			q[rem[n - 1 - k].k]--;
	}
}

static void
axis_build(struct axis *ax, uint32_t in, uint32_t out, enum resample_filter f)
{
	double scale = (double)in / out, fs = scale > 1.0 ? scale : 1.0;
	double support = (f == FILTER_LANCZOS3 ? 3.0 : 2.0) * fs;
	size_t kmax = (size_t)ceil(2.0 * support) + 2, i, k;
	double *raw, *fold;
	struct rem *rem;
	int32_t *q;
	uint32_t *lo, *span;

	if (kmax > in)
		kmax = in;
	raw = xmalloc(((size_t)ceil(2.0 * support) + 2) * sizeof(*raw));
	fold = xmalloc(kmax * sizeof(*fold));
	rem = xmalloc(kmax * sizeof(*rem));
	q = xmalloc((size_t)out * kmax * sizeof(*q));
	lo = xmalloc((size_t)out * sizeof(*lo));
	span = xmalloc((size_t)out * sizeof(*span));
	ax->n = out;
	ax->ntaps = 1;
	for (i = 0; i < out; i++) {
		double src = ((2.0 * (double)i + 1.0) * in - out) / (2.0 * out);
		double total = 0.0;
		long first = (long)ceil(src - support), last = (long)floor(src + support);
		long j, a = clampl(first, 0, (long)in - 1), b = clampl(last, 0, (long)in - 1);
		size_t n = (size_t)(b - a + 1), z0, z1;
		int32_t *qi = q + i * kmax;

		for (j = first; j <= last; j++) {
			raw[j - first] = kernel(f, (j - src) / fs);
			total += raw[j - first];
		}
		for (k = 0; k < n; k++)
			fold[k] = 0.0;
		for (j = first; j <= last; j++)
			fold[clampl(j, 0, (long)in - 1) - a] += raw[j - first] / total;
		quantize(fold, n, qi, rem);
		for (z0 = 0; qi[z0] == 0; z0++)
			;
		for (z1 = n - 1; qi[z1] == 0; z1--)
			;
		lo[i] = (uint32_t)a + (uint32_t)z0;
		span[i] = (uint32_t)(z1 - z0 + 1);
		memmove(qi, qi + z0, span[i] * sizeof(*qi));
		if (span[i] > ax->ntaps)
			ax->ntaps = span[i];
	}
	/* Same tap count for all: slide each window left to stay inside. */
	ax->start = xmalloc((size_t)out * sizeof(*ax->start));
	ax->w = xcalloc((size_t)out * ax->ntaps, sizeof(*ax->w));
	for (i = 0; i < out; i++) {
		uint32_t s = lo[i] < in - ax->ntaps ? lo[i] : in - ax->ntaps;
		int16_t *w = ax->w + i * ax->ntaps + (lo[i] - s);

		ax->start[i] = s;
		for (k = 0; k < span[i]; k++)
			w[k] = (int16_t)q[i * kmax + k];
	}
	free(raw);
	free(fold);
	free(rem);
	free(q);
	free(lo);
	free(span);
}

static void
axis_release(struct axis *ax)
{
	free(ax->start);
	free(ax->w);
}

/* Pass 1: one input row, horizontally, to IBITS fixed point. */
static void
hrow3(const uint8_t *restrict src, int16_t *restrict dst, const struct axis *ax)
{
	const uint32_t nt = ax->ntaps;
	const int16_t *w = ax->w;
	uint32_t x, k;

	for (x = 0; x < ax->n; x++, w += nt, dst += 3) {
		const uint8_t *p = src + (size_t)ax->start[x] * 3;
		int32_t a0 = 1 << (WBITS - IBITS - 1), a1 = a0, a2 = a0;

		for (k = 0; k < nt; k++, p += 3) {
			a0 += w[k] * p[0];
			a1 += w[k] * p[1];
			a2 += w[k] * p[2];
		}
		dst[0] = (int16_t)(a0 >> (WBITS - IBITS));
		dst[1] = (int16_t)(a1 >> (WBITS - IBITS));
		dst[2] = (int16_t)(a2 >> (WBITS - IBITS));
	}
}

static void
hrow4(const uint8_t *restrict src, int16_t *restrict dst, const struct axis *ax)
{
	const uint32_t nt = ax->ntaps;
	const int16_t *w = ax->w;
	uint32_t x, k;

	for (x = 0; x < ax->n; x++, w += nt, dst += 4) {
		const uint8_t *p = src + (size_t)ax->start[x] * 4;
		int32_t a0 = 1 << (WBITS - IBITS - 1), a1 = a0, a2 = a0, a3 = a0;

		for (k = 0; k < nt; k++, p += 4) {
			a0 += w[k] * p[0];
			a1 += w[k] * p[1];
			a2 += w[k] * p[2];
			a3 += w[k] * p[3];
		}
		dst[0] = (int16_t)(a0 >> (WBITS - IBITS));
		dst[1] = (int16_t)(a1 >> (WBITS - IBITS));
		dst[2] = (int16_t)(a2 >> (WBITS - IBITS));
		dst[3] = (int16_t)(a3 >> (WBITS - IBITS));
	}
}

static uint8_t
clamp8(int32_t v)
{
	v >>= WBITS + IBITS;
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Pass 2: sum w[k] * rows[k][i] over the nt rows, BLOCK values at a time
 * (fixed trip counts, so the inner loops vectorise at -O2; rows are padded
 * to a multiple of BLOCK).  Normally one call does all of an output row's
 * taps: first and last set.  Otherwise the partial sums go through acc. */
static void
vrow(uint8_t *restrict o, int32_t *restrict acc, const int16_t *const *rows,
     const int16_t *w, uint32_t nt, size_t len, int first, int last)
{
	int32_t a[BLOCK];
	uint8_t tail[BLOCK];
	size_t x, j;
	uint32_t k;

	for (x = 0; x < len; x += BLOCK) {
		if (first)
			for (j = 0; j < BLOCK; j++)
				a[j] = 1 << (WBITS + IBITS - 1);        /* rounding */
		else
			memcpy(a, acc + x, sizeof(a));
		for (k = 0; k < nt; k++) {
			const int16_t *restrict r = rows[k] + x;
			int32_t wk = w[k];

			for (j = 0; j < BLOCK; j++)
				a[j] += wk * r[j];
		}
		if (!last) {
			memcpy(acc + x, a, sizeof(a));
		} else if (x + BLOCK <= len) {
			for (j = 0; j < BLOCK; j++)
				o[x + j] = clamp8(a[j]);
		} else {
			for (j = 0; j < BLOCK; j++)
				tail[j] = clamp8(a[j]);
			memcpy(o + x, tail, len - x);
		}
	}
}

static void
band_separable(const struct job *jb, uint32_t y0, uint32_t y1)
{
	const struct image *in = jb->in;
	const struct axis *ay = jb->ay;
	uint32_t C = in->channels, y, k, nt, rfirst = 0;
	size_t len = (size_t)jb->out->width * C;
	size_t padded = (len + BLOCK - 1) / BLOCK * BLOCK, x, nring;
	const int16_t **rows;
	int16_t *ring, *w;
	uint32_t *ringrow;
	int32_t *acc = NULL;
	int first;

	nring = RING_BUDGET / (padded * sizeof(*ring));
	if (nring >= ay->ntaps)
		nring = ay->ntaps;
	else
		acc = xmalloc(padded * sizeof(*acc));
	if (nring < 1)
		nring = 1;
	ring = xcalloc(nring * padded, sizeof(*ring));
	ringrow = xmalloc(nring * sizeof(*ringrow));
	for (x = 0; x < nring; x++)
		ringrow[x] = UINT32_MAX;
	rows = xmalloc(nring * sizeof(*rows));
	w = xmalloc(nring * sizeof(*w));
	for (y = y0; y < y1; y++) {
		const int16_t *wy = ay->w + (size_t)y * ay->ntaps;
		uint8_t *o = jb->out->px + (size_t)y * len;

		first = 1;
		for (k = nt = 0; k < ay->ntaps; k++) {
			uint32_t r = ay->start[y] + k;
			int16_t *row = ring + (r % nring) * padded;

			if (wy[k] == 0)
				continue;
			/* Rows gathered must not share a ring slot; only a
			 * partial ring (a steep shrink) ever flushes here. */
			if (nt && r - rfirst >= nring) {
				vrow(o, acc, rows, w, nt, len, first, 0);
				first = 0;
				nt = 0;
			}
			if (ringrow[r % nring] != r) {
				const uint8_t *s = in->px + (size_t)r * in->width * C;

				if (C == 3)
					hrow3(s, row, jb->ax);
				else
					hrow4(s, row, jb->ax);
				ringrow[r % nring] = r;
			}
			if (!nt)
				rfirst = r;
			rows[nt] = row;
			w[nt++] = wy[k];
		}
		vrow(o, acc, rows, w, nt, len, first, 1);
	}
	free(ring);
	free(ringrow);
	free(rows);
	free(w);
	free(acc);
}

static void
band_nearest(const struct job *jb, uint32_t y0, uint32_t y1)
{
	const struct image *in = jb->in;
	uint32_t C = in->channels, y, x, c;
	size_t len = (size_t)jb->out->width * C;

	for (y = y0; y < y1; y++) {
		const uint8_t *s = in->px + (size_t)jb->ny[y] * in->width * C;
		uint8_t *o = jb->out->px + (size_t)y * len;

		if (y > y0 && jb->ny[y] == jb->ny[y - 1]) {
			memcpy(o, o - len, len);
			continue;
		}
		for (x = 0; x < jb->out->width; x++)
			for (c = 0; c < C; c++)
				o[x * C + c] = s[jb->nx[x] + c];
	}
}

/* pool_fn: output band k. */
static void
band_run(void *arg, size_t k, int worker)
{
	const struct job *jb = arg;
	uint32_t h = jb->out->height;
	uint32_t y0 = (uint32_t)((uint64_t)h * k / jb->nbands);
	uint32_t y1 = (uint32_t)((uint64_t)h * (k + 1) / jb->nbands);

	(void)worker;
	if (jb->filter == FILTER_NEAREST)
		band_nearest(jb, y0, y1);
	else
		band_separable(jb, y0, y1);
}

/* Nearest source index of each output: floor((i + 0.5) * in / out). */
static uint32_t *
nearest_table(uint32_t in, uint32_t out, uint32_t mul)
{
	uint32_t *t = xmalloc((size_t)out * sizeof(*t)), i;

	for (i = 0; i < out; i++) {
		uint64_t j = ((2 * (uint64_t)i + 1) * in) / (2 * (uint64_t)out);

		t[i] = (uint32_t)(j < in ? j : in - 1) * mul;
	}
	return t;
}

static int
pick_threads(int nthreads, uint32_t w, uint32_t h)
{
	uint64_t cap = (uint64_t)w * h / MIN_PIXELS_PER_THREAD;

	if (nthreads <= 0)
		nthreads = os_cpus();
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if ((uint64_t)nthreads > cap)
		nthreads = cap < 1 ? 1 : (int)cap;
	if ((uint32_t)nthreads > h)
		nthreads = (int)h;
	return nthreads;
}

int
resample(const struct image *in, uint32_t width, uint32_t height,
	 enum resample_filter filter, int nthreads, struct image *out)
{
	struct axis ax = {0}, ay = {0};
	uint32_t *nx = NULL, *ny = NULL;
	struct job jb;
	int n;

	out->px = NULL;
	out->width = out->height = out->channels = 0;
	if (!in->px || in->width < 1 || in->height < 1 || in->width > IMAGE_MAX_OUT ||
	    in->height > IMAGE_MAX_OUT || (in->channels != 3 && in->channels != 4))
		return -1;
	if (filter != FILTER_NEAREST && filter != FILTER_BICUBIC && filter != FILTER_LANCZOS3)
		return -1;
	if (image_alloc(out, width, height, in->channels) < 0)
		return -1;
	if (width == in->width && height == in->height) {
		memcpy(out->px, in->px, (size_t)width * height * in->channels);
		return 0;
	}
	if (filter == FILTER_NEAREST) {
		nx = nearest_table(in->width, width, in->channels);
		ny = nearest_table(in->height, height, 1);
	} else {
		axis_build(&ax, in->width, width, filter);
		axis_build(&ay, in->height, height, filter);
	}
	n = pick_threads(nthreads, width, height);
	jb.in = in;
	jb.out = out;
	jb.filter = filter;
	jb.ax = &ax;
	jb.ay = &ay;
	jb.nx = nx;
	jb.ny = ny;
	jb.nbands = (uint32_t)n;
	pool_run(n, (size_t)n, band_run, &jb);
	free(nx);
	free(ny);
	axis_release(&ax);
	axis_release(&ay);
	return 0;
}
