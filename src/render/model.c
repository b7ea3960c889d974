/* render/model.c - the built-in model: a deterministic procedural renderer
 *
 * Everything that reaches a pixel is integer arithmetic.  Coordinates are
 * fixed point with 8 fractional bits (FX); blends carry a 16-bit alpha and
 * are ordered-dithered back to 8 bits, so soft gradients do not band.  A
 * scene is painted back to front onto the output raster: background, light,
 * the subject's shapes, an optional low-poly pass, then the quoted text on
 * a plate.  The prompt's words (outside quotes) pick the palette and, with
 * the seed, the composition; the quoted text only changes the text.
 *
 * This file reads the request (prompt.c), picks the scene (scene.c,
 * icon.c), finishes it and draws the text (text.c); paint.c holds the
 * brushes they all use, internal.h what they share.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "internal.h"
#include "util.h"

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
	if (req->ninputs)
		render_compose(req, out);
	return 0;
}
