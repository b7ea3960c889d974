/* render.c - the built-in model: a deterministic procedural renderer
 *
 * Everything that reaches a pixel is integer arithmetic.  Coordinates are
 * fixed point with 8 fractional bits (FX); blends carry a 16-bit alpha and
 * are ordered-dithered back to 8 bits, so soft gradients do not band.  A
 * scene is painted back to front onto the output raster: background, light,
 * the subject's shapes, an optional low-poly pass, then the quoted text on
 * a plate.  The prompt's words (outside quotes) pick the palette and, with
 * the seed, the composition; the quoted text only changes the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "image.h"
#include "render.h"
#include "util.h"

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

enum { KW_STYLE, KW_SUBJECT, KW_TOD, KW_EMBLEM, KW_HUE, KW_MOOD };

enum { BL_NORMAL, BL_SCREEN, BL_ADD };

struct keyword {
	const char *word;
	int kind;
	int value;
};

/* plural forms are found by dropping a trailing 's' */
static const struct keyword keywords[] = {
	{ "photoreal", KW_STYLE, ST_PHOTO },
	{ "photorealistic", KW_STYLE, ST_PHOTO },
	{ "photo", KW_STYLE, ST_PHOTO },
	{ "photograph", KW_STYLE, ST_PHOTO },
	{ "photographic", KW_STYLE, ST_PHOTO },
	{ "photography", KW_STYLE, ST_PHOTO },
	{ "realistic", KW_STYLE, ST_PHOTO },
	{ "realism", KW_STYLE, ST_PHOTO },
	{ "cinematic", KW_STYLE, ST_PHOTO },
	{ "hdr", KW_STYLE, ST_PHOTO },
	{ "dslr", KW_STYLE, ST_PHOTO },
	{ "neon", KW_STYLE, ST_NEON },
	{ "cyberpunk", KW_STYLE, ST_NEON },
	{ "synthwave", KW_STYLE, ST_NEON },
	{ "vaporwave", KW_STYLE, ST_NEON },
	{ "retrowave", KW_STYLE, ST_NEON },
	{ "outrun", KW_STYLE, ST_NEON },
	{ "glowing", KW_STYLE, ST_NEON },
	{ "lowpoly", KW_STYLE, ST_LOWPOLY },
	{ "polygon", KW_STYLE, ST_LOWPOLY },
	{ "polygonal", KW_STYLE, ST_LOWPOLY },
	{ "faceted", KW_STYLE, ST_LOWPOLY },
	{ "pastel", KW_STYLE, ST_PASTEL },
	{ "dreamy", KW_STYLE, ST_PASTEL },
	{ "kawaii", KW_STYLE, ST_PASTEL },
	{ "flat", KW_STYLE, ST_FLAT },
	{ "vector", KW_STYLE, ST_FLAT },
	{ "minimal", KW_STYLE, ST_FLAT },
	{ "minimalist", KW_STYLE, ST_FLAT },
	{ "minimalistic", KW_STYLE, ST_FLAT },
	{ "material", KW_STYLE, ST_FLAT },
	{ "icon", KW_STYLE, ST_ICON | ST_FLAT },
	{ "logo", KW_STYLE, ST_ICON | ST_FLAT },
	{ "emblem", KW_STYLE, ST_ICON | ST_FLAT },
	{ "badge", KW_STYLE, ST_ICON | ST_FLAT },
	{ "favicon", KW_STYLE, ST_ICON | ST_FLAT },
	{ "sticker", KW_STYLE, ST_ICON | ST_FLAT },
	{ "mountain", KW_SUBJECT, SUB_LANDSCAPE },
	{ "landscape", KW_SUBJECT, SUB_LANDSCAPE },
	{ "hill", KW_SUBJECT, SUB_LANDSCAPE },
	{ "valley", KW_SUBJECT, SUB_LANDSCAPE },
	{ "alps", KW_SUBJECT, SUB_LANDSCAPE },
	{ "peak", KW_SUBJECT, SUB_LANDSCAPE },
	{ "canyon", KW_SUBJECT, SUB_LANDSCAPE },
	{ "nature", KW_SUBJECT, SUB_LANDSCAPE },
	{ "scenery", KW_SUBJECT, SUB_LANDSCAPE },
	{ "scenic", KW_SUBJECT, SUB_LANDSCAPE },
	{ "outdoor", KW_SUBJECT, SUB_LANDSCAPE },
	{ "hiking", KW_SUBJECT, SUB_LANDSCAPE },
	{ "wilderness", KW_SUBJECT, SUB_LANDSCAPE },
	{ "countryside", KW_SUBJECT, SUB_LANDSCAPE },
	{ "lake", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "sea", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "ocean", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "water", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "beach", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "river", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "bay", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "coast", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "coastal", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER | SUB_SEA },
	{ "harbor", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "harbour", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "reflection", KW_SUBJECT, SUB_LANDSCAPE | SUB_WATER },
	{ "city", KW_SUBJECT, SUB_CITY },
	{ "cities", KW_SUBJECT, SUB_CITY },
	{ "skyline", KW_SUBJECT, SUB_CITY },
	{ "urban", KW_SUBJECT, SUB_CITY },
	{ "downtown", KW_SUBJECT, SUB_CITY },
	{ "building", KW_SUBJECT, SUB_CITY },
	{ "skyscraper", KW_SUBJECT, SUB_CITY },
	{ "street", KW_SUBJECT, SUB_CITY },
	{ "metropolis", KW_SUBJECT, SUB_CITY },
	{ "town", KW_SUBJECT, SUB_CITY },
	{ "portrait", KW_SUBJECT, SUB_PORTRAIT },
	{ "person", KW_SUBJECT, SUB_PORTRAIT },
	{ "people", KW_SUBJECT, SUB_PORTRAIT },
	{ "face", KW_SUBJECT, SUB_PORTRAIT },
	{ "headshot", KW_SUBJECT, SUB_PORTRAIT },
	{ "avatar", KW_SUBJECT, SUB_PORTRAIT },
	{ "profile", KW_SUBJECT, SUB_PORTRAIT },
	{ "selfie", KW_SUBJECT, SUB_PORTRAIT },
	{ "woman", KW_SUBJECT, SUB_PORTRAIT },
	{ "man", KW_SUBJECT, SUB_PORTRAIT },
	{ "character", KW_SUBJECT, SUB_PORTRAIT },
	{ "space", KW_SUBJECT, SUB_SPACE },
	{ "galaxy", KW_SUBJECT, SUB_SPACE },
	{ "galaxies", KW_SUBJECT, SUB_SPACE },
	{ "cosmic", KW_SUBJECT, SUB_SPACE },
	{ "cosmos", KW_SUBJECT, SUB_SPACE },
	{ "starry", KW_SUBJECT, SUB_SPACE },
	{ "universe", KW_SUBJECT, SUB_SPACE },
	{ "nebula", KW_SUBJECT, SUB_SPACE },
	{ "snow", KW_SUBJECT, SUB_SNOW },
	{ "snowy", KW_SUBJECT, SUB_SNOW },
	{ "winter", KW_SUBJECT, SUB_SNOW },
	{ "ice", KW_SUBJECT, SUB_SNOW },
	{ "frozen", KW_SUBJECT, SUB_SNOW },
	{ "glacier", KW_SUBJECT, SUB_SNOW | SUB_LANDSCAPE },
	{ "forest", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "tree", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "trees", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "woods", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "pine", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "jungle", KW_SUBJECT, SUB_FOREST | SUB_LANDSCAPE },
	{ "desert", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "dune", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "sand", KW_SUBJECT, SUB_DUNES | SUB_LANDSCAPE },
	{ "dawn", KW_TOD, TOD_DAWN },
	{ "sunrise", KW_TOD, TOD_DAWN },
	{ "daybreak", KW_TOD, TOD_DAWN },
	{ "morning", KW_TOD, TOD_DAWN },
	{ "sunset", KW_TOD, TOD_SUNSET },
	{ "dusk", KW_TOD, TOD_SUNSET },
	{ "evening", KW_TOD, TOD_SUNSET },
	{ "twilight", KW_TOD, TOD_SUNSET },
	{ "golden", KW_TOD, TOD_SUNSET },
	{ "night", KW_TOD, TOD_NIGHT },
	{ "nighttime", KW_TOD, TOD_NIGHT },
	{ "midnight", KW_TOD, TOD_NIGHT },
	{ "moon", KW_TOD, TOD_NIGHT },
	{ "moonlight", KW_TOD, TOD_NIGHT },
	{ "moonlit", KW_TOD, TOD_NIGHT },
	{ "nocturnal", KW_TOD, TOD_NIGHT },
	{ "day", KW_TOD, TOD_DAY },
	{ "daytime", KW_TOD, TOD_DAY },
	{ "daylight", KW_TOD, TOD_DAY },
	{ "noon", KW_TOD, TOD_DAY },
	{ "sunny", KW_TOD, TOD_DAY },
	{ "summer", KW_TOD, TOD_DAY },
	{ "afternoon", KW_TOD, TOD_DAY },
	{ "rocket", KW_EMBLEM, EM_ROCKET },
	{ "spaceship", KW_EMBLEM, EM_ROCKET },
	{ "startup", KW_EMBLEM, EM_ROCKET },
	{ "star", KW_EMBLEM, EM_STAR },
	{ "favorite", KW_EMBLEM, EM_STAR },
	{ "rating", KW_EMBLEM, EM_STAR },
	{ "heart", KW_EMBLEM, EM_HEART },
	{ "love", KW_EMBLEM, EM_HEART },
	{ "valentine", KW_EMBLEM, EM_HEART },
	{ "bolt", KW_EMBLEM, EM_BOLT },
	{ "lightning", KW_EMBLEM, EM_BOLT },
	{ "energy", KW_EMBLEM, EM_BOLT },
	{ "power", KW_EMBLEM, EM_BOLT },
	{ "electric", KW_EMBLEM, EM_BOLT },
	{ "flash", KW_EMBLEM, EM_BOLT },
	{ "sun", KW_EMBLEM, EM_SUN },
	{ "solar", KW_EMBLEM, EM_SUN },
	{ "leaf", KW_EMBLEM, EM_LEAF },
	{ "leaves", KW_EMBLEM, EM_LEAF },
	{ "eco", KW_EMBLEM, EM_LEAF },
	{ "plant", KW_EMBLEM, EM_LEAF },
	{ "cloud", KW_EMBLEM, EM_CLOUD },
	{ "red", KW_HUE, 0 },
	{ "scarlet", KW_HUE, 8 },
	{ "coral", KW_HUE, 40 },
	{ "orange", KW_HUE, 110 },
	{ "amber", KW_HUE, 160 },
	{ "gold", KW_HUE, 180 },
	{ "yellow", KW_HUE, 250 },
	{ "lime", KW_HUE, 350 },
	{ "green", KW_HUE, 500 },
	{ "emerald", KW_HUE, 560 },
	{ "mint", KW_HUE, 590 },
	{ "teal", KW_HUE, 700 },
	{ "turquoise", KW_HUE, 720 },
	{ "aqua", KW_HUE, 745 },
	{ "cyan", KW_HUE, 768 },
	{ "azure", KW_HUE, 880 },
	{ "blue", KW_HUE, 980 },
	{ "cobalt", KW_HUE, 990 },
	{ "navy", KW_HUE, 1010 },
	{ "indigo", KW_HUE, 1100 },
	{ "violet", KW_HUE, 1170 },
	{ "lavender", KW_HUE, 1180 },
	{ "purple", KW_HUE, 1200 },
	{ "magenta", KW_HUE, 1280 },
	{ "fuchsia", KW_HUE, 1300 },
	{ "pink", KW_HUE, 1390 },
	{ "rose", KW_HUE, 1440 },
	{ "ruby", KW_HUE, 1500 },
	{ "crimson", KW_HUE, 1515 },
	/* themes that suggest a colour */
	{ "autumn", KW_HUE, 100 },
	{ "halloween", KW_HUE, 110 },
	{ "christmas", KW_HUE, 10 },
	{ "coffee", KW_HUE, 70 },
	{ "chocolate", KW_HUE, 60 },
	{ "corporate", KW_HUE, 1000 },
	{ "tech", KW_HUE, 960 },
	{ "fintech", KW_HUE, 940 },
	{ "health", KW_HUE, 620 },
	{ "spring", KW_HUE, 1400 },
	{ "luxury", KW_HUE, 175 },
	{ "black", KW_MOOD, MOOD_DARK },
	{ "dark", KW_MOOD, MOOD_DARK },
	{ "moody", KW_MOOD, MOOD_DARK },
	{ "noir", KW_MOOD, MOOD_DARK },
	{ "bright", KW_MOOD, MOOD_VIVID },
	{ "vibrant", KW_MOOD, MOOD_VIVID },
	{ "vivid", KW_MOOD, MOOD_VIVID },
	{ "colorful", KW_MOOD, MOOD_VIVID },
	{ "colourful", KW_MOOD, MOOD_VIVID },
	{ "muted", KW_MOOD, MOOD_MUTED },
	{ "subtle", KW_MOOD, MOOD_MUTED },
	{ "earthy", KW_MOOD, MOOD_MUTED },
	{ "monochrome", KW_MOOD, MOOD_MONO },
	{ "grayscale", KW_MOOD, MOOD_MONO },
	{ "greyscale", KW_MOOD, MOOD_MONO },
};

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

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int
mini(int a, int b)
{
	return a < b ? a : b;
}

static int
maxi(int a, int b)
{
	return a > b ? a : b;
}

static uint32_t
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
static int
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

static int
icos(int a)
{
	return isin(a + 16384);
}

/* floor division for a positive divisor */
static int64_t
fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

