/* render/text.c - the quoted text, laid out and drawn on a plate with the embedded font */
#include <stdint.h>
#include <stdlib.h>

#include "font.h"
#include "internal.h"
#include "util.h"

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

void
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
