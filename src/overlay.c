/* overlay.c - shaping with HarfBuzz, rasterising with FreeType, blending */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <hb.h>
#include <hb-ft.h>

#include "buf.h"
#include "key.h"
#include "os.h"
#include "overlay.h"
#include "util.h"

/* One FreeType library per face: FreeType objects are not shared between
 * threads, and each build worker draws with its own. */
struct face {
	FT_Library lib;
	FT_Face face;
};

/* FT_Error_String() is NULL unless FreeType was built with its messages */
static const char *
ft_error(FT_Error e)
{
	static _Thread_local char num[32];
	const char *s = FT_Error_String(e);

	if (s)
		return s;
	snprintf(num, sizeof(num), "FreeType error 0x%02x", (unsigned)e);
	return num;
}

static int
face_open(const unsigned char *data, size_t len, struct face *out, char **err)
{
	FT_Error e;

	memset(out, 0, sizeof(*out));
	if ((e = FT_Init_FreeType(&out->lib)) != 0) {
		*err = xasprintf("cannot start FreeType: %s", ft_error(e));
		return -1;
	}
	if ((e = FT_New_Memory_Face(out->lib, data, (FT_Long)len, 0, &out->face)) != 0) {
		*err = xstrdup("not a font file FreeType can read");
		goto fail;
	}
	if (!FT_IS_SCALABLE(out->face)) {
		*err = xstrdup("not a scalable (outline) font");
		goto fail;
	}
	if (FT_Select_Charmap(out->face, FT_ENCODING_UNICODE) != 0) {
		*err = xstrdup("the font has no Unicode character map");
		goto fail;
	}
	return 0;
fail:
	if (out->face)
		FT_Done_Face(out->face);
	FT_Done_FreeType(out->lib);
	memset(out, 0, sizeof(*out));
	return -1;
}

static void
face_close(struct face *f)
{
	if (f->face)
		FT_Done_Face(f->face);
	if (f->lib)
		FT_Done_FreeType(f->lib);
	memset(f, 0, sizeof(*f));
}

int
overlay_font_load(const char *path, struct font_file *f, char **err)
{
	struct buf b = BUF_INIT;
	struct face *fc;
	struct stat st;
	struct key k;

	*err = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*err = xstrdup("not a regular file");
		return -1;
	}
	if (os_read_file(path, OVERLAY_MAX_FONT, &b) < 0) {
		if (errno == EFBIG)
			*err = xasprintf("font file larger than %u MiB", OVERLAY_MAX_FONT >> 20);
		else if (errno == ENOENT)
			*err = xstrdup("no such file (font paths are relative to the project root)");
		else
			*err = xasprintf("cannot read: %s", strerror(errno));
		buf_release(&b);
		return -1;
	}
	fc = xcalloc(1, sizeof(*fc));
	if (b.len == 0 || face_open((const unsigned char *)b.data, b.len, fc, err) < 0) {
		if (!*err)
			*err = xstrdup("not a font file FreeType can read");
		free(fc);
		buf_release(&b);
		return -1;
	}
	key_digest(b.data, b.len, &k);
	memcpy(f->digest, k.b, sizeof(f->digest));
	f->name = xasprintf("%s%s%s", fc->face->family_name ? fc->face->family_name : "unnamed",
			    fc->face->style_name ? " " : "",
			    fc->face->style_name ? fc->face->style_name : "");
	for (char *p = f->name; *p; p++)      /* metadata lines stay lines */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	f->data = (unsigned char *)buf_detach(&b, &f->len);
	f->face = fc;
	return 0;
}

void
overlay_font_release(struct font_file *f)
{
	if (f->face) {
		face_close(f->face);
		free(f->face);
	}
	free(f->data);
	free(f->path);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* Decode one code point of valid UTF-8 at *s, advancing *s. */
static uint32_t
utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c = p[0];
	int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

	if (n)
		c &= 0x3fu >> n;
	for (int i = 1; i <= n && p[i]; i++)
		c = c << 6 | (p[i] & 0x3fu);
	*s += n + 1;
	return c;
}

uint32_t
overlay_font_missing(const struct font_file *f, const char *text)
{
	const struct face *fc = f->face;
	uint32_t c;

	while (*text) {
		c = utf8_next(&text);
		if (c != '\n' && FT_Get_Char_Index(fc->face, c) == 0)
			return c;
	}
	return 0;
}