/* ---- hashing ---- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
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

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* uniform in [0, n) */
static int
rng_below(struct rng *r, int n)
{
	if (n <= 0)
		return 0;
	return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static int
rng_between(struct rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + rng_below(r, hi - lo + 1);
}

/* a per-pixel hash for grain */
static uint32_t
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

static struct rgb
rgb(int r, int g, int b)
{
	struct rgb c;

	c.r = clampi(r, 0, 255);
	c.g = clampi(g, 0, 255);
	c.b = clampi(b, 0, 255);
	return c;
}

/* h: 0..1535 (wraps), s and v: 0..255 */
static struct rgb
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
static struct rgb
mix(struct rgb a, struct rgb b, int t)
{
	t = clampi(t, 0, 256);
	return rgb(a.r + (b.r - a.r) * t / 256, a.g + (b.g - a.g) * t / 256,
	    a.b + (b.b - a.b) * t / 256);
}

/* k: 256 keeps the colour */
static struct rgb
shade(struct rgb a, int k)
{
	return rgb(a.r * k / 256, a.g * k / 256, a.b * k / 256);
}

static int
luma(struct rgb c)
{
	return (c.r * 54 + c.g * 183 + c.b * 19) >> 8;
}

static struct rgb
white(void)
{
	return rgb(255, 255, 255);
}

/* ---- blending ---- */

static void
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

static void
paint_flat(struct paint *p, struct rgb c, int alpha, int mode)
{
	p->c[0] = c;
	p->y[0] = 0;
	p->n = 1;
	p->alpha = alpha;
	p->mode = mode;
}

static void
paint_vgrad(struct paint *p, struct rgb c0, int y0, struct rgb c1, int y1,
    int alpha, int mode)
{
	paint_flat(p, c0, alpha, mode);
	p->c[1] = c1;
	p->y[0] = y0;
	p->y[1] = y1 > y0 ? y1 : y0 + 1;
	p->n = 2;
}

/* add a stop below the last one */
static void
paint_stop(struct paint *p, struct rgb c, int y)
{
	if (p->n >= MAX_STOPS)
		return;
	p->c[p->n] = c;
	p->y[p->n] = y > p->y[p->n - 1] ? y : p->y[p->n - 1] + 1;
	p->n++;
}

/* the colour of row y in 8.8 */
static void
paint_row(const struct paint *p, int y, int *c88)
{
	struct rgb a, b;
	int k, t;

	if (p->n == 1 || y <= p->y[0]) {
		a = p->c[0];
		c88[0] = a.r << 8;
		c88[1] = a.g << 8;
		c88[2] = a.b << 8;
		return;
	}
	for (k = 1; k < p->n - 1 && y > p->y[k]; k++)
		;
	if (y >= p->y[k]) {
		a = p->c[k];
		c88[0] = a.r << 8;
		c88[1] = a.g << 8;
		c88[2] = a.b << 8;
		return;
	}
	a = p->c[k - 1];
	b = p->c[k];
	t = (int)(((int64_t)(y - p->y[k - 1]) << 16) / (p->y[k] - p->y[k - 1]));
	c88[0] = (a.r << 8) + (int)(((int64_t)(b.r - a.r) * t) >> 8);
	c88[1] = (a.g << 8) + (int)(((int64_t)(b.g - a.g) * t) >> 8);
	c88[2] = (a.b << 8) + (int)(((int64_t)(b.b - a.b) * t) >> 8);
}

static uint8_t *
pixel(const struct canvas *cv, int x, int y)
{
	return cv->px + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
}

/* ---- gradients and light ---- */

static void
lut_build(int (*lut)[3], const struct stop *st, int n)
{
	int i, k = 0;

	for (i = 0; i < LUT_N; i++) {
		int pos = i * 1024 / (LUT_N - 1), f, span;
		struct rgb a, b;

		while (k < n - 2 && pos > st[k + 1].pos)
			k++;
		a = st[k].c;
		b = n > 1 ? st[k + 1].c : a;
		span = n > 1 ? st[k + 1].pos - st[k].pos : 0;
		if (pos <= st[k].pos || span <= 0)
			f = pos <= st[k].pos ? 0 : 65536;
		else
			f = clampi((int)(((int64_t)(pos - st[k].pos) << 16) / span), 0, 65536);
		lut[i][0] = (a.r << 8) + (int)(((int64_t)(b.r - a.r) * f) >> 8);
		lut[i][1] = (a.g << 8) + (int)(((int64_t)(b.g - a.g) * f) >> 8);
		lut[i][2] = (a.b << 8) + (int)(((int64_t)(b.b - a.b) * f) >> 8);
	}
}

/* Fill the whole canvas with a linear gradient along angle ang (65536 per
 * turn; 16384 runs top to bottom). */
static void
fill_linear(struct canvas *cv, int ang, const struct stop *st, int n)
{
	int (*lut)[3] = xmalloc(sizeof(*lut) * LUT_N);
	int64_t ux = icos(ang), uy = isin(ang), t[4], tmin, tmax, span, step;
	int x, y, i;

	lut_build(lut, st, n);
	t[0] = 0;
	t[1] = ux * cv->w;
	t[2] = uy * cv->h;
	t[3] = t[1] + t[2];
	tmin = tmax = 0;
	for (i = 1; i < 4; i++) {
		if (t[i] < tmin)
			tmin = t[i];
		if (t[i] > tmax)
			tmax = t[i];
	}
	span = tmax - tmin > 0 ? tmax - tmin : 1;
	step = ux * (LUT_N - 1) * 65536 / span;
	for (y = 0; y < cv->h; y++) {
		int64_t t0 = ux / 2 + (int64_t)(2 * y + 1) * uy / 2 - tmin;
		int64_t a = t0 * (LUT_N - 1) * 65536 / span;
		uint8_t *p = pixel(cv, 0, y);

		for (x = 0; x < cv->w; x++, a += step, p += 3) {
			int idx = (int)(a >> 16);
			int d = bayer[(y & 7) << 3 | (x & 7)] * 4 + 2;
			const int *c;

			idx = clampi(idx, 0, LUT_N - 1);
			c = lut[idx];
			p[0] = (uint8_t)((c[0] + d) >> 8);
			p[1] = (uint8_t)((c[1] + d) >> 8);
			p[2] = (uint8_t)((c[2] + d) >> 8);
		}
	}
	free(lut);
}

/* Soft elliptical light at (cx, cy) (FX) with radii rx, ry (FX): alpha
 * (1 - q)^power * strength / 256, q the squared normalised distance. */
static void
glow(struct canvas *cv, int64_t cx, int64_t cy, int64_t rx, int64_t ry,
    struct rgb c, int strength, int power, int mode)
{
	uint64_t invx, invy;
	int x, y, y0, y1, c88[3];

	if (rx < FX / 2 || ry < FX / 2 || strength <= 0)
		return;
	invx = ((uint64_t)1 << 48) / (uint64_t)(rx * rx);
	invy = ((uint64_t)1 << 48) / (uint64_t)(ry * ry);
	c88[0] = c.r << 8;
	c88[1] = c.g << 8;
	c88[2] = c.b << 8;
	y0 = maxi((int)fdiv(cy - ry, FX), 0);
	y1 = mini((int)fdiv(cy + ry, FX) + 1, cv->h - 1);
	for (y = y0; y <= y1; y++) {
		int64_t dy = (int64_t)y * FX + FX / 2 - cy, span;
		uint64_t qy = ((uint64_t)(dy * dy) * invy) >> 32;
		int x0, x1;
		uint8_t *p;

		if (qy >= 65536)
			continue;
		span = (int64_t)isqrt64((uint64_t)rx * (uint64_t)rx / 65536 * (65536 - qy)) + FX;
		x0 = maxi((int)fdiv(cx - span, FX), 0);
		x1 = mini((int)fdiv(cx + span, FX) + 1, cv->w - 1);
		p = pixel(cv, x0, y);
		for (x = x0; x <= x1; x++, p += 3) {
			int64_t dx = (int64_t)x * FX + FX / 2 - cx;
			uint64_t q = qy + (((uint64_t)(dx * dx) * invx) >> 32);
			uint64_t f, a;
			int k;

			if (q >= 65536)
				continue;
			f = 65536 - q;
			a = f;
			for (k = 1; k < power; k++)
				a = (a * f) >> 16;
			a = (a * (uint64_t)strength) >> 8;
			blend(p, c88, (uint32_t)a, DITHER(x, y), mode);
		}
	}
}

/* Fill between the curve ys (w + 1 values, FX, one per column edge) and
 * the bottom of the canvas. */
static void
fill_below(struct canvas *cv, const int *ys, const struct paint *pt)
{
	int *top = xmalloc(sizeof(int) * 2 * (size_t)cv->w);
	int *full = top + cv->w;
	int x, y, ymin = cv->h, c88[3];

	for (x = 0; x < cv->w; x++) {
		int a = mini(ys[x], ys[x + 1]), b = maxi(ys[x], ys[x + 1]);

		top[x] = maxi((int)fdiv(a, FX), 0);
		full[x] = maxi((int)fdiv(b + FX - 1, FX), 0);
		ymin = mini(ymin, top[x]);
	}
	for (y = ymin; y < cv->h; y++) {
		uint8_t *p = pixel(cv, 0, y), pat[8][3];
		int opaque = pt->alpha >= 256 && pt->mode == BL_NORMAL, k;

		paint_row(pt, y, c88);
		/* an opaque row is the same 8 dithered pixels over and over */
		for (k = 0; k < 8 && opaque; k++) {
			uint32_t d = (uint32_t)bayer[(y & 7) << 3 | k] * 4 + 2;

			pat[k][0] = (uint8_t)(((uint32_t)c88[0] + d) >> 8);
			pat[k][1] = (uint8_t)(((uint32_t)c88[1] + d) >> 8);
			pat[k][2] = (uint8_t)(((uint32_t)c88[2] + d) >> 8);
		}
		for (x = 0; x < cv->w; x++, p += 3) {
			int cov;
			uint32_t a;

			if (y < top[x])
				continue;
			if (y >= full[x]) {
				if (opaque) {
					p[0] = pat[x & 7][0];
					p[1] = pat[x & 7][1];
					p[2] = pat[x & 7][2];
					continue;
				}
				cov = 256;
			} else {
				int j, bot = (y + 1) * FX;

				/* four sub-columns */
				cov = 0;
				for (j = 0; j < 4; j++) {
					int yk = ys[x] + (ys[x + 1] - ys[x]) * (2 * j + 1) / 8;

					cov += clampi(bot - yk, 0, FX);
				}
				cov /= 4;
			}
			a = (uint32_t)cov * 256 * (uint32_t)pt->alpha / 256;
			blend(p, c88, a, DITHER(x, y), pt->mode);
		}
	}
	free(top);
}

/* ---- masks ---- */

static void
mask_init(struct mask *m, const struct canvas *cv, int x0, int y0, int x1, int y1)
{
	x0 = maxi(x0, 0);
	y0 = maxi(y0, 0);
	x1 = mini(x1, cv->w);
	y1 = mini(y1, cv->h);
	m->x0 = x0;
	m->y0 = y0;
	m->w = m->h = 0;
	m->a = NULL;
	if (x1 <= x0 || y1 <= y0)
		return;
	m->w = x1 - x0;
	m->h = y1 - y0;
	m->a = xcalloc((size_t)m->w * (size_t)m->h, 1);
}

static void
mask_release(struct mask *m)
{
	free(m->a);
	m->a = NULL;
	m->w = m->h = 0;
}

/* add coverage (0..256) at window pixel (i, j) */
static void
mask_add(struct mask *m, int i, int j, int cov)
{
	uint8_t *a = m->a + (size_t)j * (size_t)m->w + (size_t)i;
	int v = *a + cov - (cov >> 8);

	*a = (uint8_t)(v > 255 ? 255 : v);
}

/* A disc of radius ro (FX) centred at (cx, cy), less the disc of radius ri
 * (ri < 0: none). */
static void
mask_ring(struct mask *m, int64_t cx, int64_t cy, int64_t ro, int64_t ri)
{
	int64_t out2 = (ro + FX / 2) * (ro + FX / 2);
	int64_t in2 = ro > FX / 2 ? (ro - FX / 2) * (ro - FX / 2) : 0;
	int64_t hole2 = ri > FX / 2 ? (ri - FX / 2) * (ri - FX / 2) : 0;
	int64_t holeout2 = ri >= 0 ? (ri + FX / 2) * (ri + FX / 2) : -1;
	int j, i;

	if (ro <= 0)
		return;
	for (j = 0; j < m->h; j++) {
		int64_t dy = (int64_t)(m->y0 + j) * FX + FX / 2 - cy, span;
		int i0, i1;

		if (dy * dy >= out2)
			continue;
		span = (int64_t)isqrt64((uint64_t)(out2 - dy * dy)) + FX;
		i0 = maxi((int)fdiv(cx - span, FX) - m->x0, 0);
		i1 = mini((int)fdiv(cx + span, FX) - m->x0 + 1, m->w - 1);
		for (i = i0; i <= i1; i++) {
			int64_t dx = (int64_t)(m->x0 + i) * FX + FX / 2 - cx;
			int64_t d2 = dx * dx + dy * dy, d;
			int cov;

			if (d2 >= out2 || d2 < hole2)
				continue;
			if (d2 <= in2 && d2 >= holeout2) {
				mask_add(m, i, j, 256);
				continue;
			}
			d = isqrt64((uint64_t)d2);
			cov = clampi((int)(ro + FX / 2 - d), 0, FX);
			if (ri >= 0)
				cov -= clampi((int)(ri + FX / 2 - d), 0, FX);
			if (cov > 0)
				mask_add(m, i, j, cov);
		}
	}
}

static void
mask_disc(struct mask *m, int64_t cx, int64_t cy, int64_t r)
{
	mask_ring(m, cx, cy, r, -1);
}

/* A convex polygon, pts as x, y pairs in FX, either winding.  Edge k runs
 * from point k to point k + 1; bit k of hard makes it a sharp edge (for
 * edges shared with another piece of the same shape), else it is
 * antialiased. */
static void
mask_poly(struct mask *m, const int *pts, int n, unsigned hard)
{
	int64_t nx[16], ny[16], nc[16];
	int soft[16], ne = 0, k, j, i;
	int64_t mx = 0, my = 0, xmin, xmax, ymin, ymax;

	if (n < 3 || n > 16 || !m->a)
		return;
	xmin = xmax = pts[0];
	ymin = ymax = pts[1];
	for (k = 0; k < n; k++) {
		mx += pts[2 * k];
		my += pts[2 * k + 1];
		if (pts[2 * k] < xmin)
			xmin = pts[2 * k];
		if (pts[2 * k] > xmax)
			xmax = pts[2 * k];
		if (pts[2 * k + 1] < ymin)
			ymin = pts[2 * k + 1];
		if (pts[2 * k + 1] > ymax)
			ymax = pts[2 * k + 1];
	}
	mx /= n;
	my /= n;
	for (k = 0; k < n; k++) {
		int64_t x0 = pts[2 * k], y0 = pts[2 * k + 1];
		int64_t x1 = pts[(2 * k + 2) % (2 * n)], y1 = pts[(2 * k + 3) % (2 * n)];
		int64_t ex = x1 - x0, ey = y1 - y0, len;

		len = isqrt64((uint64_t)(ex * ex + ey * ey));
		if (len == 0)
			continue;
		nx[ne] = -ey * 65536 / len;
		ny[ne] = ex * 65536 / len;
		nc[ne] = -(nx[ne] * x0 + ny[ne] * y0);
		if (nx[ne] * mx + ny[ne] * my + nc[ne] < 0) {
			nx[ne] = -nx[ne];
			ny[ne] = -ny[ne];
			nc[ne] = -nc[ne];
		}
		soft[ne] = !((hard >> k) & 1);
		ne++;
	}
	if (ne < 3)
		return;
	for (j = 0; j < m->h; j++) {
		int y = m->y0 + j, lo, hi, flo, fhi;
		int64_t py = (int64_t)y * FX + FX / 2;

		if (py < ymin - FX || py > ymax + FX)
			continue;
		lo = maxi((int)fdiv(xmin, FX) - 1 - m->x0, 0);
		hi = mini((int)fdiv(xmax, FX) + 1 - m->x0, m->w - 1);
		flo = lo;
		fhi = hi;
		/* narrow the row to where each edge can cover, and find the
		 * span every edge covers fully */
		for (k = 0; k < ne && lo <= hi; k++) {
			int64_t kx = nx[k] * FX, b = nx[k] * (FX / 2) + ny[k] * py + nc[k];
			int64_t tz = soft[k] ? -(FX / 2) * 65536 : 0;
			int64_t tf = soft[k] ? (FX / 2) * 65536 : 0;

			/* d(x) * 65536 = kx * x + b, x the canvas column */
			if (kx == 0) {
				if (b < tz)
					lo = hi + 1;
				if (b < tf)
					flo = fhi + 1;
			} else if (kx > 0) {
				lo = maxi(lo, (int)fdiv(tz - b, kx) - 1 - m->x0);
				flo = maxi(flo, (int)fdiv(tf - b, kx) + 2 - m->x0);
			} else {
				hi = mini(hi, (int)fdiv(b - tz, -kx) + 1 - m->x0);
				fhi = mini(fhi, (int)fdiv(b - tf, -kx) - 2 - m->x0);
			}
		}
		for (i = lo; i <= hi; i++) {
			int64_t px = (int64_t)(m->x0 + i) * FX + FX / 2;
			int cov = FX;

			if (i >= flo && i <= fhi) {
				mask_add(m, i, j, FX);
				continue;
			}
			for (k = 0; k < ne && cov > 0; k++) {
				int64_t d = (nx[k] * px + ny[k] * py + nc[k]) >> 16;

				if (soft[k])
					cov = mini(cov, clampi((int)d + FX / 2, 0, FX));
				else if (d < 0)
					cov = 0;
			}
			if (cov > 0)
				mask_add(m, i, j, cov);
		}
	}
}

/* a quad for the segment (x0, y0)-(x1, y1), r wide on each side (FX) */
static void
mask_segment(struct mask *m, int x0, int y0, int x1, int y1, int r)
{
	int64_t ex = x1 - x0, ey = y1 - y0, len = isqrt64((uint64_t)(ex * ex + ey * ey));
	int ox, oy, pts[8];

	if (len == 0)
		return;
	ox = (int)(-ey * r / len);
	oy = (int)(ex * r / len);
	pts[0] = x0 + ox;
	pts[1] = y0 + oy;
	pts[2] = x1 + ox;
	pts[3] = y1 + oy;
	pts[4] = x1 - ox;
	pts[5] = y1 - oy;
	pts[6] = x0 - ox;
	pts[7] = y0 - oy;
	mask_poly(m, pts, 4, 0);
}

/* an axis-aligned ellipse (FX): a disc in a space squeezed to match */
static void
mask_ellipse(struct mask *m, int64_t cx, int64_t cy, int64_t rx, int64_t ry)
{
	int64_t out2 = (rx + FX / 2) * (rx + FX / 2);
	int64_t in2 = rx > FX / 2 ? (rx - FX / 2) * (rx - FX / 2) : 0;
	int i, j;

	if (rx <= 0 || ry <= 0)
		return;
	for (j = 0; j < m->h; j++) {
		int64_t dy = ((int64_t)(m->y0 + j) * FX + FX / 2 - cy) * rx / ry, span;
		int i0, i1;

		if (dy * dy >= out2)
			continue;
		span = (int64_t)isqrt64((uint64_t)(out2 - dy * dy)) + FX;
		i0 = maxi((int)fdiv(cx - span, FX) - m->x0, 0);
		i1 = mini((int)fdiv(cx + span, FX) - m->x0 + 1, m->w - 1);
		for (i = i0; i <= i1; i++) {
			int64_t dx = (int64_t)(m->x0 + i) * FX + FX / 2 - cx;
			int64_t d2 = dx * dx + dy * dy;

			if (d2 >= out2)
				continue;
			if (d2 <= in2)
				mask_add(m, i, j, FX);
			else
				mask_add(m, i, j,
				    clampi((int)(rx + FX / 2 - isqrt64((uint64_t)d2)), 0, FX));
		}
	}
}

/* a rounded rectangle (FX): signed distance to the rounded box */
static void
mask_rrect(struct mask *m, int64_t x0, int64_t y0, int64_t x1, int64_t y1, int64_t r)
{
	int64_t cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
	int64_t hx = (x1 - x0) / 2, hy = (y1 - y0) / 2;
	int i, j;

	if (hx <= 0 || hy <= 0)
		return;
	r = r < 0 ? 0 : r > hx ? hx : r;
	r = r > hy ? hy : r;
	for (j = 0; j < m->h; j++) {
		int64_t py = (int64_t)(m->y0 + j) * FX + FX / 2;
		int64_t qy = (py > cy ? py - cy : cy - py) - (hy - r);

		if (qy > r + FX)
			continue;
		for (i = 0; i < m->w; i++) {
			int64_t px = (int64_t)(m->x0 + i) * FX + FX / 2;
			int64_t qx = (px > cx ? px - cx : cx - px) - (hx - r), d;

			if (qx > r + FX)
				continue;
			if (qx > 0 && qy > 0)
				d = isqrt64((uint64_t)(qx * qx + qy * qy)) - r;
			else
				d = (qx > qy ? qx : qy) - r;
			if (d < FX / 2)
				mask_add(m, i, j, clampi((int)(FX / 2 - d), 0, FX));
		}
	}
}

/* three box passes each way: close to a gaussian of sigma ~ r */
static void
mask_blur(struct mask *m, int r)
{
	uint16_t *v, *u, *tmp;
	uint32_t *sum, inv;
	int pass, i, j, n, w = m->w, h = m->h;

	if (r < 1 || !m->a)
		return;
	n = 2 * r + 1;
	inv = 65536 / (uint32_t)n;      /* sums stay below 65536 * n */
	v = xmalloc(sizeof(*v) * (size_t)w * (size_t)h);
	u = xmalloc(sizeof(*u) * (size_t)w * (size_t)h);
	tmp = xmalloc(sizeof(*tmp) * (size_t)w);
	sum = xmalloc(sizeof(*sum) * (size_t)w);
	for (i = 0; i < w * h; i++)
		v[i] = (uint16_t)(m->a[i] * 257);
	for (j = 0; j < h; j++) {
		uint16_t *row = v + (size_t)j * (size_t)w;

		for (pass = 0; pass < 3; pass++) {
			uint32_t s = 0;

			for (i = 0; i < r && i < w; i++)
				s += row[i];
			for (i = 0; i < w; i++) {
				if (i + r < w)
					s += row[i + r];
				tmp[i] = (uint16_t)((s * inv) >> 16);
				if (i - r >= 0)
					s -= row[i - r];
			}
			memcpy(row, tmp, sizeof(*tmp) * (size_t)w);
		}
	}
	for (pass = 0; pass < 3; pass++) {
		uint16_t *t;

		memset(sum, 0, sizeof(*sum) * (size_t)w);
		for (j = 0; j < r && j < h; j++) {
			const uint16_t *in = v + (size_t)j * (size_t)w;

			for (i = 0; i < w; i++)
				sum[i] += in[i];
		}
		for (j = 0; j < h; j++) {
			uint16_t *out = u + (size_t)j * (size_t)w;

			if (j + r < h) {
				const uint16_t *in = v + (size_t)(j + r) * (size_t)w;

				for (i = 0; i < w; i++)
					sum[i] += in[i];
			}
			for (i = 0; i < w; i++)
				out[i] = (uint16_t)((sum[i] * inv) >> 16);
			if (j - r >= 0) {
				const uint16_t *in = v + (size_t)(j - r) * (size_t)w;

				for (i = 0; i < w; i++)
					sum[i] -= in[i];
			}
		}
		t = v;
		v = u;
		u = t;
	}
	for (i = 0; i < w * h; i++)
		m->a[i] = (uint8_t)(v[i] >> 8);
	free(v);
	free(u);
	free(tmp);
	free(sum);
}

/* paint through the mask, shifted by (ox, oy) pixels */
static void
mask_paint(struct canvas *cv, const struct mask *m, const struct paint *pt, int ox, int oy)
{
	int i, j, c88[3];

	for (j = 0; j < m->h; j++) {
		int y = m->y0 + j + oy;
		const uint8_t *a = m->a + (size_t)j * (size_t)m->w;

		if (y < 0 || y >= cv->h)
			continue;
		paint_row(pt, y, c88);
		for (i = 0; i < m->w; i++) {
			int x = m->x0 + i + ox;
			uint32_t a16;

			if (!a[i] || x < 0 || x >= cv->w)
				continue;
			a16 = (((uint32_t)a[i] * 257 + (a[i] >> 7)) * (uint32_t)pt->alpha) >> 8;
			blend(pixel(cv, x, y), c88, a16, DITHER(x, y), pt->mode);
		}
	}
}

static void
mask_fill(struct canvas *cv, const struct mask *m, struct rgb c, int alpha, int mode)
{
	struct paint p;

	paint_flat(&p, c, alpha, mode);
	mask_paint(cv, m, &p, 0, 0);
}

/* Copy src into dst, whose window is what src covers plus margin pixels
 * on each side (for a blur to spread into). */
static void
mask_grow_copy(struct mask *dst, const struct mask *src, const struct canvas *cv, int margin)
{
	int i, j, x0 = src->w, y0 = src->h, x1 = -1, y1 = -1;

	for (j = 0; j < src->h; j++) {
		const uint8_t *row = src->a + (size_t)j * (size_t)src->w;

		for (i = 0; i < src->w; i++) {
			if (!row[i])
				continue;
			x0 = mini(x0, i);
			x1 = maxi(x1, i);
			y0 = mini(y0, j);
			y1 = j;
		}
	}
	if (x1 < 0) {
		mask_init(dst, cv, 0, 0, 0, 0);
		return;
	}
	mask_init(dst, cv, src->x0 + x0 - margin, src->y0 + y0 - margin,
	    src->x0 + x1 + 1 + margin, src->y0 + y1 + 1 + margin);
	for (j = 0; j < dst->h; j++) {
		int sj = dst->y0 + j - src->y0, si = dst->x0 - src->x0, n = dst->w, off = 0;

		if (sj < 0 || sj >= src->h)
			continue;
		if (si < 0) {
			off = -si;
			n -= off;
			si = 0;
		}
		if (si + n > src->w)
			n = src->w - si;
		if (n > 0)
			memcpy(dst->a + (size_t)j * (size_t)dst->w + (size_t)off,
			    src->a + (size_t)sj * (size_t)src->w + (size_t)si, (size_t)n);
	}
}

/* neon: a blurred halo and a bright core */
static void
mask_neon(struct canvas *cv, struct mask *m, struct rgb c, int r)
{
	struct mask halo;
	int i;

	if (!m->a)
		return;
	mask_grow_copy(&halo, m, cv, 3 * r);
	mask_blur(&halo, r);
	for (i = 0; i < halo.w * halo.h; i++)
		halo.a[i] = (uint8_t)mini(halo.a[i] * 2, 255);
	mask_fill(cv, &halo, c, 230, BL_SCREEN);
	mask_fill(cv, m, mix(c, white(), 150), 256, BL_NORMAL);
	mask_release(&halo);
}

/* ---- prompt ---- */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static const struct keyword *
keyword_find(const char *w)
{
	size_t i, n = strlen(w);
	char base[32];

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].word, w) == 0)
			return &keywords[i];
	if (n > 3 && w[n - 1] == 's' && n < sizeof(base)) {
		memcpy(base, w, n - 1);
		base[n - 1] = '\0';
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strcmp(keywords[i].word, base) == 0)
				return &keywords[i];
	}
	return NULL;
}

