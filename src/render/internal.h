/* render/internal.h - what the pieces of the built-in renderer share
 *
 * The constants, the scene and its parts, and the small helpers every
 * piece calls inside its pixel loops: static inline here, so that
 * splitting the renderer into files put no call into an inner loop.
 * Everything that reaches a pixel is integer arithmetic (render.h).
 */
#ifndef RENDER_INTERNAL_H
#define RENDER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "render.h"

#define FX 256                  /* subpixel units per pixel */
#define LUT_N 1024              /* entries in a gradient lookup table */
#define MAX_QUOTES 8
#define MAX_STOPS 4

enum {
	ST_PHOTO = 1 << 0,
	ST_NEON = 1 << 1,
	ST_LOWPOLY = 1 << 2,
	ST_PASTEL = 1 << 3,
	ST_FLAT = 1 << 4,
	ST_ICON = 1 << 5,
};

enum {
	SUB_LANDSCAPE = 1 << 0,
	SUB_WATER = 1 << 1,
	SUB_CITY = 1 << 2,
	SUB_PORTRAIT = 1 << 3,
	SUB_SPACE = 1 << 4,
	SUB_SNOW = 1 << 5,
	SUB_FOREST = 1 << 6,
	SUB_DUNES = 1 << 7,
	SUB_SEA = 1 << 8,       /* open water to the horizon */
};

enum { TOD_ANY, TOD_DAY, TOD_DAWN, TOD_SUNSET, TOD_NIGHT };

enum {
	EM_NONE, EM_ROCKET, EM_STAR, EM_HEART, EM_BOLT, EM_SUN, EM_MOUNTAIN, EM_LEAF, EM_CLOUD,
	/* abstract marks, only picked at random */
	EM_RING, EM_HEXAGON, EM_DIAMOND, EM_TRIANGLE,
};

enum { MOOD_DARK = 1, MOOD_VIVID = 2, MOOD_MUTED = 4, MOOD_MONO = 8 };

enum { BL_NORMAL, BL_SCREEN, BL_ADD };

/* an 8x8 ordered-dither matrix */
static const uint8_t bayer[64] = {
	0, 32, 8, 40, 2, 34, 10, 42,
	48, 16, 56, 24, 50, 18, 58, 26,
	12, 44, 4, 36, 14, 46, 6, 38,
	60, 28, 52, 20, 62, 30, 54, 22,
	3, 35, 11, 43, 1, 33, 9, 41,
	51, 19, 59, 27, 49, 17, 57, 25,
	15, 47, 7, 39, 13, 45, 5, 37,
	63, 31, 55, 23, 61, 29, 53, 21,
};

/* the dither offset for a 16-bit blend at a pixel: 0..65535 */
#define DITHER(x, y) ((uint32_t)bayer[((y) & 7) << 3 | ((x) & 7)] * 1024 + 512)

struct rgb {
	int r, g, b;
};

struct canvas {
	uint8_t *px;
	int w, h;
	int unit;               /* the shorter side */
};

struct rng {
	uint64_t s;
};

struct quote {
	const char *s;
	size_t n;
};

/* what the prompt asks for */
struct look {
	unsigned style;         /* ST_* */
	unsigned subject;       /* SUB_* */
	unsigned mood;          /* MOOD_* */
	int tod;                /* TOD_* */
	int emblem;             /* EM_* */
	int hue[2];             /* named colours, -1 when none */
	uint64_t hash;          /* of the words outside quotes */
	struct quote q[MAX_QUOTES];
	int nq;
};

/* a colour source: a vertical gradient through up to MAX_STOPS rows */
struct paint {
	struct rgb c[MAX_STOPS];
	int y[MAX_STOPS];
	int n;
	int alpha;              /* 0..256 */
	int mode;               /* BL_* */
};

/* coverage (255 = full) over a window of the canvas */
struct mask {
	int x0, y0, w, h;
	uint8_t *a;
};

struct stop {
	int pos;                /* 0..1024 along the gradient */
	struct rgb c;
};

struct scene {
	struct canvas cv;
	struct look lk;
	struct rng rng;
	int hue;                /* the primary hue, 0..1535 (256 per 60 degrees) */
	int hue2;               /* a second hue that goes with it */
	int sat, val;           /* the style's saturation and value, 0..255 */
};

/* ---- integer helpers ---- */