uint32_t
overlay_text_marks(const char *text)
{
	hb_unicode_funcs_t *uf = hb_unicode_funcs_get_default();
	uint32_t run = 0, most = 0;

	while (*text) {
		switch (hb_unicode_general_category(uf, utf8_next(&text))) {
		case HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK:
		case HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK:
		case HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK:
			if (++run > most)
				most = run;
			break;
		default:
			run = 0;
			break;
		}
	}
	return most;
}

/* ---- layout ---- */

struct para {
	hb_buffer_t *buf;
	unsigned n;
	hb_glyph_info_t *info;
	hb_glyph_position_t *pos;
};

/* Lengths in the layout are 26.6 pixels in 64 bits: a line's width and
 * the block's height are sums of many 32-bit HarfBuzz positions. */
struct line {
	size_t para;
	unsigned start, end;        /* glyphs [start, end) of the paragraph, no trailing spaces */
	int64_t width;              /* 26.6 pixels */
};

struct layout {
	const char *text;
	struct para *paras;
	size_t nparas;
	struct line *lines;
	size_t nlines, cap;
	int64_t ascender, descender, height;   /* 26.6; descender < 0 */
};

static int
is_space(const struct layout *lo, const struct para *p, unsigned g)
{
	return lo->text[p->info[g].cluster] == ' ';
}

static void
layout_clear(struct layout *lo)
{
	for (size_t i = 0; i < lo->nparas; i++)
		hb_buffer_destroy(lo->paras[i].buf);
	free(lo->paras);
	free(lo->lines);
	lo->paras = NULL;
	lo->lines = NULL;
	lo->nparas = lo->nlines = lo->cap = 0;
}

static void
add_line(struct layout *lo, size_t para, unsigned start, unsigned end, int64_t width)
{
	lo->lines = xgrow(lo->lines, &lo->cap, lo->nlines + 1, sizeof(*lo->lines));
	lo->lines[lo->nlines++] = (struct line){ para, start, end, width };
}

/* The height of the block of lines, 26.6.  (nlines - 1) * height wraps
 * in 32 bits (28,151 lines at 2048 px): the product is done in 64 bits,
 * and saturates rather than wraps for any count a caller could pass. */
static int64_t
block_height(const struct layout *lo)
{
	uint64_t n = lo->nlines ? lo->nlines - 1 : 0;
	int64_t first = lo->ascender - lo->descender;   /* FreeType's metrics: well inside 32 bits */
	int64_t h = lo->height > 0 ? lo->height : 0;

	if (h && n > (uint64_t)(INT64_MAX / 2) / (uint64_t)h)
		return INT64_MAX;
	return first + (int64_t)n * h;
}

/* Shape and wrap at the face's current size; 1 if it fits the box. */
static int
layout_at(struct layout *lo, hb_font_t *font, FT_Face face, const struct overlay *ov)
{
	const char *text = ov->text, *p, *nl;
	int64_t maxw = (int64_t)ov->w * 64, w;
	size_t np = 0, cap = 0;
	unsigned g, ws, we;
	int fits = 1;

	layout_clear(lo);
	lo->text = text;
	lo->ascender = face->size->metrics.ascender;
	lo->descender = face->size->metrics.descender;
	lo->height = face->size->metrics.height;
	for (p = text;; p = nl + 1) {
		struct para *pa;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		lo->paras = xgrow(lo->paras, &cap, np + 1, sizeof(*lo->paras));
		pa = &lo->paras[np++];
		lo->nparas = np;
		pa->buf = hb_buffer_create();
		hb_buffer_add_utf8(pa->buf, text, (int)strlen(text), (unsigned)(p - text),
				   (int)(nl - p));
		hb_buffer_guess_segment_properties(pa->buf);
		hb_shape(font, pa->buf, NULL, 0);
		pa->info = hb_buffer_get_glyph_infos(pa->buf, &pa->n);
		pa->pos = hb_buffer_get_glyph_positions(pa->buf, NULL);

		/* greedy wrapping at spaces: a line grows word by word */
		g = 0;
		for (int first = 1;; first = 0) {
			unsigned start, end;
			int64_t lw = 0;

			while (g < pa->n && is_space(lo, pa, g))
				g++;
			if (g >= pa->n && !first)
				break;
			start = end = g;
			while (g < pa->n) {
				/* the next word [ws, we), after the spaces before it */
				w = lw;
				for (ws = g; ws < pa->n && is_space(lo, pa, ws); ws++)
					w += pa->pos[ws].x_advance;
				for (we = ws; we < pa->n && !is_space(lo, pa, we); we++)
					w += pa->pos[we].x_advance;
				if (we == ws)
					break;              /* only trailing spaces */
				if (end > start && w > maxw)
					break;              /* the word starts the next line */
				if (w > maxw)
					fits = 0;           /* one word wider than the box */
				lw = w;
				end = g = we;
			}
			add_line(lo, np - 1, start, end, lw);
			if (g >= pa->n)
				break;
		}
		if (!*nl)
			break;
	}
	if (block_height(lo) > (int64_t)ov->h * 64)
		fits = 0;
	return fits;
}