static void
take_word(struct look *lk, const char *w, const char *prev, int negative)
{
	const struct keyword *kw;

	if (!*w)
		return;
	lk->hash = mix64(lk->hash ^ fnv1a(w, strlen(w)) ^ (negative ? 0x5bd1e995ULL : 0));
	if (strcmp(w, "poly") == 0 || strcmp(w, "polys") == 0) {
		if (strcmp(prev, "low") == 0) {
			if (negative)
				lk->style &= ~(unsigned)ST_LOWPOLY;
			else
				lk->style |= ST_LOWPOLY;
		}
		return;
	}
	if (!(kw = keyword_find(w)))
		return;
	if (negative) {
		/* a style or subject named in the negative prompt is unwanted */
		if (kw->kind == KW_STYLE)
			lk->style &= ~(unsigned)kw->value;
		else if (kw->kind == KW_SUBJECT)
			lk->subject &= ~(unsigned)kw->value;
		return;
	}
	switch (kw->kind) {
	case KW_STYLE:
		lk->style |= (unsigned)kw->value;
		break;
	case KW_SUBJECT:
		lk->subject |= (unsigned)kw->value;
		break;
	case KW_TOD:
		if (lk->tod == TOD_ANY)
			lk->tod = kw->value;
		break;
	case KW_EMBLEM:
		if (lk->emblem == EM_NONE)
			lk->emblem = kw->value;
		break;
	case KW_HUE:
		if (lk->hue[0] < 0)
			lk->hue[0] = kw->value;
		else if (lk->hue[1] < 0)
			lk->hue[1] = kw->value;
		break;
	case KW_MOOD:
		lk->mood |= (unsigned)kw->value;
		break;
	}
}

/* If p opens a quotation, the length of the opening mark, its closing mark
 * in *close; else 0.  An apostrophe opens only at the start of a word. */
static size_t
quote_open(const char *start, const char *p, const char **close)
{
	static const char *const pairs[][2] = {
		{ "\"", "\"" },
		{ "'", "'" },
		{ "\xe2\x80\x9c", "\xe2\x80\x9d" },
		{ "\xe2\x80\x98", "\xe2\x80\x99" },
		{ "`", "`" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t n = strlen(pairs[i][0]);

		if (strncmp(p, pairs[i][0], n) != 0)
			continue;
		if (i != 0 && p > start && is_alnum((unsigned char)p[-1]))
			return 0;
		*close = pairs[i][1];
		return n;
	}
	return 0;
}

/* the closing mark for an opening at p (content starts there), or NULL;
 * a closing apostrophe must end a word */
static const char *
quote_close(const char *p, const char *close)
{
	size_t n = strlen(close);

	for (; *p; p++) {
		if (strncmp(p, close, n) != 0)
			continue;
		if (strcmp(close, "\"") != 0 && is_alnum((unsigned char)p[n]))
			continue;
		return p;
	}
	return NULL;
}

/* The words of s into lk; quotations only from the prompt itself
 * (quotes is nonzero), not from a negative prompt or a parameter. */
static void
scan_words(struct look *lk, const char *s, int negative, int quotes)
{
	const char *p = s, *close, *end;
	char word[32], prev[32];
	size_t wn = 0, n;

	prev[0] = '\0';
	for (;;) {
		int c = (unsigned char)*p;
		int brk = !is_alnum(c);

		if (brk && wn > 0) {
			word[wn < sizeof(word) ? wn : sizeof(word) - 1] = '\0';
			take_word(lk, word, prev, negative);
			memcpy(prev, word, sizeof(prev));
			wn = 0;
		}
		if (!c)
			break;
		if (quotes && (n = quote_open(s, p, &close)) &&
		    (end = quote_close(p + n, close))) {
			const char *a = p + n, *b = end;

			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			if (b > a && lk->nq < MAX_QUOTES) {
				lk->q[lk->nq].s = a;
				lk->q[lk->nq].n = (size_t)(b - a);
				lk->nq++;
			}
			p = end + strlen(close);
			prev[0] = '\0';
			continue;
		}
		if (!brk) {
			if (wn < sizeof(word) - 1)
				word[wn] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			wn++;
		}
		p++;
	}
}

static void
scan_params(struct look *lk, const struct render_req *req)
{
	size_t i;

	/* a "style" parameter reads like style words in the prompt */
	for (i = 0; i < req->nparams; i++)
		if (req->params[i].name && req->params[i].value &&
		    strcmp(req->params[i].name, "style") == 0)
			scan_words(lk, req->params[i].value, 0, 0);
}

/* ---- triangles ---- */

typedef void span_fn(void *ctx, int y, int x0, int x1);

/* Call span for each row's run of pixel centres inside the triangle p (x,
 * y pairs in FX), clipped to w x h.  Edges are inclusive, so triangles that
 * share an edge leave no gap between them. */
static void
tri_spans(const int *p, int w, int h, span_fn *span, void *ctx)
{
	int64_t nx[3], ny[3], ax[3], ay[3];
	int k, y, y0, y1;
	int64_t ymin = p[1], ymax = p[1];

	for (k = 0; k < 3; k++) {
		int a = k, b = (k + 1) % 3, c = (k + 2) % 3;

		nx[k] = -(int64_t)(p[2 * b + 1] - p[2 * a + 1]);
		ny[k] = p[2 * b] - p[2 * a];
		ax[k] = p[2 * a];
		ay[k] = p[2 * a + 1];
		if (nx[k] * (p[2 * c] - ax[k]) + ny[k] * (p[2 * c + 1] - ay[k]) < 0) {
			nx[k] = -nx[k];
			ny[k] = -ny[k];
		}
		if (p[2 * k + 1] < ymin)
			ymin = p[2 * k + 1];
		if (p[2 * k + 1] > ymax)
			ymax = p[2 * k + 1];
	}
	y0 = maxi((int)fdiv(ymin, FX), 0);
	y1 = mini((int)fdiv(ymax, FX), h - 1);
	for (y = y0; y <= y1; y++) {
		int64_t py = (int64_t)y * FX + FX / 2;
		int64_t lo = 0, hi = w - 1;

		for (k = 0; k < 3 && lo <= hi; k++) {
			/* nx * (x * FX + FX / 2 - ax) + ny * (py - ay) >= 0 */
			int64_t r = -(nx[k] * (FX / 2 - ax[k]) + ny[k] * (py - ay[k]));
			int64_t kx = nx[k] * FX;

			if (kx > 0) {
				int64_t v = -fdiv(-r, kx);      /* ceil(r / kx) */

				if (v > lo)
					lo = v;
			} else if (kx < 0) {
				int64_t v = fdiv(-r, -kx);      /* floor(r / kx) */

				if (v < hi)
					hi = v;
			} else if (r > 0) {
				lo = hi + 1;
			}
		}
		if (lo <= hi)
			span(ctx, y, (int)lo, (int)hi);
	}
}

struct lowpoly {
	int gx, gy;             /* cells across and down */
	int *pt;                /* (gx + 1) * (gy + 1) points, x, y in FX */
	int *z;                 /* a height per point, for the facet light */
	int cell;               /* FX */
};

/* a jittered grid over the window (x0, y0, w, h), pixels */
static void
lowpoly_grid(struct lowpoly *lp, struct rng *rng, int x0, int y0, int w, int h, int cell)
{
	int i, j;

	cell = maxi(cell, 3);
	lp->gx = maxi((w + cell / 2) / cell, 1);
	lp->gy = maxi((h + cell / 2) / cell, 1);
	lp->cell = cell * FX;
	lp->pt = xmalloc(sizeof(int) * 2 * (size_t)(lp->gx + 1) * (size_t)(lp->gy + 1));
	lp->z = xmalloc(sizeof(int) * (size_t)(lp->gx + 1) * (size_t)(lp->gy + 1));
	for (j = 0; j <= lp->gy; j++) {
		for (i = 0; i <= lp->gx; i++) {
			int k = j * (lp->gx + 1) + i;
			int64_t x = (int64_t)x0 * FX + (int64_t)w * FX * i / lp->gx;
			int64_t y = (int64_t)y0 * FX + (int64_t)h * FX * j / lp->gy;
			int jx = (int)((int64_t)w * FX / lp->gx * 36 / 100);
			int jy = (int)((int64_t)h * FX / lp->gy * 36 / 100);

			if (i > 0 && i < lp->gx)
				x += rng_between(rng, -jx, jx);
			if (j > 0 && j < lp->gy)
				y += rng_between(rng, -jy, jy);
			lp->pt[2 * k] = (int)x;
			lp->pt[2 * k + 1] = (int)y;
			lp->z[k] = rng_between(rng, -lp->cell / 2, lp->cell / 2);
		}
	}
}

/* triangle t (two per cell) as 3 points; returns the facet light, 256 = 1 */
static int
lowpoly_tri(const struct lowpoly *lp, int t, int *p)
{
	int c = t / 2, i = c % lp->gx, j = c / lp->gx, k, q[4];
	int64_t ux, uy, uz, vx, vy, vz, nx, ny, nz, len, dot;
	int z[3];

	q[0] = j * (lp->gx + 1) + i;
	q[1] = q[0] + 1;
	q[2] = q[0] + lp->gx + 1;
	q[3] = q[2] + 1;
	/* alternate the diagonal so the facets do not all lean one way */
	if (((i + j) & 1) == 0) {
		int a[2][3] = { { q[0], q[1], q[3] }, { q[0], q[3], q[2] } };

		for (k = 0; k < 3; k++) {
			p[2 * k] = lp->pt[2 * a[t & 1][k]];
			p[2 * k + 1] = lp->pt[2 * a[t & 1][k] + 1];
			z[k] = lp->z[a[t & 1][k]];
		}
	} else {
		int a[2][3] = { { q[0], q[1], q[2] }, { q[1], q[3], q[2] } };

		for (k = 0; k < 3; k++) {
			p[2 * k] = lp->pt[2 * a[t & 1][k]];
			p[2 * k + 1] = lp->pt[2 * a[t & 1][k] + 1];
			z[k] = lp->z[a[t & 1][k]];
		}
	}
	ux = (p[2] - p[0]) >> 4;
	uy = (p[3] - p[1]) >> 4;
	uz = (z[1] - z[0]) >> 4;
	vx = (p[4] - p[0]) >> 4;
	vy = (p[5] - p[1]) >> 4;
	vz = (z[2] - z[0]) >> 4;
	nx = uy * vz - uz * vy;
	ny = uz * vx - ux * vz;
	nz = ux * vy - uy * vx;
	if (nz < 0) {
		nx = -nx;
		ny = -ny;
		nz = -nz;
	}
	len = isqrt64((uint64_t)(nx * nx + ny * ny + nz * nz));
	if (len == 0)
		return 256;
	/* light from the upper left, towards the viewer: (-0.45, -0.55, 0.7) */
	dot = (-115 * nx - 141 * ny + 179 * nz) / len;
	return clampi(190 + (int)dot * 80 / 256, 150, 300);
}

struct fill_ctx {
	struct canvas *cv;
	const struct mask *m;   /* NULL: whole canvas */
	int c88[3];
	int alpha;
};

static void
fill_span(void *vctx, int y, int x0, int x1)
{
	struct fill_ctx *f = vctx;
	uint8_t *p = pixel(f->cv, x0, y);
	int x;

	for (x = x0; x <= x1; x++, p += 3) {
		uint32_t a = (uint32_t)f->alpha * 256;

		if (f->m) {
			int i = x - f->m->x0, j = y - f->m->y0, v;

			if (i < 0 || j < 0 || i >= f->m->w || j >= f->m->h)
				continue;
			v = f->m->a[(size_t)j * (size_t)f->m->w + (size_t)i];
			if (!v)
				continue;
			a = (((uint32_t)v * 257 + (uint32_t)(v >> 7)) * (uint32_t)f->alpha) >> 8;
		}
		blend(p, f->c88, a, DITHER(x, y), BL_NORMAL);
	}
}

static void
rgb88(struct rgb c, int *c88)
{
	c88[0] = c.r << 8;
	c88[1] = c.g << 8;
	c88[2] = c.b << 8;
}

/* sample the canvas around a point (FX), averaging a 3x3 neighbourhood */
static struct rgb
sample(const struct canvas *cv, int64_t x, int64_t y)
{
	int px = clampi((int)fdiv(x, FX), 0, cv->w - 1);
	int py = clampi((int)fdiv(y, FX), 0, cv->h - 1);
	int i, j, n = 0, r = 0, g = 0, b = 0;

	for (j = -1; j <= 1; j++) {
		for (i = -1; i <= 1; i++) {
			int sx = px + i * 2, sy = py + j * 2;
			const uint8_t *p;

			if (sx < 0 || sy < 0 || sx >= cv->w || sy >= cv->h)
				continue;
			p = pixel(cv, sx, sy);
			r += p[0];
			g += p[1];
			b += p[2];
			n++;
		}
	}
	return rgb(r / n, g / n, b / n);
}

/* Turn the whole canvas into flat-shaded facets coloured from what is
 * under them. */
static void
lowpoly_canvas(struct canvas *cv, struct rng *rng, int cell)
{
	struct lowpoly lp;
	struct fill_ctx f;
	struct rgb *col;
	int t, nt, p[6];

	lowpoly_grid(&lp, rng, 0, 0, cv->w, cv->h, cell);
	nt = lp.gx * lp.gy * 2;
	col = xmalloc(sizeof(*col) * (size_t)nt);
	for (t = 0; t < nt; t++) {
		int light = lowpoly_tri(&lp, t, p);
		int64_t mx = ((int64_t)p[0] + p[2] + p[4]) / 3,
		    my = ((int64_t)p[1] + p[3] + p[5]) / 3;
		struct rgb c = sample(cv, mx, my);

		col[t] = shade(c, 256 + (light - 256) / 2);
	}
	f.cv = cv;
	f.m = NULL;
	f.alpha = 256;
	for (t = 0; t < nt; t++) {
		lowpoly_tri(&lp, t, p);
		rgb88(col[t], f.c88);
		tri_spans(p, cv->w, cv->h, fill_span, &f);
	}
	free(col);
	free(lp.pt);
	free(lp.z);
}

/* paint c through the mask in flat-shaded facets */
static void
lowpoly_mask(struct canvas *cv, struct rng *rng, const struct mask *m, struct rgb c, int cell)
{
	struct lowpoly lp;
	struct fill_ctx f;
	int t, nt, p[6];

	if (!m->a)
		return;
	lowpoly_grid(&lp, rng, m->x0, m->y0, m->w, m->h, cell);
	nt = lp.gx * lp.gy * 2;
	f.cv = cv;
	f.m = m;
	f.alpha = 256;
	for (t = 0; t < nt; t++) {
		int light = lowpoly_tri(&lp, t, p);

		rgb88(shade(c, light), f.c88);
		tri_spans(p, cv->w, cv->h, fill_span, &f);
	}
	free(lp.pt);
	free(lp.z);
}

/* ---- scene pieces ---- */

static void
fill_rect(struct canvas *cv, int x0, int y0, int x1, int y1, struct rgb c, int alpha)
{
	int x, y, c88[3];

	rgb88(c, c88);
	x0 = maxi(x0, 0);
	y0 = maxi(y0, 0);
	x1 = mini(x1, cv->w);
	y1 = mini(y1, cv->h);
	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			blend(pixel(cv, x, y), c88, (uint32_t)alpha * 256, DITHER(x, y), BL_NORMAL);
}

/* pixels of the shorter side, per mille */
static int
pm(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.unit * permille / 1000);
}

