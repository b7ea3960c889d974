/* render/scene.c - landscapes, synthwave, neon, abstract, studio and portrait scenes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

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

/* the four-stop sky for a time of day, top to bottom: hue, saturation,
 * value; dawn's and sunset's horizon take half the palette's hue shift */
static const int sky_stops[4][4][3] = {
	{ { 990, 200, 185 }, { 970, 160, 215 }, { 940, 100, 238 }, { 900, 40, 252 } },     /* day */
	{ { 1080, 130, 120 }, { 1300, 90, 190 }, { 1450, 90, 235 }, { 110, 110, 255 } },   /* dawn */
	{ { 1120, 190, 95 }, { 1320, 170, 170 }, { 1480, 180, 230 }, { 90, 210, 255 } },   /* sunset */
	{ { 1010, 220, 18 }, { 1000, 210, 40 }, { 1030, 170, 70 }, { 1080, 120, 105 } },   /* night */
};

static void
sky_colours(const struct scene *sc, int tod, struct rgb *c)
{
	int t = sc->lk.hue[0] >= 0 ? 0 : (sc->hue % 256) / 4 - 32;
	int row = tod == TOD_DAWN ? 1 : tod == TOD_SUNSET ? 2 : tod == TOD_NIGHT ? 3 : 0, i;

	for (i = 0; i < 4; i++) {
		const int *st = sky_stops[row][i];

		c[i] = hsv(st[0] + (i == 3 && (row == 1 || row == 2) ? t / 2 : t), st[1], st[2]);
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

void
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
void
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

void
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

void
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

void
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

void
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

void
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
