/* render/icon.c - icons: emblems on a badge */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

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

void
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