/* FX of the shorter side, per mille */
static int
pmfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.unit * FX * permille / 1000);
}

static int
xfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.w * FX * permille / 1000);
}

static int
yfx(const struct scene *sc, int permille)
{
	return (int)((int64_t)sc->cv.h * FX * permille / 1000);
}

/* a ridge by midpoint displacement: ys[0..w] in FX */
static void
ridge_mountains(struct scene *sc, int *ys, int base, int amp, int rough)
{
	int pts[257], step, i, x, d = amp;

	pts[0] = base + rng_between(&sc->rng, -amp / 2, amp / 4);
	pts[256] = base + rng_between(&sc->rng, -amp / 2, amp / 4);
	for (step = 256; step > 1; step /= 2) {
		for (i = step / 2; i < 257; i += step)
			pts[i] = (pts[i - step / 2] + pts[i + step / 2]) / 2 +
			    rng_between(&sc->rng, -d, d / 2);
		d = d * rough / 256;
	}
	for (x = 0; x <= sc->cv.w; x++) {
		int64_t pos = (int64_t)x * 256 * 65536 / sc->cv.w;
		int k = (int)(pos >> 16), f = (int)(pos & 0xffff);

		ys[x] = k >= 256 ? pts[256] :
		    pts[k] + (int)(((int64_t)(pts[k + 1] - pts[k]) * f) >> 16);
	}
}

/* a mountain range: a few pyramid peaks with fractal detail on top */
static void
ridge_peaks(struct scene *sc, int *ys, int base, int amp)
{
	int n = rng_between(&sc->rng, 2, 4), k, x;
	int64_t px[6], ph[6], pw[6];
	int *detail = xmalloc(sizeof(int) * (size_t)(sc->cv.w + 1));

	ridge_mountains(sc, detail, 0, amp / 4, 150);
	for (k = 0; k < n; k++) {
		int slot = k * 1000 / n + rng_between(&sc->rng, 0, 1000 / n);

		px[k] = (int64_t)sc->cv.w * FX * slot / 1000;
		ph[k] = (int64_t)amp * rng_between(&sc->rng, 55, 100) / 100;
		pw[k] = (int64_t)sc->cv.w * FX * rng_between(&sc->rng, 18, 38) / 100;
	}
	for (x = 0; x <= sc->cv.w; x++) {
		int64_t hgt = 0, xx = (int64_t)x * FX;

		for (k = 0; k < n; k++) {
			int64_t d = xx > px[k] ? xx - px[k] : px[k] - xx;
			int64_t v = ph[k] - ph[k] * d / pw[k];

			if (v > hgt)
				hgt = v;
		}
		ys[x] = base - (int)hgt + detail[x];
	}
	free(detail);
}

/* a smooth ridge: a few sine waves */
static void
ridge_waves(struct scene *sc, int *ys, int base, int amp, int nwaves)
{
	int f[4], ph[4], a[4], k, x;

	nwaves = clampi(nwaves, 1, 4);
	for (k = 0; k < nwaves; k++) {
		f[k] = rng_between(&sc->rng, 40 + 60 * k, 90 + 120 * k);
		ph[k] = rng_below(&sc->rng, 65536);
		a[k] = amp / (k + 1) / (k + 1);
	}
	for (x = 0; x <= sc->cv.w; x++) {
		int64_t u = (int64_t)x * 65536 / sc->cv.w, y = base;

		for (k = 0; k < nwaves; k++)
			y += (int64_t)a[k] * isin((int)(u * f[k] / 100 + ph[k])) / 65536;
		ys[x] = (int)y;
	}
}

static void
stars(struct scene *sc, int ymax, struct rgb tint)
{
	struct canvas *cv = &sc->cv;
	int n = (int)mini((int)((int64_t)cv->w * cv->h / 2500), 4000), k;

	ymax = maxi(ymax, 1);
	for (k = 0; k < n; k++) {
		int x = rng_below(&sc->rng, cv->w * FX), y = rng_below(&sc->rng, ymax * FX);
		int big = rng_below(&sc->rng, 100);
		int r = maxi(pmfx(sc, big > 94 ? 5 : 2), FX * 3 / 4);
		int strength = rng_between(&sc->rng, 60, 256);

		/* thinner towards the horizon */
		strength = strength * (ymax * FX - y) / (ymax * FX);
		glow(cv, x, y, r, r, mix(white(), tint, 60), strength, 2, BL_SCREEN);
	}
}

/* the four-stop sky for a time of day */
static void
sky_colours(const struct scene *sc, int tod, struct rgb *c)
{
	int t = sc->lk.hue[0] >= 0 ? 0 : (sc->hue % 256) / 4 - 32;

	switch (tod) {
	case TOD_DAWN:
		c[0] = hsv(1080 + t, 130, 120);
		c[1] = hsv(1300 + t, 90, 190);
		c[2] = hsv(1450 + t, 90, 235);
		c[3] = hsv(110 + t / 2, 110, 255);
		break;
	case TOD_SUNSET:
		c[0] = hsv(1120 + t, 190, 95);
		c[1] = hsv(1320 + t, 170, 170);
		c[2] = hsv(1480 + t, 180, 230);
		c[3] = hsv(90 + t / 2, 210, 255);
		break;
	case TOD_NIGHT:
		c[0] = hsv(1010 + t, 220, 18);
		c[1] = hsv(1000 + t, 210, 40);
		c[2] = hsv(1030 + t, 170, 70);
		c[3] = hsv(1080 + t, 120, 105);
		break;
	default:
		c[0] = hsv(990 + t, 200, 185);
		c[1] = hsv(970 + t, 160, 215);
		c[2] = hsv(940 + t, 100, 238);
		c[3] = hsv(900 + t, 40, 252);
		break;
	}
	if (sc->lk.hue[0] >= 0) {
		struct rgb named = hsv(sc->lk.hue[0], 180, luma(c[2]) + 40);
		int k;

		for (k = 0; k < 4; k++)
			c[k] = mix(c[k], shade(named,
			    256 * (luma(c[k]) + 20) / (luma(named) + 20)), 110);
	}
	if (sc->lk.style & ST_PASTEL) {
		int k;

		for (k = 0; k < 4; k++)
			c[k] = mix(c[k], white(), 110);
	}
}

static void
sky(struct scene *sc, const struct rgb *c, int horizon)
{
	struct stop st[4];
	int hz = clampi((int)((int64_t)horizon * 1024 / sc->cv.h), 200, 1000), k;

	for (k = 0; k < 4; k++)
		st[k].c = c[k];
	st[0].pos = 0;
	st[1].pos = hz * 45 / 100;
	st[2].pos = hz * 80 / 100;
	st[3].pos = hz;
	fill_linear(&sc->cv, 16384, st, 4);
}

static void
clouds(struct scene *sc, int horizon, struct rgb c, int flat)
{
	struct canvas *cv = &sc->cv;
	int n = rng_between(&sc->rng, 2, 5), k, j;

	for (k = 0; k < n; k++) {
		int64_t cx = rng_below(&sc->rng, cv->w * FX);
		int64_t cy = (int64_t)horizon * FX * rng_between(&sc->rng, 25, 80) / 100;
		int64_t rx = xfx(sc, rng_between(&sc->rng, 80, 200));
		int parts = rng_between(&sc->rng, 3, 5);

		if (flat) {
			struct mask m;
			int64_t r = rx / 5;

			mask_init(&m, cv, (int)((cx - rx) / FX) - 2, (int)((cy - rx) / FX) - 2,
			    (int)((cx + rx) / FX) + 2, (int)((cy + r) / FX) + 2);
			for (j = 0; j < parts; j++) {
				int64_t px = cx - rx * 3 / 5 + rx * 6 / 5 * j / (parts - 1);
				int64_t pr = r * rng_between(&sc->rng, 90, 170) / 100;

				mask_disc(&m, px, cy + r - pr, pr);
			}
			mask_rrect(&m, cx - rx * 3 / 5 - r, cy, cx + rx * 3 / 5 + r, cy + r, r / 2);
			mask_fill(cv, &m, c, 235, BL_NORMAL);
			mask_release(&m);
			continue;
		}
		for (j = 0; j < parts; j++) {
			int64_t px = cx + rx * rng_between(&sc->rng, -60, 60) / 100;
			int64_t py = cy + rx * rng_between(&sc->rng, -6, 6) / 100;
			int64_t r = rx * rng_between(&sc->rng, 40, 80) / 100;
			int64_t ry = r * rng_between(&sc->rng, 14, 24) / 100;
			int strength = rng_between(&sc->rng, 90, 170);

			glow(cv, px, py, r, ry, c, strength, 2, BL_NORMAL);
		}
	}
}

static void
sun(struct scene *sc, int64_t x, int64_t y, int64_t r, struct rgb c, struct rgb halo, int flat)
{
	struct canvas *cv = &sc->cv;
	struct mask m;

	if (!flat) {
		glow(cv, x, y, (int64_t)cv->w * FX * 8 / 10, (int64_t)cv->h * FX * 6 / 10, halo,
		    140, 2, BL_SCREEN);
		glow(cv, x, y, r * 6, r * 6, mix(halo, c, 128), 170, 3, BL_SCREEN);
	} else {
		glow(cv, x, y, r * 4, r * 4, halo, 90, 1, BL_NORMAL);
	}
	mask_init(&m, cv, (int)(x - r) / FX - 4, (int)(y - r) / FX - 4, (int)(x + r) / FX + 5,
	    (int)(y + r) / FX + 5);
	mask_disc(&m, x, y, r);
	if (!flat)
		mask_blur(&m, maxi((int)(r / FX / 14), 0));
	mask_fill(cv, &m, c, 256, BL_NORMAL);
	mask_release(&m);
}

/* a pine tree of three tiers standing at (x, base), hgt tall (FX) */
static void
pine(struct mask *m, int64_t x, int64_t base, int64_t hgt)
{
	int pts[6], k;

	for (k = 0; k < 3; k++) {
		int64_t top = base - hgt + hgt * k * 28 / 100;
		int64_t half = hgt * (22 + 8 * k) / 100;

		pts[0] = (int)x;
		pts[1] = (int)top;
		pts[2] = (int)(x - half);
		pts[3] = (int)(top + hgt * 45 / 100);
		pts[4] = (int)(x + half);
		pts[5] = (int)(top + hgt * 45 / 100);
		mask_poly(m, pts, 3, 0);
	}
	mask_segment(m, (int)x, (int)(base - hgt / 4), (int)x, (int)base, (int)(hgt / 22 + FX / 3));
}

static void
forest(struct scene *sc, const int *ys, struct rgb c, int64_t size)
{
	struct canvas *cv = &sc->cv;
	struct mask m;
	int64_t x;
	int ymin = cv->h;

	for (x = 0; x <= cv->w; x++)
		ymin = mini(ymin, ys[x] / FX);
	mask_init(&m, cv, 0, ymin - (int)(size * 2 / FX) - 2, cv->w, cv->h);
	for (x = -size; x < (int64_t)cv->w * FX + size;
	    x += size * rng_between(&sc->rng, 25, 70) / 100) {
		int px = clampi((int)(x / FX), 0, cv->w);
		int64_t hgt = size * rng_between(&sc->rng, 60, 140) / 100;

		pine(&m, x, ys[px] + hgt / 3, hgt);
	}
	mask_fill(cv, &m, c, 256, BL_NORMAL);
	mask_release(&m);
}

static void
buildings(struct scene *sc, int64_t base, int64_t hmax, struct rgb c, struct rgb lit, int litp,
    int neon)
{
	struct canvas *cv = &sc->cv;
	int64_t x = -rng_below(&sc->rng, pmfx(sc, 40));

	while (x < (int64_t)cv->w * FX) {
		int64_t bw = pmfx(sc, rng_between(&sc->rng, 40, 95));
		int64_t bh = hmax * rng_between(&sc->rng, 30, 100) / 100;
		int x0 = (int)(x / FX), x1 = (int)((x + bw) / FX), y0 = (int)((base - bh) / FX),
		    y1 = (int)(base / FX) + 1;
		int wx = maxi(pm(sc, 9), 2), wy = maxi(pm(sc, 13), 3), i, j;

		fill_rect(cv, x0, y0, x1, y1, c, 256);
		if (neon) {
			struct mask m;

			mask_init(&m, cv, x0 - pm(sc, 20), y0 - pm(sc, 20), x1 + pm(sc, 20),
			    y0 + pm(sc, 20));
			mask_segment(&m, x0 * FX, y0 * FX, x1 * FX, y0 * FX,
			    maxi(pmfx(sc, 2), FX / 2));
			mask_neon(cv, &m, lit, maxi(pm(sc, 6), 1));
			mask_release(&m);
		}
		for (j = y0 + wy; j + wy / 2 < y1 - wy; j += wy * 2) {
			for (i = x0 + wx; i + wx < x1 - wx / 2; i += wx * 2) {
				if (rng_below(&sc->rng, 100) < litp)
					fill_rect(cv, i, j, i + wx, j + wy, lit, neon ? 200 : 230);
			}
		}
		x += bw + pmfx(sc, rng_between(&sc->rng, 0, 12));
	}
}

/* mirror the rows above wl into the rows below, with ripples and a tint */
static void
water(struct scene *sc, int wl, struct rgb tint)
{
	struct canvas *cv = &sc->cv;
	int x, y, c88[3], ang = rng_below(&sc->rng, 65536);

	rgb88(tint, c88);
	for (y = wl; y < cv->h; y++) {
		int d = y - wl, src = wl - 1 - d * 9 / 10;
		int amp = 1 + (int)((int64_t)d * cv->unit / ((int64_t)cv->h * 40));
		int a = 70 + d * 110 / maxi(cv->h - wl, 1);
		int off;

		ang += 65536 / maxi(pm(sc, 6) + d / 4, 3);
		off = (int)((int64_t)amp * isin(ang) / 65536);
		src = clampi(src, 0, maxi(wl - 1, 0));
		for (x = 0; x < cv->w; x++) {
			int sx = clampi(x + off, 0, cv->w - 1);
			uint8_t *p = pixel(cv, x, y);
			const uint8_t *s = pixel(cv, sx, src);

			p[0] = s[0];
			p[1] = s[1];
			p[2] = s[2];
			blend(p, c88, (uint32_t)a * 256, DITHER(x, y), BL_NORMAL);
		}
	}
	/* a thin bright line where water meets land */
	fill_rect(cv, 0, wl, cv->w, wl + maxi(pm(sc, 2), 1), mix(tint, white(), 180), 90);
}

/* ---- scenes ---- */