static int
set_size(FT_Face face, hb_font_t *font, uint32_t size, char **err)
{
	FT_Error e = FT_Set_Pixel_Sizes(face, 0, size);

	if (e) {
		*err = xasprintf("cannot scale the font to %u px: %s", size, ft_error(e));
		return -1;
	}
	hb_ft_font_changed(font);
	return 0;
}

static int64_t
floor_div64(int64_t v)
{
	return v >= 0 ? v / 64 : -((-v + 63) / 64);
}

/* Rasterise the laid-out lines into mask (the box, w*h coverage). */
static int
rasterise(const struct layout *lo, FT_Face face, const struct overlay *ov, uint8_t *mask,
	  char **err)
{
	int64_t block = block_height(lo);
	int64_t top, baseline, pen, gx, gy, ix, iy;
	FT_GlyphSlot slot = face->glyph;
	FT_Error e;

	switch (ov->valign) {
	case VALIGN_TOP: top = 0; break;
	case VALIGN_BOTTOM: top = (int64_t)ov->h * 64 - block; break;
	default: top = ((int64_t)ov->h * 64 - block) / 2; break;
	}
	for (size_t l = 0; l < lo->nlines; l++) {
		const struct line *ln = &lo->lines[l];
		const struct para *pa = &lo->paras[ln->para];

		/* whole-pixel baselines keep horizontal stems crisp */
		baseline = floor_div64(top + lo->ascender + (int64_t)l * lo->height + 32) * 64;
		switch (ov->align) {
		case ALIGN_LEFT: pen = 0; break;
		case ALIGN_RIGHT: pen = (int64_t)ov->w * 64 - ln->width; break;
		default: pen = ((int64_t)ov->w * 64 - ln->width) / 2; break;
		}
		for (unsigned g = ln->start; g < ln->end; g++) {
			const FT_Bitmap *bm;

			gx = pen + pa->pos[g].x_offset;
			gy = baseline - pa->pos[g].y_offset;
			pen += pa->pos[g].x_advance;
			if ((e = FT_Load_Glyph(face, pa->info[g].codepoint,
					       FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) != 0) {
				*err = xasprintf("cannot load glyph %u: %s", pa->info[g].codepoint,
						 ft_error(e));
				return -1;
			}
			if (slot->format != FT_GLYPH_FORMAT_OUTLINE || slot->outline.n_points == 0)
				continue;
			ix = floor_div64(gx);
			iy = floor_div64(gy);
			/* the subpixel remainder moves the outline; y grows up in FreeType */
			FT_Outline_Translate(&slot->outline, (FT_Pos)(gx - ix * 64),
					     -(FT_Pos)(gy - iy * 64));
			if ((e = FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL)) != 0) {
				*err = xasprintf("cannot render glyph %u: %s", pa->info[g].codepoint,
						 ft_error(e));
				return -1;
			}
			bm = &slot->bitmap;
			for (unsigned r = 0; r < bm->rows; r++) {
				int64_t y = iy - slot->bitmap_top + (int64_t)r;
				const uint8_t *src = bm->buffer + (ptrdiff_t)r * bm->pitch;

				if (y < 0 || y >= (int64_t)ov->h)
					continue;
				for (unsigned c = 0; c < bm->width; c++) {
					int64_t x = ix + slot->bitmap_left + (int64_t)c;
					uint8_t *m;
					unsigned v;

					if (x < 0 || x >= (int64_t)ov->w || !src[c])
						continue;
					m = &mask[(size_t)y * ov->w + (size_t)x];
					v = *m + src[c];
					*m = (uint8_t)(v > 255 ? 255 : v);
				}
			}
		}
	}
	return 0;
}