static inline int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static inline int
mini(int a, int b)
{
	return a < b ? a : b;
}

static inline int
maxi(int a, int b)
{
	return a > b ? a : b;
}

static inline uint32_t
isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (uint32_t)r;
}

/* sine of a (65536 per turn) scaled by 65536: Bhaskara I's approximation,
 * good to 0.2% */
static inline int
isin(int a)
{
	int64_t p, q, v;
	int neg = 0;

	a &= 0xffff;
	if (a >= 32768) {
		a -= 32768;
		neg = 1;
	}
	p = a;
	q = p * (32768 - p);
	v = (16 * q * 65536) / (5 * 32768LL * 32768 - 4 * q);
	return (int)(neg ? -v : v);
}

static inline int
icos(int a)
{
	return isin(a + 16384);
}

/* floor division for a positive divisor */
static inline int64_t
fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

/* ---- hashing ---- */

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static inline uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* uniform in [0, n) */
static inline int
rng_below(struct rng *r, int n)
{
	if (n <= 0)
		return 0;
	return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static inline int
rng_between(struct rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + rng_below(r, hi - lo + 1);
}

/* a per-pixel hash for grain */
static inline uint32_t
hash2(uint32_t x, uint32_t y, uint32_t k)
{
	uint32_t h = x * 0x9e3779b1u ^ (y + k) * 0x85ebca77u;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	h *= 0x297a2d39u;
	h ^= h >> 15;
	return h;
}

/* ---- colour ---- */

static inline struct rgb
rgb(int r, int g, int b)
{
	struct rgb c;

	c.r = clampi(r, 0, 255);
	c.g = clampi(g, 0, 255);
	c.b = clampi(b, 0, 255);
	return c;
}

/* h: 0..1535 (wraps), s and v: 0..255 */
static inline struct rgb
hsv(int h, int s, int v)
{
	int i, f, p, q, t;

	h %= 1536;
	if (h < 0)
		h += 1536;
	s = clampi(s, 0, 255);
	v = clampi(v, 0, 255);
	i = h >> 8;
	f = h & 255;
	p = v * (255 - s) / 255;
	q = v * (65025 - s * f) / 65025;
	t = v * (65025 - s * (255 - f)) / 65025;
	switch (i) {
	case 0: return rgb(v, t, p);
	case 1: return rgb(q, v, p);
	case 2: return rgb(p, v, t);
	case 3: return rgb(p, q, v);
	case 4: return rgb(t, p, v);
	default: return rgb(v, p, q);
	}
}

/* t: 0 (a) .. 256 (b) */
static inline struct rgb
mix(struct rgb a, struct rgb b, int t)
{
	t = clampi(t, 0, 256);
	return rgb(a.r + (b.r - a.r) * t / 256, a.g + (b.g - a.g) * t / 256,
	    a.b + (b.b - a.b) * t / 256);
}

/* k: 256 keeps the colour */
static inline struct rgb
shade(struct rgb a, int k)
{
	return rgb(a.r * k / 256, a.g * k / 256, a.b * k / 256);
}

static inline int
luma(struct rgb c)
{
	return (c.r * 54 + c.g * 183 + c.b * 19) >> 8;
}

static inline struct rgb
white(void)
{
	return rgb(255, 255, 255);
}

/* ---- blending ---- */

static inline void
blend_mode(uint8_t *px, const int *c88, uint32_t a, uint32_t d, int mode)
{
	int i;

	for (i = 0; i < 3; i++) {
		uint32_t p = px[i], t, c;

		if (mode == BL_SCREEN) {
			c = (uint32_t)c88[i] >> 8;
			t = (255 - (((255 - p) * (255 - c) * 257 + 257) >> 16)) << 8;
		} else {
			t = p * 256 + (uint32_t)c88[i];
			if (t > 65280)
				t = 65280;
		}
		px[i] = (uint8_t)((p * (65536 - a) + ((t * a) >> 8) + d) >> 16);
	}
}

/* Blend the 8.8 colour c88 into px with alpha a (0..65536) and dither d. */
static inline void
blend(uint8_t *px, const int *c88, uint32_t a, uint32_t d, int mode)
{
	if (a == 0)
		return;
	if (mode != BL_NORMAL) {
		blend_mode(px, c88, a, d, mode);
	} else if (a >= 65536) {
		d >>= 8;
		px[0] = (uint8_t)(((uint32_t)c88[0] + d) >> 8);
		px[1] = (uint8_t)(((uint32_t)c88[1] + d) >> 8);
		px[2] = (uint8_t)(((uint32_t)c88[2] + d) >> 8);
	} else {
		uint32_t na = 65536 - a;

		px[0] = (uint8_t)((px[0] * na + (((uint32_t)c88[0] * a) >> 8) + d) >> 16);
		px[1] = (uint8_t)((px[1] * na + (((uint32_t)c88[1] * a) >> 8) + d) >> 16);
		px[2] = (uint8_t)((px[2] * na + (((uint32_t)c88[2] * a) >> 8) + d) >> 16);
	}
}

static inline uint8_t *
pixel(const struct canvas *cv, int x, int y)
{
	return cv->px + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
}

static inline void
rgb88(struct rgb c, int *c88)
{
	c88[0] = c.r << 8;
	c88[1] = c.g << 8;
	c88[2] = c.b << 8;
}

/* ---- scene proportions ---- */

/* pixels of the shorter side, per mille */
static inline int
pm(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.unit * permille / 1000);
}