static void
scene_landscape(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	unsigned st = sc->lk.style, sub = sc->lk.subject;
	int flat = (st & ST_FLAT) != 0, photo = (st & ST_PHOTO) != 0;
	int tod = sc->lk.tod, horizon, nl, i, wl = cv->h, *ys, shift;
	struct rgb skyc[4], near, far, sunc, haze;
	int64_t sx, sy, sr;

	if (tod == TOD_ANY) {
		static const int pick[] = { TOD_DAY, TOD_DAY, TOD_DAWN, TOD_SUNSET, TOD_SUNSET };

		tod = (sub & SUB_SPACE) ? TOD_NIGHT : pick[rng_below(&sc->rng, 5)];
	}
	if (sc->lk.mood & MOOD_DARK && tod == TOD_DAY)
		tod = TOD_SUNSET;
	horizon = cv->h * rng_between(&sc->rng, 58, 68) / 100;
	sky_colours(sc, tod, skyc);
	haze = skyc[3];
	sky(sc, skyc, horizon);

	/* the sun (or the moon) */
	sx = (int64_t)cv->w * FX * rng_between(&sc->rng, 18, 82) / 100;
	sr = pmfx(sc, rng_between(&sc->rng, 45, 65));
	switch (tod) {
	case TOD_DAY:
		sy = yfx(sc, rng_between(&sc->rng, 110, 240));
		sunc = rgb(255, 252, 240);
		break;
	case TOD_NIGHT:
		sy = (int64_t)horizon * FX * rng_between(&sc->rng, 20, 40) / 100;
		sunc = rgb(240, 238, 222);
		sr = sr * 3 / 4;
		break;
	default:
		sy = (int64_t)horizon * FX - yfx(sc, rng_between(&sc->rng, 230, 330));
		sunc = tod == TOD_DAWN ? rgb(255, 240, 215) : rgb(255, 228, 170);
		break;
	}
	if (tod == TOD_NIGHT || (sub & SUB_SPACE))
		stars(sc, horizon, skyc[3]);
	sun(sc, sx, sy, sr, sunc, tod == TOD_NIGHT ? skyc[3] : mix(haze, sunc, 100), flat);
	if (tod != TOD_NIGHT)
		clouds(sc, horizon, mix(haze, white(), flat ? 200 : 150), flat);

	/* mountain colours by the time of day, shifted towards the palette */
	shift = sc->lk.hue[0] >= 0 ? 0 : (sc->hue % 256) / 2 - 64;
	switch (tod) {
	case TOD_DAWN:
		near = hsv(1160 + shift, 90, 75);
		far = hsv(1260 + shift, 55, 175);
		break;
	case TOD_SUNSET:
		near = hsv(1190 + shift, 130, 55);
		far = hsv(1360 + shift, 90, 165);
		break;
	case TOD_NIGHT:
		near = hsv(1000 + shift, 130, 16);
		far = hsv(1010 + shift, 100, 62);
		break;
	default:
		if ((sub & SUB_FOREST) || rng_below(&sc->rng, 2))
			near = hsv(560 + rng_below(&sc->rng, 200), 120, 80);
		else
			near = hsv(960 + rng_below(&sc->rng, 100), 110, 95);
		far = hsv(960, 60, 190);
		break;
	}
	if (sub & SUB_DUNES) {
		near = hsv(90, 170, tod == TOD_NIGHT ? 40 : 160);
		far = hsv(110, 110, tod == TOD_NIGHT ? 70 : 215);
	}
	if (sc->lk.hue[0] >= 0) {
		near = mix(near, hsv(sc->lk.hue[0], 150, luma(near) + 20), 90);
		far = mix(far, hsv(sc->lk.hue[0], 90, luma(far) + 20), 90);
	}
	if (st & ST_PASTEL) {
		near = mix(near, white(), 90);
		far = mix(far, white(), 110);
	}

	if (sub & SUB_WATER)
		wl = horizon + cv->h * rng_between(&sc->rng, 4, 9) / 100;
	ys = xmalloc(sizeof(int) * (size_t)(cv->w + 1));
	nl = photo ? 5 : 4;
	if (sub & SUB_CITY)
		nl = 2;
	if (sub & SUB_SEA) {
		nl = 1;
		wl = horizon + cv->h * 2 / 100;
	}
	for (i = 0; i < nl; i++) {
		/* far ranges sit high and small, near ones low and big; by
		 * the sea, only a low far shore */
		int t = (sub & SUB_SEA) ? 0 : nl > 1 ? i * 256 / (nl - 1) : 256;
		int base = (sub & SUB_SEA) ? horizon * FX + yfx(sc, 30) :
		    (int)((int64_t)horizon * FX - yfx(sc, 180) + yfx(sc, 330) * t / 256);
		int amp = (sub & SUB_SEA) ? yfx(sc, 60) : yfx(sc, 200 + 60 * t / 256);
		int mist = ((photo ? 150 : 90) * (256 - t) >> 8) + 20;
		struct rgb c = mix(mix(haze, far, 200), near, t * t / 256);
		struct paint pt;
		int ymin = cv->h * FX, x;
		int snow = i < nl - 1 && ((sub & SUB_SNOW) || (photo && i == 0 &&
		    (tod == TOD_DAY || tod == TOD_DAWN) && rng_below(&sc->rng, 2)));

		if (sub & SUB_WATER)
			base -= yfx(sc, 60);
		if (sub & SUB_CITY)
			base -= yfx(sc, 80);
		if (sub & SUB_DUNES)
			ridge_waves(sc, ys, base + amp / 2, amp / 3, 3);
		else
			ridge_peaks(sc, ys, base, amp);
		for (x = 0; x <= cv->w; x++)
			ymin = mini(ymin, ys[x]);
		if (flat) {
			paint_flat(&pt, c, 256, BL_NORMAL);
		} else {
			/* lighter at the ridge, mist gathering in the valleys */
			paint_vgrad(&pt, mix(c, haze, 40), ymin / FX, c,
			    ymin / FX + (base + amp - ymin) / FX / 2,
			    256, BL_NORMAL);
			paint_stop(&pt, mix(c, haze, mist), (base + amp) / FX + cv->h / 8);
		}
		if (snow) {
			/* snow above a ragged line, rock below it */
			int *rock = xmalloc(sizeof(int) * (size_t)(cv->w + 1));
			int line = ymin + (base - ymin) * 30 / 100;
			struct rgb sn = mix(white(), haze, 45);
			struct paint sp;

			ridge_mountains(sc, rock, line, amp / 5, 170);
			for (x = 0; x <= cv->w; x++)
				rock[x] = maxi(rock[x], ys[x]);
			if (flat)
				paint_flat(&sp, sn, 256, BL_NORMAL);
			else
				paint_vgrad(&sp, sn, ymin / FX, mix(sn, c, 70), line / FX, 256,
				    BL_NORMAL);
			fill_below(cv, ys, &sp);
			fill_below(cv, rock, &pt);
			free(rock);
		} else {
			fill_below(cv, ys, &pt);
		}
		if ((sub & SUB_FOREST) && i >= nl - 2)
			forest(sc, ys, shade(c, 170), pmfx(sc, 60 + 30 * (i - nl + 2)));
	}
	if (sub & SUB_CITY) {
		int64_t base = (int64_t)(wl < cv->h ? wl : horizon + cv->h / 10) * FX;
		struct rgb lit = tod == TOD_DAY ? mix(haze, white(), 128) : rgb(255, 214, 140);

		buildings(sc, base, yfx(sc, 330), mix(near, haze, 120), mix(haze, lit, 60), 0, 0);
		buildings(sc, base, yfx(sc, 260), shade(near, 200), lit, tod == TOD_DAY ? 25 : 45,
		    0);
		if (wl >= cv->h)
			fill_rect(cv, 0, (int)(base / FX), cv->w, cv->h, shade(near, 150), 256);
	}
	if (sub & SUB_WATER) {
		water(sc, wl, mix(skyc[1], near, 100));
	} else if (!(sub & SUB_CITY)) {
		/* a dark foreground hill frames the view */
		struct paint pt;
		struct rgb fg = shade(near, 170);

		ridge_waves(sc, ys, yfx(sc, 900), yfx(sc, 50), 2);
		paint_vgrad(&pt, fg, cv->h * 85 / 100, shade(fg, 180), cv->h, 256, BL_NORMAL);
		fill_below(cv, ys, &pt);
		if (sub & SUB_FOREST)
			forest(sc, ys, shade(fg, 160), pmfx(sc, 120));
	}
	free(ys);
}

/* neon colour pairs: a hot and a cool one */
static void
neon_pair(const struct scene *sc, struct rgb *hot, struct rgb *cool)
{
	static const int pairs[6][2] = {
		{ 1300, 768 }, { 1390, 880 }, { 1200, 120 }, { 1400, 1100 }, { 1430, 700 }, { 60,
		    1000 },
	};
	int k = (sc->hue / 256) % 6;

	*hot = hsv(sc->lk.hue[0] >= 0 ? sc->lk.hue[0] : pairs[k][0], 230, 255);
	*cool = hsv(sc->lk.hue[1] >= 0 ? sc->lk.hue[1] : pairs[k][1], 220, 255);
}

static void
neon_background(struct scene *sc, struct rgb hot, struct rgb cool, int horizon)
{
	struct stop st[3];

	st[0].pos = 0;
	st[0].c = shade(mix(cool, hsv(1150, 255, 255), 180), 22);
	st[1].pos = (int)((int64_t)horizon * 1024 / sc->cv.h) * 6 / 10;
	st[1].c = shade(mix(hot, cool, 150), 50);
	st[2].pos = (int)((int64_t)horizon * 1024 / sc->cv.h);
	st[2].c = shade(hot, 110);
	fill_linear(&sc->cv, 16384, st, 3);
}

/* the glowing perspective grid below the horizon: the camera looks level
 * over a floor, so a floor line at distance z sits cam / z rows below the
 * horizon, and lines across the floor fan out from the vanishing point */
static void
neon_floor(struct scene *sc, int horizon, struct rgb line)
{
	struct canvas *cv = &sc->cv;
	int x, y, lc88[3], cc88[3], depth = cv->h - horizon;
	int64_t vx = (int64_t)cv->w * FX / 2, sp = maxi(pmfx(sc, 110), FX * 2);
	int64_t dfx = (int64_t)depth * FX, cam, phase = rng_below(&sc->rng, 65536);

	if (depth <= 0)
		return;
	cam = dfx * dfx / sp;
	rgb88(line, lc88);
	rgb88(mix(line, white(), 120), cc88);
	for (y = horizon; y < cv->h; y++) {
		int64_t dz = (int64_t)(y - horizon) * FX + FX / 2;
		int64_t srow = sp * dz / dfx;   /* spacing of the fanning lines */
		int64_t hrow = dz * dz / cam;   /* spacing of the cross lines */
		int64_t thick = maxi(pmfx(sc, 2), FX / 2) * dz / dfx + FX / 4;
		int64_t halo = thick * 4 + FX * 2;
		int64_t n = (cam * 65536 / dz - phase + 32768) >> 16, hd;
		int fadev = clampi((int)(srow * 256 / (FX * 5)), 0, 256);
		int fadeh = clampi((int)(hrow * 256 / (FX * 5)), 0, 256);
		int t = (int)(dz * 256 / dfx);
		struct rgb bg = mix(shade(line, 70), shade(line, 14), mini(t * 3, 256));
		uint8_t *p = pixel(cv, 0, y);

		if (n < 1)
			n = 1;
		hd = dz - cam * 65536 / (n * 65536 + phase);
		if (hd < 0)
			hd = -hd;
		for (x = 0; x < cv->w; x++, p += 3) {
			int64_t dx = (int64_t)x * FX + FX / 2 - vx, u, vd, dd, f;
			int fade, a;

			p[0] = (uint8_t)bg.r;
			p[1] = (uint8_t)bg.g;
			p[2] = (uint8_t)bg.b;
			if (dx < 0)
				dx = -dx;
			u = srow > 0 ? dx % srow : 0;
			vd = u < srow - u ? u : srow - u;
			if (vd * fadeh < hd * fadev) {
				dd = vd;
				fade = fadev;
			} else {
				dd = hd;
				fade = fadeh;
			}
			if (dd >= halo)
				continue;
			f = (halo - dd) * 65536 / halo;
			a = (int)((f * f >> 16) * 140 / 256);
			blend(p, lc88, (uint32_t)(a * fade / 256), DITHER(x, y), BL_SCREEN);
			if (dd < thick + FX / 2) {
				a = clampi((int)(thick + FX / 2 - dd), 0, FX) * 256;
				blend(p, cc88, (uint32_t)(a * fade / 256), DITHER(x, y), BL_NORMAL);
			}
		}
	}
}

/* a striped retro sun */
static void
neon_sun(struct scene *sc, int64_t cx, int64_t cy, int64_t r, struct rgb hot)
{
	struct canvas *cv = &sc->cv;
	struct mask m;
	struct paint pt;
	int j, k;

	glow(cv, cx, cy, r * 3, r * 3, hot, 150, 3, BL_SCREEN);
	mask_init(&m, cv, (int)((cx - r) / FX) - 2, (int)((cy - r) / FX) - 2,
	    (int)((cx + r) / FX) + 3, (int)((cy + r) / FX) + 3);
	mask_disc(&m, cx, cy, r);
	/* cut bands across the lower half, wider towards the bottom */
	for (k = 0; k < 7; k++) {
		int64_t y0 = cy - r * 30 / 100 + r * k * 11 / 100, gap = r * (2 + k) / 100;

		for (j = 0; j < m.h; j++) {
			int64_t py = (int64_t)(m.y0 + j) * FX + FX / 2;

			if (py >= y0 && py < y0 + gap + FX / 2)
				memset(m.a + (size_t)j * (size_t)m.w, 0, (size_t)m.w);
		}
	}
	paint_vgrad(&pt, rgb(255, 236, 120), (int)((cy - r) / FX), hot, (int)((cy + r) / FX), 256,
	    BL_NORMAL);
	mask_paint(cv, &m, &pt, 0, 0);
	mask_release(&m);
}

/* a glowing ridge line with a dark mountain under it */
static void
neon_mountains(struct scene *sc, int horizon, struct rgb dark, struct rgb line)
{
	struct canvas *cv = &sc->cv;
	int *ys = xmalloc(sizeof(int) * (size_t)(cv->w + 1));
	int64_t thick = maxi(pmfx(sc, 2), FX * 2 / 3);
	struct paint pt;
	struct mask m;
	int x, j, ymin = cv->h;

	ridge_mountains(sc, ys, horizon * FX - yfx(sc, 60), yfx(sc, 160), 140);
	for (x = 0; x <= cv->w; x++) {
		/* keep the middle low so the sun shows */
		int64_t dx = (int64_t)x * 2048 / maxi(cv->w, 1) - 1024;
		int64_t lift = dx * dx / 1024;

		ys[x] = (int)(horizon * FX - (horizon * FX - ys[x]) * (lift + 200) / 1224);
		ymin = mini(ymin, ys[x] / FX);
	}
	paint_vgrad(&pt, dark, ymin, shade(dark, 150), horizon, 256, BL_NORMAL);
	fill_below(cv, ys, &pt);
	mask_init(&m, cv, 0, ymin - pm(sc, 30), cv->w, horizon + 1);
	for (j = 0; j < m.h; j++) {
		int64_t py = (int64_t)(m.y0 + j) * FX + FX / 2;

		for (x = 0; x < m.w; x++) {
			int64_t d = py - (ys[x] + ys[x + 1]) / 2;
			int64_t slope = ys[x + 1] - ys[x];
			int64_t t = thick + (slope < 0 ? -slope : slope) / 2;

			if (d < 0)
				d = -d;
			if (d < t + FX / 2)
				mask_add(&m, x, j, clampi((int)(t + FX / 2 - d), 0, FX));
		}
	}
	mask_neon(cv, &m, line, maxi(pm(sc, 8), 1));
	mask_release(&m);
	free(ys);
}

static void
scene_synthwave(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	struct rgb hot, cool;
	int horizon = cv->h * rng_between(&sc->rng, 56, 64) / 100;
	int64_t r = pmfx(sc, rng_between(&sc->rng, 200, 260));

	neon_pair(sc, &hot, &cool);
	neon_background(sc, hot, cool, horizon);
	stars(sc, horizon * 8 / 10, cool);
	neon_sun(sc, (int64_t)cv->w * FX / 2, (int64_t)horizon * FX - r * 35 / 100, r, hot);
	neon_mountains(sc, horizon, shade(cool, 30), cool);
	neon_floor(sc, horizon, hot);
	glow(cv, (int64_t)cv->w * FX / 2, (int64_t)horizon * FX, (int64_t)cv->w * FX * 7 / 10,
	    yfx(sc, 40), mix(hot, white(), 90), 200, 2, BL_SCREEN);
}

/* glowing outlines scattered over a dark field */
static void
neon_shapes(struct scene *sc, struct rgb hot, struct rgb cool, int n, int avoid_centre)
{
	struct canvas *cv = &sc->cv;
	int k;

	for (k = 0; k < n; k++) {
		struct rgb c = (k & 1) ? cool : hot;
		int64_t cx = rng_below(&sc->rng, cv->w * FX), cy = rng_below(&sc->rng, cv->h * FX);
		int64_t r = pmfx(sc, rng_between(&sc->rng, 80, 260));
		int64_t t = maxi(pmfx(sc, rng_between(&sc->rng, 3, 6)), FX * 2 / 3);
		int kind = rng_below(&sc->rng, 4), pad = (int)((r + t) / FX) + pm(sc, 40) + 2, j;
		struct mask m;

		if (avoid_centre && k == 0) {
			cx = (int64_t)cv->w * FX * (rng_below(&sc->rng, 2) ? 15 : 85) / 100;
		}
		mask_init(&m, cv, (int)(cx / FX) - pad, (int)(cy / FX) - pad,
		    (int)(cx / FX) + pad, (int)(cy / FX) + pad);
		if (kind == 0) {
			mask_ring(&m, cx, cy, r, r - t * 2);
		} else {
			int nv = kind == 1 ? 3 : kind == 2 ? 4 : 6, ang = rng_below(&sc->rng,
			    65536);
			int px[6], py[6];

			for (j = 0; j < nv; j++) {
				px[j] = (int)(cx + r * icos(ang + j * 65536 / nv) / 65536);
				py[j] = (int)(cy + r * isin(ang + j * 65536 / nv) / 65536);
			}
			for (j = 0; j < nv; j++) {
				mask_segment(&m, px[j], py[j], px[(j + 1) % nv], py[(j + 1) % nv],
				    (int)t);
				mask_disc(&m, px[j], py[j], t);
			}
		}
		mask_neon(cv, &m, c, maxi(pm(sc, 10), 1));
		mask_release(&m);
	}
}

