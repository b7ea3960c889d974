/* fit.c - scale, then crop (cover), pad (contain) or not (stretch) */
#include <string.h>

#include "fit.h"
#include "resample.h"
#include "util.h"

const char *
fit_mode_name(enum fit_mode m)
{
	switch (m) {
	case FIT_COVER: return "cover";
	case FIT_CONTAIN: return "contain";
	case FIT_STRETCH: return "stretch";
	}
	return "?";
}

const char *
fit_crop_name(enum fit_crop c)
{
	switch (c) {
	case CROP_CENTER: return "center";
	case CROP_TOP: return "top";
	case CROP_BOTTOM: return "bottom";
	case CROP_LEFT: return "left";
	case CROP_RIGHT: return "right";
	}
	return "?";
}

int
fit_is_default(const struct fit *f)
{
	return f->mode == FIT_COVER && f->crop == CROP_CENTER;
}

char *
fit_text(const struct fit *f)
{
	const uint8_t *c = f->pad;

	switch (f->mode) {
	case FIT_COVER:
		return xasprintf("cover crop=%s", fit_crop_name(f->crop));
	case FIT_CONTAIN:
		if (c[3] == 255)
			return xasprintf("contain pad=#%02x%02x%02x", c[0], c[1], c[2]);
		return xasprintf("contain pad=#%02x%02x%02x%02x", c[0], c[1], c[2], c[3]);
	case FIT_STRETCH:
		break;
	}
	return xstrdup("stretch");
}

/* n * num / den, rounded to the nearest, at least 1 */
static uint32_t
scale_side(uint32_t n, uint32_t num, uint32_t den)
{
	uint64_t v = ((uint64_t)n * num + den / 2) / den;

	return v < 1 ? 1 : (uint32_t)v;
}

void
fit_geometry(const struct fit *f, uint32_t w, uint32_t h, uint32_t dw, uint32_t dh,
	     struct fit_geom *g)
{
	/* dw/w against dh/h, exactly: which side sets the scale */
	int wider = (uint64_t)dw * h >= (uint64_t)dh * w;

	memset(g, 0, sizeof(*g));
	switch (f->mode) {
	case FIT_STRETCH:
		g->sw = dw;
		g->sh = dh;
		return;
	case FIT_COVER:
		if (wider) {
			g->sw = dw;
			g->sh = scale_side(h, dw, w);
			if (g->sh < dh)
				g->sh = dh;
		} else {
			g->sh = dh;
			g->sw = scale_side(w, dh, h);
			if (g->sw < dw)
				g->sw = dw;
		}
		/* the part kept: the crop names the edge held, else centred */
		g->x = f->crop == CROP_LEFT ? 0 : f->crop == CROP_RIGHT ? g->sw - dw : (g->sw - dw) / 2;
		g->y = f->crop == CROP_TOP ? 0 : f->crop == CROP_BOTTOM ? g->sh - dh : (g->sh - dh) / 2;
		return;
	case FIT_CONTAIN:
		if (wider) {
			g->sh = dh;
			g->sw = scale_side(w, dh, h);
			if (g->sw > dw)
				g->sw = dw;
		} else {
			g->sw = dw;
			g->sh = scale_side(h, dw, w);
			if (g->sh > dh)
				g->sh = dh;
		}
		g->x = (dw - g->sw) / 2;
		g->y = (dh - g->sh) / 2;
		return;
	}
}

double
fit_enlargement(const struct fit *f, uint32_t w, uint32_t h, uint32_t dw, uint32_t dh)
{
	struct fit_geom g;
	double sx, sy;

	fit_geometry(f, w, h, dw, dh, &g);
	sx = (double)g.sw / w;
	sy = (double)g.sh / h;
	return sx > sy ? sx : sy;
}

int
fit_apply(const struct fit *f, const struct image *in, uint32_t dw, uint32_t dh,
	  struct image *out)
{
	struct fit_geom g;
	struct image scaled = {0};
	const struct image *src = in;
	size_t ch = in->channels, row, y, x;
	uint8_t *p;

	if (dw == 0 || dh == 0 || in->width == 0 || in->height == 0)
		return -1;
	fit_geometry(f, in->width, in->height, dw, dh, &g);
	if (g.sw != in->width || g.sh != in->height) {
		if (resample(in, g.sw, g.sh, FILTER_LANCZOS3, 1, &scaled) < 0)
			return -1;
		src = &scaled;
	}
	if (image_alloc(out, dw, dh, in->channels) < 0) {
		image_release(&scaled);
		return -1;
	}
	if (f->mode == FIT_CONTAIN) {
		for (p = out->px, x = 0; x < (size_t)dw * dh; x++, p += ch)
			memcpy(p, f->pad, ch);      /* RGB takes the colour, RGBA its alpha too */
		row = (size_t)g.sw * ch;
		for (y = 0; y < g.sh; y++)
			memcpy(out->px + ((size_t)(g.y + y) * dw + g.x) * ch,
			       src->px + (size_t)y * row, row);
	} else {
		row = (size_t)dw * ch;
		for (y = 0; y < dh; y++)
			memcpy(out->px + y * row,
			       src->px + ((size_t)(g.y + y) * g.sw + g.x) * ch, row);
	}
	image_release(&scaled);
	return 0;
}
