/* ocr.c - Tesseract, one engine per thread; normalising and scoring text */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "buf.h"
#include "ocr.h"
#include "util.h"

#define OCR_READ_MAX 16384      /* code points of recognised text compared */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- normalising ---- */

/* One code point from s (invalid bytes are taken one at a time as
 * U+FFFD); returns the bytes used. */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07;
	else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0 || (c >= 0x2000 && c <= 0x200b) ||
		c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* ASCII punctuation and symbols, Latin-1's, general punctuation, the
 * replacement character, and the marks OCR reads from specks and rules. */
static int
is_punct(uint32_t c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
		(c >= '{' && c <= '~') || (c >= 0xa1 && c <= 0xbf && c != 0xaa && c != 0xb5 &&
					   c != 0xba) || c == 0xd7 || c == 0xf7 ||
		(c >= 0x2010 && c <= 0x205e) || (c >= 0x3000 && c <= 0x303f) || c == 0xfffd ||
		(c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff01 && c <= 0xff0f);
}

static uint32_t
lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)   /* Greek */
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)                 /* Cyrillic */
		return c + 32;
	if (c >= 0x100 && c <= 0x17f && !(c & 1) && c != 0x130 && c != 0x138)
		return c + 1;                         /* Latin Extended-A pairs (mostly) */
	return c;
}

void
ocr_normalise(const char *s, uint32_t **out, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), k = 0;
	uint32_t *cps = xreallocarray(NULL, len + 1, sizeof(*cps)), c;
	int space = 0;

	while (*p) {
		p += utf8_next(p, &c);
		if (is_space(c)) {
			space = k > 0;
			continue;
		}
		if (is_punct(c))
			continue;
		if (space)
			cps[k++] = ' ';
		space = 0;
		cps[k++] = lower(c);
	}
	*out = cps;
	*n = k;
}