/* Straight-alpha "over" of the colour at coverage mask onto the box. */
static void
blend(const struct overlay *ov, const uint8_t *mask, struct image *img)
{
	const uint32_t ch = img->channels;
	const uint32_t ca = ov->rgba[3];

	for (uint32_t y = 0; y < ov->h; y++) {
		uint8_t *row = img->px + ((size_t)(ov->y + y) * img->width + ov->x) * ch;

		for (uint32_t x = 0; x < ov->w; x++) {
			uint32_t m = mask[(size_t)y * ov->w + x], a, da, oa;
			uint8_t *d = row + (size_t)x * ch;

			if (!m)
				continue;
			a = (m * ca + 127) / 255;
			if (!a)
				continue;
			if (ch == 3) {
				for (int k = 0; k < 3; k++)
					d[k] = (uint8_t)((d[k] * (255 - a) + ov->rgba[k] * a + 127) / 255);
				continue;
			}
			da = d[3];
			/* oa = a + da (1 - a), everything scaled by 255 */
			oa = a * 255 + da * (255 - a);
			for (int k = 0; k < 3; k++)
				d[k] = (uint8_t)((ov->rgba[k] * a * 255 + d[k] * da * (255 - a) + oa / 2) / oa);
			d[3] = (uint8_t)((oa + 127) / 255);
		}
	}
}

int
overlay_draw(const struct overlay *ov, struct image *img, struct overlay_fit *fit, char **err)
{
	struct face fc;
	struct layout lo;
	hb_font_t *font = NULL;
	uint8_t *mask = NULL;
	uint32_t size, lo_s, hi_s, mid;
	int rc = -1, f;

	*err = NULL;
	memset(&lo, 0, sizeof(lo));
	if (img->channels != 3 && img->channels != 4) {
		*err = xasprintf("cannot draw on an image with %u channels", img->channels);
		return -1;
	}
	if ((uint64_t)ov->x + ov->w > img->width || (uint64_t)ov->y + ov->h > img->height ||
	    !ov->w || !ov->h) {
		*err = xasprintf("the box %ux%u at %u,%u is not inside the %ux%u image", ov->w, ov->h,
				 ov->x, ov->y, img->width, img->height);
		return -1;
	}
	if (strlen(ov->text) > INT_MAX / 2) {      /* HarfBuzz counts in int */
		*err = xstrdup("the text is too long to shape");
		return -1;
	}
	if (face_open(ov->font->data, ov->font->len, &fc, err) < 0)
		return -1;
	font = hb_ft_font_create_referenced(fc.face);
	hb_ft_font_set_load_flags(font, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP);

	/* the largest size that fits, from ov->size down */
	size = ov->size;
	if (set_size(fc.face, font, size, err) < 0)
		goto out;
	if (!layout_at(&lo, font, fc.face, ov)) {
		if (set_size(fc.face, font, OVERLAY_MIN_SIZE, err) < 0)
			goto out;
		if (ov->size <= OVERLAY_MIN_SIZE || !layout_at(&lo, font, fc.face, ov)) {
			*err = xasprintf("the text does not fit in the %ux%u box, even at %u px",
					 ov->w, ov->h, OVERLAY_MIN_SIZE);
			goto out;
		}
		lo_s = OVERLAY_MIN_SIZE;        /* fits */
		hi_s = ov->size;                /* does not */
		while (hi_s - lo_s > 1) {
			mid = lo_s + (hi_s - lo_s) / 2;
			if (set_size(fc.face, font, mid, err) < 0)
				goto out;
			f = layout_at(&lo, font, fc.face, ov);
			if (f)
				lo_s = mid;
			else
				hi_s = mid;
		}
		size = lo_s;
		if (set_size(fc.face, font, size, err) < 0)
			goto out;
		layout_at(&lo, font, fc.face, ov);
	}
	mask = xcalloc((size_t)ov->w * ov->h, 1);
	if (rasterise(&lo, fc.face, ov, mask, err) < 0)
		goto out;
	blend(ov, mask, img);
	fit->size = size;
	fit->lines = (uint32_t)lo.nlines;
	rc = 0;
out:
	free(mask);
	layout_clear(&lo);
	hb_font_destroy(font);
	face_close(&fc);
	return rc;
}