static void
scene_neon(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	struct rgb hot, cool;
	int grid = rng_below(&sc->rng, 2), horizon = grid ? cv->h * 62 / 100 : cv->h;
	int64_t x, y;

	neon_pair(sc, &hot, &cool);
	neon_background(sc, hot, cool, horizon);
	x = xfx(sc, rng_between(&sc->rng, 0, 1000));
	y = yfx(sc, rng_between(&sc->rng, 0, 600));
	glow(cv, x, y, xfx(sc, 700), yfx(sc, 700), cool, 70, 2, BL_SCREEN);
	stars(sc, horizon * 7 / 10, cool);
	if (grid)
		neon_floor(sc, horizon, hot);
	neon_shapes(sc, hot, cool, rng_between(&sc->rng, 3, 5), 1);
}

/* soft colour fields, like a mesh gradient */
static void
blobs(struct scene *sc, const struct rgb *pal, int npal, int n, int strength)
{
	int k;

	for (k = 0; k < n; k++) {
		int64_t r = pmfx(sc, rng_between(&sc->rng, 450, 800));
		int64_t x = xfx(sc, rng_between(&sc->rng, -100, 1100));
		int64_t y = yfx(sc, rng_between(&sc->rng, -100, 1100));
		int64_t ry = r * rng_between(&sc->rng, 70, 130) / 100;

		glow(&sc->cv, x, y, r, ry, pal[k % npal], strength, 2, BL_NORMAL);
	}
}

/* the abstract palette: three background stops and four accents.  Warm
 * hues keep their value (a darkened orange is brown). */
static void
abstract_palette(const struct scene *sc, struct rgb *bg, struct rgb *acc)
{
	int h = sc->hue, h2 = sc->hue2, s = sc->sat, v = sc->val;
	int mid = h + (((h2 - h + 2304) % 1536) - 768) / 2;
	int warm = h >= 40 && h < 460, dv = warm ? 96 : 80;

	bg[0] = hsv(h, s, v * dv / 100);
	bg[1] = hsv(mid, s * 9 / 10, v * (dv + 100) / 200);
	bg[2] = hsv(h2, s * 8 / 10, v);
	acc[0] = hsv(h2, s * 6 / 10, 255);
	acc[1] = hsv(h, s * 5 / 10, 255);
	acc[2] = hsv(mid, s, v * (warm ? 90 : 75) / 100);
	acc[3] = hsv(h2, s / 4, 255);
	if (sc->lk.style & ST_PASTEL) {
		bg[0] = hsv(h, s, 240);
		bg[1] = hsv(mid, s, 246);
		bg[2] = hsv(h2, s * 8 / 10, 252);
		acc[2] = hsv(mid, s * 3 / 2, 235);
	}
}

static void
decor_waves(struct scene *sc, const struct rgb *acc, int flat)
{
	struct canvas *cv = &sc->cv;
	int *ys = xmalloc(sizeof(int) * (size_t)(cv->w + 1)), k, n = rng_between(&sc->rng, 2, 3);

	for (k = 0; k < n; k++) {
		struct paint pt;
		struct rgb c = k == n - 1 ? acc[2] : acc[k & 1];

		ridge_waves(sc, ys, yfx(sc, 700 + 90 * k), yfx(sc, 60), 2);
		if (flat)
			paint_flat(&pt, c, 256, BL_NORMAL);
		else
			paint_vgrad(&pt, c, cv->h * (62 + 9 * k) / 100, shade(c, 225), cv->h,
			    110 + 50 * k, BL_NORMAL);
		fill_below(cv, ys, &pt);
	}
	free(ys);
}

static void
decor_rings(struct scene *sc, struct rgb c, int flat)
{
	struct canvas *cv = &sc->cv;
	int64_t cx = xfx(sc, rng_below(&sc->rng, 2) ? 1000 : 0), cy = yfx(sc, rng_below(&sc->rng,
	    2) ? 1000 : 0);
	int64_t r = pmfx(sc, rng_between(&sc->rng, 200, 300)), t = maxi(pmfx(sc, 5), FX);
	int k, n = rng_between(&sc->rng, 3, 6);
	struct mask m;

	mask_init(&m, cv, 0, 0, cv->w, cv->h);
	for (k = 0; k < n; k++) {
		mask_ring(&m, cx, cy, r, r - t);
		r += pmfx(sc, rng_between(&sc->rng, 50, 90));
	}
	mask_fill(cv, &m, c, flat ? 200 : 90, BL_NORMAL);
	mask_release(&m);
}

static void
decor_circles(struct scene *sc, const struct rgb *acc, int flat)
{
	struct canvas *cv = &sc->cv;
	int k, n = rng_between(&sc->rng, 4, 8);

	for (k = 0; k < n; k++) {
		int64_t cx = xfx(sc, rng_between(&sc->rng, 0, 1000)), cy = yfx(sc,
		    rng_between(&sc->rng, 0, 1000));
		int64_t r = pmfx(sc, rng_between(&sc->rng, 20, 160));
		int pad = (int)(r / FX) + 3;
		struct mask m;

		mask_init(&m, cv, (int)(cx / FX) - pad, (int)(cy / FX) - pad,
		    (int)(cx / FX) + pad, (int)(cy / FX) + pad);
		mask_disc(&m, cx, cy, r);
		mask_fill(cv, &m, flat ? acc[k % 4] : mix(acc[k % 4], white(), 120),
		    flat ? 256 : rng_between(&sc->rng, 40, 110), BL_NORMAL);
		mask_release(&m);
	}
}

static void
decor_dots(struct scene *sc, struct rgb c)
{
	struct canvas *cv = &sc->cv;
	int corner = rng_below(&sc->rng, 4), gap = maxi(pm(sc, 28), 3), n = rng_between(&sc->rng,
	    5, 8), i, j;
	int x0 = (corner & 1) ? cv->w - gap * (n + 1) : gap,
	    y0 = (corner & 2) ? cv->h - gap * (n + 1) : gap;
	struct mask m;

	mask_init(&m, cv, x0 - gap, y0 - gap, x0 + gap * (n + 1), y0 + gap * (n + 1));
	for (j = 0; j < n; j++)
		for (i = 0; i < n; i++)
			mask_disc(&m, (int64_t)(x0 + i * gap) * FX, (int64_t)(y0 + j * gap) * FX,
			    maxi(gap * FX / 7, FX / 2));
	mask_fill(cv, &m, c, 150, BL_NORMAL);
	mask_release(&m);
}

static void
decor_bands(struct scene *sc, const struct rgb *acc, int flat)
{
	struct canvas *cv = &sc->cv;
	int ang = rng_between(&sc->rng, 5000, 11000);
	int k, n = rng_between(&sc->rng, 2, 4);
	int64_t diag = (int64_t)(cv->w + cv->h) * FX;
	int64_t off = xfx(sc, rng_between(&sc->rng, 200, 800)), dx, dy;

	if (rng_below(&sc->rng, 2))
		ang = -ang;
	dx = icos(ang + 16384);
	dy = isin(ang + 16384);

	for (k = 0; k < n; k++) {
		int64_t bw = pmfx(sc, rng_between(&sc->rng, 30, 140));
		int64_t ox = (int64_t)icos(ang) * off / 65536,
		    oy = (int64_t)isin(ang) * off / 65536;
		int pts[8];
		struct mask m;

		pts[0] = (int)(ox - dx * diag / 65536);
		pts[1] = (int)(cv->h * FX / 2 + oy - dy * diag / 65536);
		pts[2] = (int)(ox + dx * diag / 65536);
		pts[3] = (int)(cv->h * FX / 2 + oy + dy * diag / 65536);
		pts[4] = (int)(pts[2] + icos(ang) * bw / 65536);
		pts[5] = (int)(pts[3] + isin(ang) * bw / 65536);
		pts[6] = (int)(pts[0] + icos(ang) * bw / 65536);
		pts[7] = (int)(pts[1] + isin(ang) * bw / 65536);
		mask_init(&m, cv, 0, 0, cv->w, cv->h);
		mask_poly(&m, pts, 4, 0);
		mask_fill(cv, &m, flat ? acc[k % 4] : mix(acc[k % 4], white(), 60),
		    flat ? 256 : 70, BL_NORMAL);
		mask_release(&m);
		off += bw + pmfx(sc, rng_between(&sc->rng, 10, 120));
	}
}

static void
scene_abstract(struct scene *sc)
{
	struct rgb bg[3], acc[4];
	struct stop st[3];
	int flat = (sc->lk.style & ST_FLAT) != 0, k, used = 0, ang;

	abstract_palette(sc, bg, acc);
	for (k = 0; k < 3; k++) {
		st[k].pos = k * 512;
		st[k].c = bg[k];
	}
	if (flat) {
		st[1].c = bg[0];
		st[2].c = mix(bg[0], bg[1], 60);
	}
	ang = rng_between(&sc->rng, 2000, 14000);
	if (rng_below(&sc->rng, 2))
		ang += 16384;
	fill_linear(&sc->cv, ang, st, 3);
	if (!flat)
		blobs(sc, acc, 4, rng_between(&sc->rng, 3, 5),
		    sc->lk.style & ST_PASTEL ? 150 : 190);
	/* two or three decorations, never the same twice */
	for (k = 0; k < 3; k++) {
		int d = rng_below(&sc->rng, 5);

		if (k == 2 && rng_below(&sc->rng, 2))
			break;
		if (used & (1 << d))
			continue;
		used |= 1 << d;
		switch (d) {
		case 0: decor_waves(sc, acc, flat); break;
		case 1: decor_rings(sc, mix(acc[3], white(), 160), flat); break;
		case 2: decor_circles(sc, acc, flat); break;
		case 3: decor_dots(sc, mix(acc[3], white(), 200)); break;
		default: decor_bands(sc, acc, flat); break;
		}
	}
}

/* a shaded sphere lit from the upper left */
static void
sphere(struct scene *sc, int64_t cx, int64_t cy, int64_t r, struct rgb base)
{
	struct canvas *cv = &sc->cv;
	struct mask m;
	int i, j, c88[3];
	int64_t r2 = r * r;

	if (r < FX)
		return;
	/* contact shadow on the floor */
	glow(cv, cx + r / 5, cy + r * 95 / 100, r * 13 / 10, r / 4, rgb(0, 0, 0), 150, 2,
	    BL_NORMAL);
	mask_init(&m, cv, (int)((cx - r) / FX) - 2, (int)((cy - r) / FX) - 2,
	    (int)((cx + r) / FX) + 3, (int)((cy + r) / FX) + 3);
	mask_disc(&m, cx, cy, r);
	for (j = 0; j < m.h; j++) {
		int64_t dy = (int64_t)(m.y0 + j) * FX + FX / 2 - cy;

		for (i = 0; i < m.w; i++) {
			int64_t dx = (int64_t)(m.x0 + i) * FX + FX / 2 - cx, d2 = dx * dx + dy * dy;
			int64_t nx, ny, nz, diff, spec, rim;
			int a = m.a[(size_t)j * (size_t)m.w + (size_t)i], k;
			struct rgb c;

			if (!a)
				continue;
			if (d2 > r2)
				d2 = r2;
			/* the unit normal, scaled by 1024 */
			nx = dx * 1024 / r;
			ny = dy * 1024 / r;
			nz = isqrt64((uint64_t)(r2 - d2) * 1024 * 1024 / (uint64_t)r2);
			/* light (-0.5, -0.6, 0.62); half vector (-0.27, -0.33, 0.9) */
			diff = (-512 * nx - 614 * ny + 635 * nz) >> 10;
			if (diff < 0)
				diff = 0;
			spec = (-276 * nx - 338 * ny + 921 * nz) >> 10;
			if (spec < 0)
				spec = 0;
			for (k = 0; k < 5; k++)
				spec = spec * spec >> 10;
			rim = 1024 - nz;
			c = shade(base, (int)(60 + diff * 210 / 1024));
			c = mix(c, white(), (int)(spec * 200 / 1024));
			c = mix(c, shade(base, 120), (int)(rim * rim / 1024 * 80 / 1024));
			rgb88(c, c88);
			blend(pixel(cv, m.x0 + i, m.y0 + j), c88,
			    (uint32_t)((a * 257 + (a >> 7)) * 256 / 256),
			    DITHER(m.x0 + i, m.y0 + j), BL_NORMAL);
		}
	}
	mask_release(&m);
}

/* a softly lit studio backdrop; the floor starts at horizon (0..1024) */
static void
studio_backdrop(struct scene *sc, int horizon)
{
	struct canvas *cv = &sc->cv;
	struct stop st[4];
	int h = sc->hue;

	st[0].pos = 0;
	st[0].c = hsv(h, sc->sat / 3, 120);
	st[1].pos = horizon - 30;
	st[1].c = hsv(h, sc->sat / 3, 180);
	st[2].pos = horizon;
	st[2].c = hsv(h, sc->sat / 3, 200);
	st[3].pos = 1024;
	st[3].c = hsv(h, sc->sat / 3, 150);
	fill_linear(cv, 16384, st, 4);
	glow(cv, xfx(sc, rng_between(&sc->rng, 350, 650)), yfx(sc, 350), xfx(sc, 750), yfx(sc, 700),
	    hsv(h + 60, sc->sat / 4, 255), 170, 2, BL_SCREEN);
}

static void
scene_studio(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	int horizon = rng_between(&sc->rng, 620, 720), n = rng_between(&sc->rng, 1, 3), k;
	int64_t fy = (int64_t)cv->h * FX * horizon / 1024;

	studio_backdrop(sc, horizon);
	for (k = 0; k < n; k++) {
		int64_t r = pmfx(sc, n == 1 ? 230 : rng_between(&sc->rng, 90, 200));
		int64_t cx = n == 1 ? xfx(sc, 500) :
		    xfx(sc, 180 + 640 * k / (n - 1)) + rng_between(&sc->rng, -r / 3, r / 3);
		int64_t cy = fy - r + yfx(sc, rng_between(&sc->rng, 30, 90));

		sphere(sc, cx, cy, r, hsv(k == 1 ? sc->hue2 : sc->hue + k * 100, sc->sat, 230));
	}
}

/* head and shoulders, as on a placeholder avatar */
static void
silhouette(struct scene *sc, struct mask *m)
{
	struct canvas *cv = &sc->cv;
	int64_t cx = (int64_t)cv->w * FX / 2, hr = pmfx(sc, 150), hy = yfx(sc, 400);
	int64_t top = hy + hr * 118 / 100, rx = pmfx(sc, 360), ry = pmfx(sc, 460);

	mask_init(m, cv, (int)((cx - rx) / FX) - 2, (int)((hy - hr) / FX) - 2,
	    (int)((cx + rx) / FX) + 3, cv->h);
	mask_ellipse(m, cx, hy, hr * 92 / 100, hr);
	mask_rrect(m, cx - hr * 45 / 100, hy + hr / 2, cx + hr * 45 / 100, top + hr / 2, hr / 4);
	mask_ellipse(m, cx, top + ry, rx, ry);
}

static void
scene_portrait(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	unsigned st = sc->lk.style;
	struct mask m;
	struct paint pt;

	if (st & ST_NEON) {
		struct rgb hot, cool;
		struct mask ring;
		int64_t r = pmfx(sc, 300);

		neon_pair(sc, &hot, &cool);
		neon_background(sc, hot, cool, cv->h);
		stars(sc, cv->h, cool);
		neon_shapes(sc, hot, cool, 2, 1);
		/* a halo ring behind the head */
		mask_init(&ring, cv, 0, 0, cv->w, cv->h);
		mask_ring(&ring, (int64_t)cv->w * FX / 2, yfx(sc, 420), r, r - maxi(pmfx(sc, 8),
		    FX));
		mask_neon(cv, &ring, hot, maxi(pm(sc, 14), 1));
		mask_release(&ring);
		silhouette(sc, &m);
		{
			struct mask rim;

			mask_grow_copy(&rim, &m, cv, 3 * maxi(pm(sc, 8), 1));
			mask_blur(&rim, maxi(pm(sc, 8), 1));
			mask_fill(cv, &rim, cool, 256, BL_SCREEN);
			mask_fill(cv, &rim, cool, 200, BL_SCREEN);
			mask_release(&rim);
		}
		paint_vgrad(&pt, rgb(8, 6, 16), 0, shade(mix(hot, cool, 128), 30), cv->h, 256,
		    BL_NORMAL);
		mask_paint(cv, &m, &pt, 0, 0);
		mask_release(&m);
		return;
	}
	if (st & ST_PHOTO) {
		studio_backdrop(sc, 1024);
		silhouette(sc, &m);
		paint_vgrad(&pt, hsv(sc->hue, sc->sat / 3, 70), 0, hsv(sc->hue, sc->sat / 3, 25),
		    cv->h, 256, BL_NORMAL);
		{
			struct mask rim;

			mask_grow_copy(&rim, &m, cv, 3 * maxi(pm(sc, 12), 1));
			mask_blur(&rim, maxi(pm(sc, 12), 1));
			mask_paint(cv, &rim, &pt, pm(sc, 12), pm(sc, 18));
			mask_release(&rim);
		}
		mask_paint(cv, &m, &pt, 0, 0);
		glow(cv, xfx(sc, 380), yfx(sc, 330), pmfx(sc, 160), pmfx(sc, 200), hsv(sc->hue,
		    30, 255), 60, 2, BL_SCREEN);
		mask_release(&m);
		return;
	}
	{
		struct rgb bg[3], acc[4];
		struct stop s[3];
		int k, flat = (st & ST_FLAT) != 0;
		int64_t r = pmfx(sc, 330);
		struct mask disc;

		abstract_palette(sc, bg, acc);
		for (k = 0; k < 3; k++) {
			s[k].pos = k * 512;
			s[k].c = flat ? bg[1] : bg[k];
		}
		fill_linear(cv, 16384 + 4000, s, 3);
		if (!flat)
			blobs(sc, acc, 4, 3, 160);
		/* a disc behind the figure, as in an avatar */
		mask_init(&disc, cv, 0, 0, cv->w, cv->h);
		mask_disc(&disc, (int64_t)cv->w * FX / 2, yfx(sc, 500), r);
		mask_fill(cv, &disc, mix(acc[3], white(), 140), flat ? 256 : 110, BL_NORMAL);
		mask_release(&disc);
		silhouette(sc, &m);
		if (flat)
			paint_flat(&pt, hsv(sc->hue2, sc->sat, sc->val * 45 / 100), 256, BL_NORMAL);
		else
			paint_vgrad(&pt, hsv(sc->hue2, sc->sat * 7 / 10, sc->val * 55 / 100), 0,
			    hsv(sc->hue2 + 60, sc->sat, sc->val * 30 / 100), cv->h, 256, BL_NORMAL);
		mask_paint(cv, &m, &pt, 0, 0);
		mask_release(&m);
	}
}