double
ocr_distance(const char *expected, const char *recognised)
{
	uint32_t *e, *r;
	size_t ne, nr, i, j, *prev, *cur, *tmp, best;
	double d;

	ocr_normalise(expected, &e, &ne);
	ocr_normalise(recognised, &r, &nr);
	if (nr > OCR_READ_MAX)
		nr = OCR_READ_MAX;
	if (!ne) {
		free(e);
		free(r);
		return 0;
	}
	/* Sellers: edit distance of e to the best substring of r (a match may
	 * start and end anywhere in r for free) */
	prev = xcalloc(nr + 1, sizeof(*prev));
	cur = xcalloc(nr + 1, sizeof(*cur));
	for (i = 1; i <= ne; i++) {
		cur[0] = i;
		for (j = 1; j <= nr; j++) {
			size_t sub = prev[j - 1] + (e[i - 1] != r[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	best = prev[0];
	for (j = 1; j <= nr; j++)
		if (prev[j] < best)
			best = prev[j];
	d = (double)best / (double)ne;
	free(prev);
	free(cur);
	free(e);
	free(r);
	return d > 1 ? 1 : d;
}

/* ---- Tesseract ---- */

struct engine {
	TessBaseAPI *api;
	char *lang;
};

static pthread_key_t engine_key;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void
engine_free(void *p)
{
	struct engine *e = p;

	if (!e)
		return;
	if (e->api) {
		TessBaseAPIEnd(e->api);
		TessBaseAPIDelete(e->api);
	}
	free(e->lang);
	free(e);
}

/* Tesseract's LSTM runs its inner loops on OpenMP threads (four per
 * calling thread, spinning between regions).  The build already reads one
 * image per worker thread, so those threads only oversubscribe the CPUs:
 * measured 2.91 s against 5.43 s wall for 20 images at -j 1 on a loaded
 * 2-CPU machine.  OMP_THREAD_LIMIT is read when libgomp loads, before
 * main, so OpenMP's own call is used instead: no active parallel levels
 * means every parallel region runs on the calling thread alone.  Looked up
 * at run time, as libgomp comes in with libtesseract only. */
static void
openmp_off(void)
{
	void (*set_levels)(int);

	(void)TessVersion();    /* loads libtesseract, OpenMP with it (tess_lazy.c) */
	*(void **)&set_levels = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
	if (set_levels && !getenv("OMP_THREAD_LIMIT"))
		set_levels(0);
}

static void
engine_key_make(void)
{
	if (pthread_key_create(&engine_key, engine_free) != 0)
		fatal("cannot create a thread key for the OCR engine");
	openmp_off();
}

const char *
ocr_datapath(void)
{
	static const char *const debian[] = {
		"/usr/share/tesseract-ocr/5/tessdata",
		"/usr/share/tesseract-ocr/4.00/tessdata",
	};
	const char *env = getenv("TESSDATA_PREFIX");
	size_t i;

	if (env && *env)
		return env;
	for (i = 0; i < NELEM(debian); i++)
		if (access(debian[i], R_OK) == 0)
			return debian[i];
	return debian[0];
}

static char engine_name[64];
static pthread_once_t engine_name_once = PTHREAD_ONCE_INIT;

static void
engine_name_make(void)
{
	snprintf(engine_name, sizeof(engine_name), "tesseract %s", TessVersion());
}

const char *
ocr_engine(void)
{
	pthread_once(&engine_name_once, engine_name_make);
	return engine_name;
}

/* This thread's engine for lang, started on first use. */
static TessBaseAPI *
engine_get(const char *lang, char **err)
{
	struct engine *e;
	const char *dir = ocr_datapath();
	const char *p, *q;
	char *path;

	pthread_once(&engine_once, engine_key_make);
	e = pthread_getspecific(engine_key);
	if (e && e->api && strcmp(e->lang, lang) == 0)
		return e->api;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		pthread_setspecific(engine_key, e);
	}
	if (e->api) {
		TessBaseAPIEnd(e->api);
		TessBaseAPIDelete(e->api);
		e->api = NULL;
	}
	free(e->lang);
	e->lang = NULL;
	/* say which language is missing, rather than Tesseract's own message */
	for (p = lang; *p; p = *q ? q + 1 : q) {
		q = strchr(p, '+');
		if (!q)
			q = p + strlen(p);
		path = xasprintf("%s/%.*s.traineddata", dir, (int)(q - p), p);
		if (access(path, R_OK) != 0) {
			*err = xasprintf("no Tesseract data for language '%.*s' (%s; on Debian: "
					 "apt-get install tesseract-ocr-%.*s)", (int)(q - p), p, path,
					 (int)(q - p), p);
			free(path);
			return NULL;
		}
		free(path);
	}
	e->api = TessBaseAPICreate();
	/* quiet: Tesseract prints its warnings to stderr otherwise */
	TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
	if (TessBaseAPIInit3(e->api, dir, lang) != 0) {
		TessBaseAPIDelete(e->api);
		e->api = NULL;
		*err = xasprintf("cannot start Tesseract for language '%s' (data in %s)", lang, dir);
		return NULL;
	}
	TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
	e->lang = xstrdup(lang);
	return e->api;
}

/* The image goes in as it is, RGB(A): Tesseract's own thresholding of
 * the colour image reads text on patterned backgrounds that a plain grey
 * conversion loses. */
static int
read_psm(TessBaseAPI *api, const struct image *img, TessPageSegMode psm, char **text)
{
	char *t;

	TessBaseAPISetPageSegMode(api, psm);
	TessBaseAPISetImage(api, img->px, (int)img->width, (int)img->height, (int)img->channels,
			    (int)(img->width * img->channels));
	t = TessBaseAPIGetUTF8Text(api);
	TessBaseAPIClear(api);
	*text = xstrdup(t ? t : "");
	if (t)
		TessDeleteText(t);
	return 0;
}

int
ocr_read(const struct image *img, const char *lang, char **text, char **err)
{
	TessBaseAPI *api = engine_get(lang, err);

	if (!api)
		return -1;
	read_psm(api, img, PSM_AUTO, text);
	return 0;
}

static double
score(char *const *expect, size_t n, const char *text)
{
	double worst = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = ocr_distance(expect[i], text);
		if (d > worst)
			worst = d;
	}
	return worst;
}

/* The normalised text, UTF-8, cut to fit at a character boundary. */
static void
keep_text(const char *text, char *out, size_t cap)
{
	struct buf b = BUF_INIT;
	uint32_t *cps, c;
	size_t n, i, before;

	ocr_normalise(text, &cps, &n);
	for (i = 0; i < n; i++) {
		c = cps[i];
		before = b.len;
		if (c < 0x80) {
			buf_putc(&b, (char)c);
		} else if (c < 0x800) {
			buf_putc(&b, (char)(0xc0 | c >> 6));
			buf_putc(&b, (char)(0x80 | (c & 0x3f)));
		} else if (c < 0x10000) {
			buf_putc(&b, (char)(0xe0 | c >> 12));
			buf_putc(&b, (char)(0x80 | (c >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (c & 0x3f)));
		} else {
			buf_putc(&b, (char)(0xf0 | c >> 18));
			buf_putc(&b, (char)(0x80 | (c >> 12 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (c >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (c & 0x3f)));
		}
		if (b.len >= cap) {
			b.len = before;
			break;
		}
	}
	memcpy(out, b.data ? b.data : "", b.len);
	out[b.len] = 0;
	buf_release(&b);
	free(cps);
}

/* Half the size in grey (luma, alpha ignored), 2x2 boxes averaged: large
 * display type reads better smaller, and this reading better in grey. */
static int
halve(const struct image *img, struct image *out)
{
	uint32_t w = img->width / 2, h = img->height / 2, x, y, ch = img->channels;
	size_t stride = (size_t)img->width * ch;

	if (w < 16 || h < 16)
		return -1;
	out->px = xmalloc((size_t)w * h);
	out->width = w;
	out->height = h;
	out->channels = 1;
	for (y = 0; y < h; y++) {
		const uint8_t *r0 = img->px + (size_t)(2 * y) * stride, *r1 = r0 + stride;
		uint8_t *o = out->px + (size_t)y * w;

		for (x = 0; x < w; x++) {
			const uint8_t *p[4] = { r0 + 2 * x * ch, r0 + (2 * x + 1) * ch, r1 + 2 * x * ch,
						r1 + (2 * x + 1) * ch };
			uint32_t sum = 0;
			int k;

			for (k = 0; k < 4; k++)
				sum += 77u * p[k][0] + 150u * p[k][1] + 29u * p[k][2];
			o[x] = (uint8_t)((sum + 512) / 1024);
		}
	}
	return 0;
}

/* The readings tried in turn until the copy is found: page layout
 * analysis with a global threshold; a local (Sauvola) threshold, for light
 * type on a dark panel over a light picture; the image at half size, for
 * display type larger than Tesseract's models expect; sparse text, for
 * words scattered over a picture. */
static const struct pass {
	TessPageSegMode psm;
	const char *thresholding;       /* thresholding_method */
	int half;
} passes[] = {
	{ PSM_AUTO, "0", 0 },
	{ PSM_AUTO, "2", 0 },
	{ PSM_AUTO, "0", 1 },
	{ PSM_SPARSE_TEXT, "0", 0 },
};

int
ocr_check(const struct image *img, char *const *expect, size_t n, const char *lang,
	  double threshold, struct ocr_verdict *v, char **err)
{
	TessBaseAPI *api = engine_get(lang, err);
	char *text = NULL, *best = NULL;
	struct image small = {0};
	double d, bestd = 2;
	size_t i;
	int have_small = -1;

	memset(v, 0, sizeof(*v));
	if (!api)
		return -1;
	for (i = 0; i < NELEM(passes) && bestd > threshold; i++) {
		if (passes[i].half && have_small < 0)
			have_small = halve(img, &small) == 0;
		if (passes[i].half && !have_small)
			continue;
		TessBaseAPISetVariable(api, "thresholding_method", passes[i].thresholding);
		read_psm(api, passes[i].half ? &small : img, passes[i].psm, &text);
		TessBaseAPISetVariable(api, "thresholding_method", "0");
		d = score(expect, n, text);
		if (d < bestd) {
			bestd = d;
			free(best);
			best = text;
		} else {
			free(text);
		}
	}
	if (have_small > 0)
		image_release(&small);
	v->distance = bestd;
	v->pass = bestd <= threshold + 1e-9;
	keep_text(best, v->text, sizeof(v->text));
	free(best);
	return 0;
}
