/* render/paint.c - painting: blending, gradients and light, masks, low-poly triangles */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

/* ---- blending ---- */

void
paint_flat(struct paint *p, struct rgb c, int alpha, int mode)
{
	p->c[0] = c;
	p->y[0] = 0;
	p->n = 1;
	p->alpha = alpha;
	p->mode = mode;
}

void
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
void
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
void
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
void
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
void
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

void
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

void
mask_release(struct mask *m)
{
	free(m->a);
	m->a = NULL;
	m->w = m->h = 0;
}

/* add coverage (0..256) at window pixel (i, j) */
void
mask_add(struct mask *m, int i, int j, int cov)
{
	uint8_t *a = m->a + (size_t)j * (size_t)m->w + (size_t)i;
	int v = *a + cov - (cov >> 8);

	*a = (uint8_t)(v > 255 ? 255 : v);
}

/* The columns a disc of squared radius r2 (FX) centred on column cx may
 * cover in the row dy from its centre: 0, or -1 when it misses the row. */
static int
mask_span(const struct mask *m, int64_t cx, int64_t dy, int64_t r2, int *i0, int *i1)
{
	int64_t span;

	if (dy * dy >= r2)
		return -1;
	span = (int64_t)isqrt64((uint64_t)(r2 - dy * dy)) + FX;
	*i0 = maxi((int)fdiv(cx - span, FX) - m->x0, 0);
	*i1 = mini((int)fdiv(cx + span, FX) - m->x0 + 1, m->w - 1);
	return 0;
}

/* A disc of radius ro (FX) centred at (cx, cy), less the disc of radius ri
 * (ri < 0: none). */
void
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
		int64_t dy = (int64_t)(m->y0 + j) * FX + FX / 2 - cy;
		int i0, i1;

		if (mask_span(m, cx, dy, out2, &i0, &i1) < 0)
			continue;
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

void
mask_disc(struct mask *m, int64_t cx, int64_t cy, int64_t r)
{
	mask_ring(m, cx, cy, r, -1);
}

/* A convex polygon, pts as x, y pairs in FX, either winding.  Edge k runs
 * from point k to point k + 1; bit k of hard makes it a sharp edge (for
 * edges shared with another piece of the same shape), else it is
 * antialiased. */
void
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
void
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
void
mask_ellipse(struct mask *m, int64_t cx, int64_t cy, int64_t rx, int64_t ry)
{
	int64_t out2 = (rx + FX / 2) * (rx + FX / 2);
	int64_t in2 = rx > FX / 2 ? (rx - FX / 2) * (rx - FX / 2) : 0;
	int i, j;

	if (rx <= 0 || ry <= 0)
		return;
	for (j = 0; j < m->h; j++) {
		int64_t dy = ((int64_t)(m->y0 + j) * FX + FX / 2 - cy) * rx / ry;
		int i0, i1;

		if (mask_span(m, cx, dy, out2, &i0, &i1) < 0)
			continue;
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
void
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
void
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
void
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

void
mask_fill(struct canvas *cv, const struct mask *m, struct rgb c, int alpha, int mode)
{
	struct paint p;

	paint_flat(&p, c, alpha, mode);
	mask_paint(cv, m, &p, 0, 0);
}

/* Copy src into dst, whose window is what src covers plus margin pixels
 * on each side (for a blur to spread into). */
void
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
void
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
void
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
void
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