/* ---- icons ---- */

/* emblem space: x, y in -256..256 across the emblem, rotated by ang */
struct xf {
	int64_t cx, cy, s;      /* centre and half size, FX */
	int cs, sn;             /* rotation, Q16 */
};

static void
xf_pt(const struct xf *t, int ux, int uy, int *x, int *y)
{
	int64_t rx = ((int64_t)ux * t->cs - (int64_t)uy * t->sn) >> 16;
	int64_t ry = ((int64_t)ux * t->sn + (int64_t)uy * t->cs) >> 16;

	*x = (int)(t->cx + rx * t->s / 256);
	*y = (int)(t->cy + ry * t->s / 256);
}

static void
em_poly(struct mask *m, const struct xf *t, const int *u, int n, unsigned hard)
{
	int pts[32], k;

	for (k = 0; k < n && k < 16; k++)
		xf_pt(t, u[2 * k], u[2 * k + 1], &pts[2 * k], &pts[2 * k + 1]);
	mask_poly(m, pts, mini(n, 16), hard);
}

static void
em_disc(struct mask *m, const struct xf *t, int ux, int uy, int ur, int ri)
{
	int x, y;

	xf_pt(t, ux, uy, &x, &y);
	mask_ring(m, x, y, (int64_t)ur * t->s / 256, ri < 0 ? -1 : (int64_t)ri * t->s / 256);
}

/* a shape that is star-shaped around (cx, cy): a fan of triangles whose
 * inner edges are sharp, so the pieces join without seams */
static void
em_fan(struct mask *m, const struct xf *t, const int *u, int n, int cx, int cy)
{
	int k;

	for (k = 0; k < n; k++) {
		int tri[6];

		tri[0] = cx;
		tri[1] = cy;
		tri[2] = u[2 * k];
		tri[3] = u[2 * k + 1];
		tri[4] = u[2 * ((k + 1) % n)];
		tri[5] = u[2 * ((k + 1) % n) + 1];
		em_poly(m, t, tri, 3, 5);
	}
}

/* the star or polygon outline: n points alternating radii ro and ri */
static void
em_star(struct mask *m, const struct xf *t, int n, int ro, int ri)
{
	int u[32], k;

	n = clampi(n, 3, 16);
	for (k = 0; k < n; k++) {
		int a = -16384 + k * 65536 / n, r = (k & 1) ? ri : ro;

		u[2 * k] = r * icos(a) / 65536;
		u[2 * k + 1] = r * isin(a) / 65536;
	}
	em_fan(m, t, u, n, 0, 0);
}

/* Draw the emblem: body in the main colour, detail and flame masks in
 * their own. */
static void
emblem(int kind, const struct xf *t, struct mask *body, struct mask *detail, struct mask *flame)
{
	int k;

	switch (kind) {
	case EM_ROCKET: {
		static const int hull[] = {
			0, -250, 45, -200, 72, -130, 82, -50, 82, 40, 74, 110, 60, 140,
			-60, 140, -74, 110, -82, 40, -82, -50, -72, -130, -45, -200,
		};
		static const int fin_r[] = { 70, 20, 150, 110, 150, 190, 60, 140 };
		static const int fin_l[] = { -70, 20, -150, 110, -150, 190, -60, 140 };
		static const int nozzle[] = { -42, 135, 42, 135, 32, 172, -32, 172 };
		static const int fire[] = { -36, 175, 36, 175, 0, 300 };

		em_poly(body, t, hull, 13, 0);
		em_poly(body, t, fin_r, 4, 0);
		em_poly(body, t, fin_l, 4, 0);
		em_poly(detail, t, nozzle, 4, 0);
		em_disc(detail, t, 0, -55, 44, 30);
		em_poly(flame, t, fire, 3, 0);
		em_disc(flame, t, 0, 185, 36, -1);
		break;
	}
	case EM_STAR:
		em_star(body, t, 10, 250, 105);
		break;
	case EM_HEART: {
		int u[64];

		for (k = 0; k < 32; k++) {
			int a = k * 65536 / 32, s = isin(a), c = icos(a);
			int64_t s3 = (int64_t)s * s / 65536 * s / 65536;
			int64_t y = 13LL * c - 5LL * icos(2 * a) - 2LL * icos(3 * a) - icos(4 * a);

			u[2 * k] = (int)(16 * s3 * 15 / 65536);
			u[2 * k + 1] = (int)(-y * 15 / 65536) - 40;
		}
		em_fan(body, t, u, 32, 0, 0);
		break;
	}
	case EM_BOLT: {
		static const int t1[] = { 90, -250, -120, 40, 40, 40 };
		static const int t2[] = { -40, -40, 120, -40, -90, 250 };

		em_poly(body, t, t1, 3, 0);
		em_poly(body, t, t2, 3, 0);
		break;
	}
	case EM_SUN:
		em_disc(body, t, 0, 0, 125, -1);
		for (k = 0; k < 8; k++) {
			int a = k * 8192, ray[6];

			ray[0] = 160 * icos(a - 2400) / 65536;
			ray[1] = 160 * isin(a - 2400) / 65536;
			ray[2] = 250 * icos(a) / 65536;
			ray[3] = 250 * isin(a) / 65536;
			ray[4] = 160 * icos(a + 2400) / 65536;
			ray[5] = 160 * isin(a + 2400) / 65536;
			em_poly(body, t, ray, 3, 0);
		}
		break;
	case EM_MOUNTAIN: {
		static const int big[] = { -240, 170, -30, -170, 180, 170 };
		static const int small[] = { 10, 170, 130, -40, 250, 170 };
		static const int cap[] = { -30, -170, -88, -76, -45, -92, -30, -70, -5, -100, 28,
		    -76 };

		em_poly(body, t, big, 3, 0);
		em_poly(body, t, small, 3, 0);
		em_fan(detail, t, cap, 6, -30, -100);
		break;
	}
	case EM_LEAF: {
		int u[28], vein[4];
		struct xf r = *t;

		/* lay the leaf along the diagonal */
		r.cs = (int)(((int64_t)t->cs * 46341 - (int64_t)t->sn * 46341) >> 16);
		r.sn = (int)(((int64_t)t->sn * 46341 + (int64_t)t->cs * 46341) >> 16);
		for (k = 0; k < 7; k++) {
			int x = -240 + k * 80, w = 130 * (57600 - x * x) / 57600;

			u[2 * k] = x;
			u[2 * k + 1] = -w;
			u[2 * (13 - k)] = x;
			u[2 * (13 - k) + 1] = w;
		}
		em_poly(body, &r, u, 14, 0);
		xf_pt(&r, -200, 0, &vein[0], &vein[1]);
		xf_pt(&r, 170, 0, &vein[2], &vein[3]);
		mask_segment(detail, vein[0], vein[1], vein[2], vein[3], (int)(t->s * 9 / 256));
		break;
	}
	case EM_CLOUD: {
		static const int base[] = { -200, 40, 200, 40, 200, 130, -200, 130 };

		em_disc(body, t, -110, 40, 90, -1);
		em_disc(body, t, 20, -30, 135, -1);
		em_disc(body, t, 150, 50, 80, -1);
		em_disc(body, t, -200, 85, 45, -1);
		em_disc(body, t, 200, 85, 45, -1);
		em_poly(body, t, base, 4, 0);
		break;
	}
	case EM_RING:
		em_disc(body, t, 0, 0, 240, 165);
		em_disc(body, t, 0, 0, 95, -1);
		break;
	case EM_HEXAGON:
		em_star(body, t, 6, 240, 240);
		em_disc(detail, t, 0, 0, 90, -1);
		break;
	case EM_DIAMOND:
		em_star(body, t, 4, 250, 250);
		break;
	default: {      /* EM_TRIANGLE */
		static const int tri[] = { 0, -230, 220, 170, -220, 170 };

		em_poly(body, t, tri, 3, 0);
		break;
	}
	}
}

/* spread the shape down and to the right until the window edge */
static void
mask_long_shadow(struct mask *m)
{
	int i, j;

	for (j = 1; j < m->h; j++) {
		uint8_t *row = m->a + (size_t)j * (size_t)m->w;
		const uint8_t *up = row - m->w;

		for (i = m->w - 1; i >= 1; i--)
			if (up[i - 1] > row[i])
				row[i] = up[i - 1];
	}
}

static void
mask_mul(struct mask *m, const struct mask *by)
{
	size_t i, n = (size_t)m->w * (size_t)m->h;

	if (by->w != m->w || by->h != m->h)
		return;
	for (i = 0; i < n; i++)
		m->a[i] = (uint8_t)((m->a[i] * by->a[i] + 127) / 255);
}

static void
scene_icon(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	unsigned st = sc->lk.style;
	int neon = (st & ST_NEON) != 0, flat = (st & ST_FLAT) != 0 && !(st & ST_PHOTO);
	int lowpoly = (st & ST_LOWPOLY) != 0, round = rng_below(&sc->rng, 4) == 0, kind;
	int64_t cx = (int64_t)cv->w * FX / 2, cy = (int64_t)cv->h * FX / 2, half = pmfx(sc, 400);
	int pad = (int)(half / FX) + pm(sc, 60) + 2;
	struct rgb top, bot, ink, det, hot, cool;
	struct mask plate, body, detail, flame;
	struct paint pt;
	struct stop s[2];
	struct xf t;

	neon_pair(sc, &hot, &cool);
	if (neon) {
		s[0].c = shade(cool, 20);
		s[1].c = shade(hot, 30);
		top = hsv(sc->hue, 200, 40);
		bot = hsv(sc->hue2, 200, 22);
	} else {
		int sat = (st & ST_PASTEL) ? mini(sc->sat * 16 / 10, 255) : sc->sat;

		s[0].c = hsv(sc->hue, sc->sat / 5, 246);
		s[1].c = hsv(sc->hue2, sc->sat / 4, 226);
		top = hsv(sc->hue, sat, sc->val);
		bot = hsv(sc->hue2, sat, sc->val * 78 / 100);
		if (flat)
			bot = top;
	}
	s[0].pos = 0;
	s[1].pos = 1024;
	fill_linear(cv, 16384 + 3000, s, 2);

	mask_init(&plate, cv, (int)(cx / FX) - pad, (int)(cy / FX) - pad, (int)(cx / FX) + pad,
	    (int)(cy / FX) + pad);
	if (round)
		mask_disc(&plate, cx, cy, half);
	else
		mask_rrect(&plate, cx - half, cy - half, cx + half, cy + half, half * 45 / 100);
	if (!flat && !neon) {
		struct mask sh;

		mask_grow_copy(&sh, &plate, cv, 3 * maxi(pm(sc, 14), 1));
		mask_blur(&sh, maxi(pm(sc, 14), 1));
		mask_fill(cv, &sh, rgb(0, 0, 0), 90, BL_NORMAL);
		mask_release(&sh);
	}
	if (lowpoly) {
		lowpoly_mask(cv, &sc->rng, &plate, mix(top, bot, 128), maxi(pm(sc, 110), 3));
	} else {
		paint_vgrad(&pt, top, (int)((cy - half) / FX), bot, (int)((cy + half) / FX), 256,
		    BL_NORMAL);
		mask_paint(cv, &plate, &pt, 0, 0);
	}
	if (neon) {
		struct mask edge;
		int64_t th = maxi(pmfx(sc, 7), FX);

		mask_init(&edge, cv, plate.x0, plate.y0, plate.x0 + plate.w, plate.y0 + plate.h);
		if (round)
			mask_ring(&edge, cx, cy, half, half - th);
		else {
			struct mask in;
			size_t i;

			mask_init(&in, cv, plate.x0, plate.y0, plate.x0 + plate.w,
			    plate.y0 + plate.h);
			mask_rrect(&edge, cx - half, cy - half, cx + half, cy + half,
			    half * 45 / 100);
			mask_rrect(&in, cx - half + th, cy - half + th, cx + half - th,
			    cy + half - th,
			    half * 45 / 100 - th);
			for (i = 0; i < (size_t)edge.w * (size_t)edge.h; i++)
				edge.a[i] = (uint8_t)maxi(edge.a[i] - in.a[i], 0);
			mask_release(&in);
		}
		mask_neon(cv, &edge, cool, maxi(pm(sc, 12), 1));
		mask_release(&edge);
	}

	kind = sc->lk.emblem;
	if (kind == EM_NONE && (sc->lk.subject & SUB_LANDSCAPE))
		kind = EM_MOUNTAIN;
	if (kind == EM_NONE) {
		static const int any[] = {
			EM_STAR, EM_HEART, EM_BOLT, EM_LEAF, EM_CLOUD,
			EM_RING, EM_HEXAGON, EM_DIAMOND, EM_TRIANGLE,
		};

		kind = any[rng_below(&sc->rng, 9)];
	}
	t.cx = cx;
	t.cy = cy;
	t.s = half * 56 / 100;
	t.cs = 65536;
	t.sn = 0;
	if (kind == EM_ROCKET) {
		/* point up and to the right */
		t.s = half * 50 / 100;
		t.cs = 46341;
		t.sn = 46341;
	}
	mask_init(&body, cv, plate.x0, plate.y0, plate.x0 + plate.w, plate.y0 + plate.h);
	mask_init(&detail, cv, plate.x0, plate.y0, plate.x0 + plate.w, plate.y0 + plate.h);
	mask_init(&flame, cv, plate.x0, plate.y0, plate.x0 + plate.w, plate.y0 + plate.h);
	if (body.a)
		emblem(kind, &t, &body, &detail, &flame);
	ink = neon ? mix(hot, white(), 60) : mix(white(), top, 20);
	det = neon ? cool : hsv(sc->hue2, mini(sc->sat + 40, 255), sc->val * 70 / 100);
	if (flat && body.a) {
		struct mask sh = body;
		size_t i, n = (size_t)body.w * (size_t)body.h;

		sh.a = xmalloc(n);
		for (i = 0; i < n; i++)
			sh.a[i] = (uint8_t)mini(body.a[i] + flame.a[i], 255);
		mask_long_shadow(&sh);
		mask_mul(&sh, &plate);
		mask_fill(cv, &sh, rgb(0, 0, 0), 45, BL_NORMAL);
		mask_release(&sh);
	} else if (!neon && body.a) {
		struct mask sh = body;
		struct paint dark;

		/* a soft drop shadow, kept on the plate */
		sh.a = xmalloc((size_t)body.w * (size_t)body.h);
		memcpy(sh.a, body.a, (size_t)body.w * (size_t)body.h);
		mask_blur(&sh, maxi(pm(sc, 10), 1));
		mask_mul(&sh, &plate);
		paint_flat(&dark, rgb(0, 0, 0), 80, BL_NORMAL);
		mask_paint(cv, &sh, &dark, pm(sc, 6), pm(sc, 10));
		mask_release(&sh);
	}
	paint_vgrad(&pt, rgb(255, 240, 120), (int)(cy / FX), rgb(255, 110, 40),
	    (int)((cy + half) / FX), 256, BL_NORMAL);
	if (neon)
		mask_neon(cv, &flame, hot, maxi(pm(sc, 8), 1));
	else
		mask_paint(cv, &flame, &pt, 0, 0);
	if (neon)
		mask_neon(cv, &body, hot, maxi(pm(sc, 14), 1));
	else if (lowpoly)
		lowpoly_mask(cv, &sc->rng, &body, ink, maxi(pm(sc, 45), 3));
	else
		mask_fill(cv, &body, ink, 256, BL_NORMAL);
	if (lowpoly && !neon)
		lowpoly_mask(cv, &sc->rng, &detail, det, maxi(pm(sc, 30), 3));
	else
		mask_fill(cv, &detail, det, 256, BL_NORMAL);
	mask_release(&flame);
	mask_release(&detail);
	mask_release(&body);
	mask_release(&plate);
}

/* ---- text ---- */

#define MAX_LINES 64

struct tline {
	const unsigned char *g;
	int n;
	int scale;
};

struct tlayout {
	struct tline line[MAX_LINES];
	int nlines;
	int width, height;      /* pixels */
	int head;               /* the headline's scale */
};

/* The quote as glyph codes: printable ASCII; Latin-1 letters as their
 * base letter, dashes and curly quotes as their ASCII kin, and 127 (a box)
 * for anything else. */