/* FX of the shorter side, per mille */
static inline int
pmfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.unit * FX * permille / 1000);
}

static inline int
xfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.w * FX * permille / 1000);
}

static inline int
yfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.h * FX * permille / 1000);
}

/* paint.c: blending */
void paint_flat(struct paint *p, struct rgb c, int alpha, int mode);
void paint_vgrad(struct paint *p, struct rgb c0, int y0, struct rgb c1, int y1,
    int alpha, int mode);
void paint_stop(struct paint *p, struct rgb c, int y);

/* paint.c: gradients and light */
void fill_linear(struct canvas *cv, int ang, const struct stop *st, int n);
void glow(struct canvas *cv, int64_t cx, int64_t cy, int64_t rx, int64_t ry,
    struct rgb c, int strength, int power, int mode);
void fill_below(struct canvas *cv, const int *ys, const struct paint *pt);

/* paint.c: masks */
void mask_init(struct mask *m, const struct canvas *cv, int x0, int y0, int x1, int y1);
void mask_release(struct mask *m);
void mask_add(struct mask *m, int i, int j, int cov);
void mask_ring(struct mask *m, int64_t cx, int64_t cy, int64_t ro, int64_t ri);
void mask_disc(struct mask *m, int64_t cx, int64_t cy, int64_t r);
void mask_poly(struct mask *m, const int *pts, int n, unsigned hard);
void mask_segment(struct mask *m, int x0, int y0, int x1, int y1, int r);
void mask_ellipse(struct mask *m, int64_t cx, int64_t cy, int64_t rx, int64_t ry);
void mask_rrect(struct mask *m, int64_t x0, int64_t y0, int64_t x1, int64_t y1, int64_t r);
void mask_blur(struct mask *m, int r);
void mask_paint(struct canvas *cv, const struct mask *m, const struct paint *pt, int ox, int oy);
void mask_fill(struct canvas *cv, const struct mask *m, struct rgb c, int alpha, int mode);
void mask_grow_copy(struct mask *dst, const struct mask *src, const struct canvas *cv, int margin);
void mask_neon(struct canvas *cv, struct mask *m, struct rgb c, int r);

/* paint.c: triangles */
void lowpoly_canvas(struct canvas *cv, struct rng *rng, int cell);
void lowpoly_mask(struct canvas *cv, struct rng *rng, const struct mask *m, struct rgb c, int cell);

/* prompt.c: what the prompt asks for */
void scan_words(struct look *lk, const char *s, int negative, int quotes);
void scan_params(struct look *lk, const struct render_req *req);

/* scene.c: the scenes, and the colours they share */
void neon_pair(const struct scene *sc, struct rgb *hot, struct rgb *cool);
void scene_landscape(struct scene *sc);
void scene_synthwave(struct scene *sc);
void scene_neon(struct scene *sc);
void scene_abstract(struct scene *sc);
void scene_studio(struct scene *sc);
void scene_portrait(struct scene *sc);

/* icon.c: an icon (an emblem on a badge) */
void scene_icon(struct scene *sc);

/* text.c: the quoted text, on a plate */
void draw_text(struct scene *sc);

#endif
