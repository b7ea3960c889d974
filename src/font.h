/* font.h - an embedded 5x9 bitmap font for printable ASCII
 *
 * Each glyph is FONT_COLS columns by FONT_ROWS rows: rows 0..6 hold
 * capitals and digits (the baseline is under row 6), rows 7..8 hold
 * descenders.  Row bits run from bit FONT_COLS-1 (leftmost column) down to
 * bit 0.
 */
#ifndef FONT_H
#define FONT_H

#include <stdint.h>

#define FONT_COLS 5
#define FONT_ROWS 9
#define FONT_ADVANCE 6      /* glyph width plus one column of spacing */
#define FONT_LINE 11        /* rows from one baseline to the next */

/* The glyph for a character: printable ASCII (32..126) as itself, anything
 * else as a hollow box.  Always FONT_ROWS rows. */
const uint8_t *font_glyph(unsigned char c);

#endif