static int
glyphs_of(const struct quote *q, unsigned char *out)
{
	static const char latin1[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYPsaaaaaaaceeeeiiiidnooooo/ouuuuypy";
	size_t i = 0;
	int n = 0;

	while (i < q->n) {
		unsigned char c = (unsigned char)q->s[i];
		uint32_t cp = c;
		size_t len = 1, k;

		if (c >= 0xc0) {
			len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			cp = c & (0x3f >> (len - 1));
			for (k = 1; k < len; k++) {
				unsigned char cc = i + k < q->n ? (unsigned char)q->s[i + k] : 0;

				if ((cc & 0xc0) != 0x80)
					break;
				cp = cp << 6 | (cc & 0x3f);
			}
			len = k;
		}
		i += len;
		if (cp >= 0x80 && cp < 0xc0 && c < 0xc0)
			continue;               /* a stray continuation byte */
		if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0)
			cp = ' ';
		else if (cp >= 0xc0 && cp <= 0xff)
			cp = (unsigned char)latin1[cp - 0xc0];
		else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 ||
		    cp == 0x2014)
			cp = '-';
		else if (cp == 0x2018 || cp == 0x2019)
			cp = '\'';
		else if (cp == 0x201c || cp == 0x201d)
			cp = '"';
		else if (cp == 0x2026 || cp == 0xb7)
			cp = '.';
		if (cp < 32)
			continue;
		if (cp > 126)
			cp = 127;
		if (cp == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (unsigned char)cp;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	return n;
}

/* greedy word wrap into lines of at most maxc glyphs; -1 if more than
 * maxl lines */
static int
wrap(const unsigned char *g, int n, int maxc, int maxl, struct tline *out, int scale)
{
	int i = 0, nl = 0;

	while (i < n) {
		int len = n - i, k;

		while (i < n && g[i] == ' ')
			i++;
		if (i >= n)
			break;
		len = n - i;
		if (len > maxc) {
			len = maxc;
			if (g[i + len] != ' ') {
				for (k = len - 1; k > 0 && g[i + k] != ' '; k--)
					;
				if (k > 0)
					len = k;
			}
		}
		while (len > 0 && g[i + len - 1] == ' ')
			len--;
		if (nl >= maxl)
			return -1;
		out[nl].g = g + i;
		out[nl].n = len;
		out[nl].scale = scale;
		nl++;
		i += len;
	}
	return nl;
}

/* Lay out every quote with the headline at scale s, later quotes smaller;
 * 0 if it fits in wmax x hmax with at most maxl lines a quote. */
static int
layout(struct tlayout *lo, unsigned char **g, const int *ng, int nq, int s, int wmax, int hmax,
    int maxl)
{
	int k, j, h = 0, w = 0;

	lo->nlines = 0;
	lo->width = lo->height = 0;
	lo->head = s;
	for (k = 0; k < nq; k++) {
		int sc = k == 0 ? s : maxi(s * 3 / 5, mini(s, 2));
		int maxc = (wmax / sc + 1) / FONT_ADVANCE, nl;

		if (maxc < 1)
			return -1;
		nl = wrap(g[k], ng[k], maxc, mini(maxl, MAX_LINES - lo->nlines),
		    lo->line + lo->nlines, sc);
		if (nl < 0)
			return -1;
		for (j = 0; j < nl; j++) {
			struct tline *l = &lo->line[lo->nlines + j];

			w = maxi(w, (l->n * FONT_ADVANCE - 1) * sc);
			h += (j == 0 && lo->nlines > 0 ? 4 * sc : 0) + FONT_LINE * sc;
		}
		lo->nlines += nl;
	}
	if (lo->nlines == 0)
		return -1;
	h -= (FONT_LINE - FONT_ROWS) * lo->line[lo->nlines - 1].scale;
	lo->width = w;
	lo->height = h;
	return h <= hmax && w <= wmax ? 0 : -1;
}

static int
glyph_bit(const uint8_t *g, int r, int c)
{
	if (r < 0 || r >= FONT_ROWS || c < 0 || c >= FONT_COLS)
		return 0;
	return (g[r] >> (FONT_COLS - 1 - c)) & 1;
}

/* one glyph into the mask at window position (x, y), each dot s x s;
 * from scale 3 on, diagonal steps are filled in with half cells */
static void
mask_glyph(struct mask *m, const uint8_t *g, int x, int y, int s)
{
	int r, c, i, j;

	for (r = 0; r < FONT_ROWS; r++) {
		for (c = 0; c < FONT_COLS; c++) {
			int corner[4] = { 0, 0, 0, 0 };

			if (glyph_bit(g, r, c)) {
				for (j = 0; j < s; j++) {
					int yy = y + r * s + j;

					if (yy < 0 || yy >= m->h)
						continue;
					for (i = 0; i < s; i++) {
						int xx = x + c * s + i;

						if (xx >= 0 && xx < m->w)
							m->a[(size_t)yy * (size_t)m->w + (size_t)xx] = 255;
					}
				}
				continue;
			}
			if (s < 3)
				continue;
			{
				int up = glyph_bit(g, r - 1, c), dn = glyph_bit(g, r + 1, c);
				int lf = glyph_bit(g, r, c - 1), rt = glyph_bit(g, r, c + 1);

				corner[0] = up && lf && !dn && !rt && !glyph_bit(g, r - 1, c - 1);
				corner[1] = up && rt && !dn && !lf && !glyph_bit(g, r - 1, c + 1);
				corner[2] = dn && lf && !up && !rt && !glyph_bit(g, r + 1, c - 1);
				corner[3] = dn && rt && !up && !lf && !glyph_bit(g, r + 1, c + 1);
			}
			if (!(corner[0] | corner[1] | corner[2] | corner[3]))
				continue;
			for (j = 0; j < s; j++) {
				int yy = y + r * s + j;

				if (yy < 0 || yy >= m->h)
					continue;
				for (i = 0; i < s; i++) {
					int xx = x + c * s + i, d = -1, cov;

					if (xx < 0 || xx >= m->w)
						continue;
					/* distance past the cell's diagonal, in pixels */
					if (corner[0])
						d = maxi(d, s - 1 - i - j);
					if (corner[1])
						d = maxi(d, s - 1 - (s - 1 - i) - j);
					if (corner[2])
						d = maxi(d, s - 1 - i - (s - 1 - j));
					if (corner[3])
						d = maxi(d, s - 1 - (s - 1 - i) - (s - 1 - j));
					cov = clampi(128 + d * 181, 0, 255);
					if (cov > m->a[(size_t)yy * (size_t)m->w + (size_t)xx])
						m->a[(size_t)yy * (size_t)m->w + (size_t)xx] = (uint8_t)cov;
				}
			}
		}
	}
}

static void
draw_text(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	unsigned st = sc->lk.style;
	unsigned char *g[MAX_QUOTES];
	int ng[MAX_QUOTES], nq = 0, k, s, smax, sread, maxl, best, bestl, ok = -1;
	int wmax = cv->w * 70 / 100, hmax = cv->h * 60 / 100;
	int x0, y0, px, py, y, light, neon = (st & ST_NEON) != 0;
	struct tlayout *lo;
	struct mask plate, text;
	struct rgb ink, plc;

	for (k = 0; k < sc->lk.nq; k++) {
		g[nq] = xmalloc(sc->lk.q[k].n + 1);
		ng[nq] = glyphs_of(&sc->lk.q[k], g[nq]);
		if (ng[nq] > 0)
			nq++;
		else
			free(g[nq]);
	}
	if (nq == 0)
		return;
	lo = xmalloc(sizeof(*lo));
	/* The fewest lines that still give a readable headline (a tenth of
	 * the shorter side); failing that, the largest headline, each extra
	 * line costing as much as 30% of scale. */
	smax = maxi(mini(cv->h * 35 / 100 / FONT_ROWS, wmax / FONT_COLS), 1);
	sread = maxi(cv->unit / 100, 2);
	for (maxl = 1; maxl <= 6 && ok < 0; maxl++)
		for (s = smax; s >= sread && ok < 0; s--)
			ok = layout(lo, g, ng, nq, s, wmax, hmax, maxl);
	best = -1;
	bestl = 1;
	for (s = smax; s >= 1 && ok < 0; s--) {
		/* no smaller scale can beat the best on one line a quote */
		if (best > 0 && s * (7 + 3 * bestl) <= best * (7 + 3 * nq))
			break;
		if (layout(lo, g, ng, nq, s, wmax, hmax, MAX_LINES) != 0)
			continue;
		if (best < 0 || s * (7 + 3 * bestl) > best * (7 + 3 * lo->nlines)) {
			best = s;
			bestl = lo->nlines;
		}
	}
	if (ok < 0 && best > 0)
		ok = layout(lo, g, ng, nq, best, wmax, hmax, MAX_LINES);
	if (ok < 0) {
		/* small images: use all of it, and clip what still does not fit */
		wmax = maxi(cv->w - 2, 1);
		hmax = maxi(cv->h - 2, 1);
		for (s = smax; s >= 1 && ok < 0; s--)
			ok = layout(lo, g, ng, nq, s, wmax, hmax, MAX_LINES);
		/* at worst a few glyphs a line, clipped */
		if (ok < 0 && layout(lo, g, ng, nq, 1, maxi(wmax, FONT_ADVANCE * 4), 1 << 30,
		    MAX_LINES) == 0)
			ok = 0;
	}
	if (ok < 0 && layout(lo, g, ng, nq, 1, FONT_ADVANCE * 64, 1 << 30, MAX_LINES) != 0) {
		/* more text than MAX_LINES lines can hold: draw none */
		free(lo);
		for (k = 0; k < nq; k++)
			free(g[k]);
		return;
	}
	s = lo->head;
	px = mini(4 * s, maxi((cv->w - lo->width) / 2, 0));
	py = mini(3 * s, maxi((cv->h - lo->height) / 2, 0));
	x0 = (cv->w - lo->width) / 2;
	y0 = (cv->h - lo->height) / 2;

	light = (st & (ST_PASTEL | ST_FLAT | ST_ICON)) && !neon && !(st & ST_PHOTO);
	if (neon) {
		plc = rgb(10, 6, 22);
		ink = hsv(sc->hue, 40, 255);
	} else if (light) {
		plc = rgb(255, 255, 255);
		ink = hsv(sc->hue, mini(sc->sat + 60, 255), 70);
	} else {
		plc = hsv(sc->hue2, 90, 24);
		ink = rgb(255, 255, 255);
	}
	mask_init(&plate, cv, x0 - px - 1, y0 - py - 1, x0 + lo->width + px + 1,
	    y0 + lo->height + py + 1);
	mask_rrect(&plate, (int64_t)(x0 - px) * FX, (int64_t)(y0 - py) * FX,
	    (int64_t)(x0 + lo->width + px) * FX, (int64_t)(y0 + lo->height + py) * FX,
	    (int64_t)mini(px, py) * FX);
	mask_fill(cv, &plate, plc, light ? 220 : neon ? 180 : 170, BL_NORMAL);
	mask_release(&plate);

	mask_init(&text, cv, x0 - 4 * s, y0 - 4 * s, x0 + lo->width + 4 * s,
	    y0 + lo->height + 4 * s);
	y = y0 - text.y0;
	for (k = 0; k < lo->nlines; k++) {
		const struct tline *l = &lo->line[k];
		int x = (cv->w - (l->n * FONT_ADVANCE - 1) * l->scale) / 2 - text.x0, i;

		if (k > 0 && l->scale != lo->line[k - 1].scale)
			y += 4 * l->scale;
		for (i = 0; i < l->n && text.a; i++)
			mask_glyph(&text, font_glyph(l->g[i]), x + i * FONT_ADVANCE * l->scale, y,
			    l->scale);
		y += FONT_LINE * l->scale;
	}
	if (neon) {
		struct rgb hot, cool;

		neon_pair(sc, &hot, &cool);
		mask_neon(cv, &text, hot, maxi(s, 1));
	} else {
		int off = maxi(s / 4, 1);

		if (s > 1 || !light) {
			struct paint sh;

			paint_flat(&sh, light ? hsv(sc->hue, 60, 200) : rgb(0, 0, 0),
			    light ? 160 : 140, BL_NORMAL);
			mask_paint(cv, &text, &sh, off, off);
		}
		mask_fill(cv, &text, ink, 256, BL_NORMAL);
	}
	mask_release(&text);
	free(lo);
	for (k = 0; k < nq; k++)
		free(g[k]);
}

/* ---- finishing ---- */

/* a photographic vignette and a little grain */
static void
finish_photo(struct scene *sc)
{
	struct canvas *cv = &sc->cv;
	int64_t cx = (int64_t)cv->w * FX / 2, cy = (int64_t)cv->h * FX / 2;
	uint64_t inv = ((uint64_t)1 << 48) / (uint64_t)(cx * cx + cy * cy + 1);
	uint32_t key = (uint32_t)sc->rng.s, *qx = xmalloc(sizeof(*qx) * (size_t)cv->w);
	int x, y, i;

	for (x = 0; x < cv->w; x++) {
		int64_t dx = (int64_t)x * FX + FX / 2 - cx;

		qx[x] = (uint32_t)(((uint64_t)(dx * dx) * inv) >> 32);
	}
	for (y = 0; y < cv->h; y++) {
		int64_t dy = (int64_t)y * FX + FX / 2 - cy;
		uint32_t qy = (uint32_t)(((uint64_t)(dy * dy) * inv) >> 32);
		uint32_t h = hash2(0, (uint32_t)y, key) | 1;
		uint8_t *p = pixel(cv, 0, y);

		for (x = 0; x < cv->w; x++, p += 3) {
			uint32_t q = qx[x] + qy;        /* 0..65536 at the corners */
			int k = 65536 - (int)((q >> 4) * (q >> 4) / 256 * 90 / 256);
			int n, d = (int)DITHER(x, y);

			/* xorshift noise along the row */
			h ^= h << 13;
			h ^= h >> 17;
			h ^= h << 5;
			n = (int)(h >> 29) - 4;
			for (i = 0; i < 3; i++) {
				int v = ((p[i] * k + d) >> 16) + n;

				p[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	free(qx);
}

/* ---- the model ---- */

static void
scene_init(struct scene *sc, const struct render_req *req, uint8_t *px)
{
	struct look *lk = &sc->lk;
	unsigned st;
	static const int schemes[] = { 128, 192, 256, -128, -192, -256, 384, 512 };

	memset(sc, 0, sizeof(*sc));
	sc->cv.px = px;
	sc->cv.w = (int)req->width;
	sc->cv.h = (int)req->height;
	sc->cv.unit = mini(sc->cv.w, sc->cv.h);
	lk->hue[0] = lk->hue[1] = -1;
	lk->hash = 0x6a09e667f3bcc908ULL;
	if (req->prompt)
		scan_words(lk, req->prompt, 0, 1);
	scan_params(lk, req);
	if (req->negative_prompt)
		scan_words(lk, req->negative_prompt, 1, 0);
	sc->rng.s = mix64(lk->hash ^ mix64(req->seed ^ 0x243f6a8885a308d3ULL));

	st = lk->style;
	if (lk->hue[0] >= 0)
		sc->hue = lk->hue[0] + rng_between(&sc->rng, -20, 20);
	else if ((sc->hue = rng_below(&sc->rng, 1536 - 150)) >= 300)
		sc->hue += 150;         /* no unasked-for olive */
	sc->hue = (sc->hue + 1536) % 1536;
	if (lk->hue[1] >= 0)
		sc->hue2 = lk->hue[1];
	else if (lk->hue[0] >= 0)     /* a named colour stays in charge */
		sc->hue2 = (sc->hue + schemes[rng_below(&sc->rng, 4)] * 3 / 4 + 1536) % 1536;
	else
		sc->hue2 = (sc->hue + schemes[rng_below(&sc->rng, 8)] + 1536) % 1536;
	sc->sat = rng_between(&sc->rng, 180, 225);
	sc->val = rng_between(&sc->rng, 225, 250);
	if (st & ST_PASTEL) {
		sc->sat = rng_between(&sc->rng, 60, 95);
		sc->val = 252;
	} else if (st & ST_PHOTO) {
		sc->sat = rng_between(&sc->rng, 140, 180);
	} else if (st & ST_NEON) {
		sc->sat = 255;
		sc->val = 255;
	}
	if (lk->mood & MOOD_DARK)
		sc->val = sc->val * 6 / 10;
	if (lk->mood & MOOD_VIVID)
		sc->sat = mini(sc->sat + 30, 255);
	if (lk->mood & MOOD_MUTED)
		sc->sat = sc->sat * 6 / 10;
	if (lk->mood & MOOD_MONO)
		sc->sat = 0;
}

int
render_builtin(const struct render_req *req, struct image *out)
{
	struct scene sc;
	unsigned st, sub;

	if (!req || !out || req->width < 1 || req->height < 1 ||
	    req->width > IMAGE_MAX_SIDE || req->height > IMAGE_MAX_SIDE)
		return -1;
	if (image_alloc(out, req->width, req->height, 3) != 0)
		return -1;
	scene_init(&sc, req, out->px);
	st = sc.lk.style;
	sub = sc.lk.subject;
	if (st & ST_ICON)
		scene_icon(&sc);
	else if (sub & SUB_PORTRAIT)
		scene_portrait(&sc);
	else if ((st & ST_NEON) && (sub & (SUB_LANDSCAPE | SUB_CITY)))
		scene_synthwave(&sc);
	else if (sub & (SUB_LANDSCAPE | SUB_CITY | SUB_SPACE))
		scene_landscape(&sc);
	else if ((st & ST_NEON) && rng_below(&sc.rng, 2))
		scene_synthwave(&sc);
	else if (st & ST_NEON)
		scene_neon(&sc);
	else if (st & ST_PHOTO)
		scene_studio(&sc);
	else
		scene_abstract(&sc);
	if ((st & ST_LOWPOLY) && !(st & ST_ICON))
		lowpoly_canvas(&sc.cv, &sc.rng, maxi(sc.cv.unit / 14, 4));
	if ((st & ST_PHOTO) && !(st & ST_ICON))
		finish_photo(&sc);
	draw_text(&sc);
	return 0;
}
