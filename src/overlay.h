/* overlay.h - exact copy drawn onto a generated image
 *
 * overlay.c is the only file that includes FreeType's and HarfBuzz's
 * headers.  HarfBuzz shapes each line (kerning, ligatures, marks);
 * FreeType rasterises every glyph unhinted, at its exact subpixel position,
 * so the drawing depends only on the font's bytes, the overlay's fields and
 * the image.  The anti-aliased coverage is alpha-blended onto the image in
 * sRGB space (as browsers composite text), in integer arithmetic.
 *
 * Layout: the text is broken into lines at each '\n', and each line is
 * wrapped at spaces to the box's width.  If the lines are taller than the
 * box, or one word is wider than it, the size is shrunk (the largest size
 * that fits, found by bisection) down to OVERLAY_MIN_SIZE; below that the
 * overlay fails.  Lines are aligned left, centre or right in the box, and
 * the block of lines top, middle or bottom; glyphs are clipped to the box.
 */
#ifndef OVERLAY_H
#define OVERLAY_H

#include <stdint.h>

#include "image.h"
#include "recipe.h"

/* Part of every overlay key: bump when the same inputs would draw
 * different pixels. */
#define OVERLAY_VERSION "overlay/1"
#define OVERLAY_MIN_SIZE 6
#define OVERLAY_MAX_SIZE 2048
#define OVERLAY_MAX_FONT (64u << 20)
/* An overlay without 'font' draws with this file, shipped in fonts/ and
 * installed to PREFIX/share/assetgen/fonts/ (recipe.c finds it). */
#define OVERLAY_DEFAULT_FONT "DejaVuSans.ttf"
/* The text's caps, checked on load: shaping a cluster costs the square of
 * its marks, and one letter with 30,000 accents takes HarfBuzz a minute.
 * 30 marks in a row is Unicode's stream-safe limit (UAX #15). */
#define OVERLAY_MAX_TEXT 1000   /* bytes */
#define OVERLAY_MAX_MARKS 30    /* combining marks in a row, on one character */

/* Read a font file whole, hash it and check that FreeType can scale it.
 * 0, or -1 with *err (malloc'd) saying why. */
int overlay_font_load(const char *path, struct font_file *f, char **err);
void overlay_font_release(struct font_file *f);

/* The first code point of text (valid UTF-8) the font has no glyph for,
 * or 0 when it has them all ('\n' needs none). */
uint32_t overlay_font_missing(const struct font_file *f, const char *text);

/* The longest run of combining marks (Unicode categories Mn, Mc, Me) in
 * text (valid UTF-8): what one character carries. */
uint32_t overlay_text_marks(const char *text);

struct overlay_fit {
	uint32_t size;      /* the size drawn at: ov->size, or less when shrunk */
	uint32_t lines;
};

/* Draw ov onto img (RGB or RGBA), in place.  0, or -1 with *err. */
int overlay_draw(const struct overlay *ov, struct image *img, struct overlay_fit *fit, char **err);

#endif
