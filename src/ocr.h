/* ocr.h - reading the text of an image back, and judging it against copy
 *
 * ocr.c is the only file that calls libtesseract (tess_lazy.c includes
 * <tesseract/capi.h> too, to load the library on first use).  An image is
 * read with Tesseract (one engine per thread, made on first use: the
 * engine is not thread-safe), and each expected string is looked for in
 * what was read: both are normalised (case, whitespace, punctuation), and
 * the score is the edit distance from the expected string to the closest
 * stretch of the recognised text, divided by the expected string's length.
 * A verdict passes when every expected string scores at or under the
 * threshold.
 */
#ifndef OCR_H
#define OCR_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define OCR_TEXT_MAX 127        /* bytes of recognised text kept in a verdict */

struct ocr_verdict {
	int pass;
	double distance;            /* the worst expected string's normalised distance, 0..1 */
	char text[OCR_TEXT_MAX + 1];    /* what was read (normalised), cut at a character boundary */
};

/* Lowercase, punctuation dropped, whitespace runs as one space, trimmed;
 * as code points (*out malloc'd).  Letters and digits of any script stay. */
void ocr_normalise(const char *s, uint32_t **out, size_t *n);

/* The normalised distance of expected to the closest stretch of
 * recognised: edits / length of expected, at most 1.  An expected string
 * with nothing left after normalising scores 0. */
double ocr_distance(const char *expected, const char *recognised);

/* Read img with Tesseract in language lang ("eng", "eng+deu").  The data
 * directory is TESSDATA_PREFIX, else Debian's.  *text malloc'd; -1 with
 * *err set (malloc'd) when the engine cannot start. */
int ocr_read(const struct image *img, const char *lang, char **text, char **err);

/* Read img and judge it against expect[0..n): the full check. */
int ocr_check(const struct image *img, char *const *expect, size_t n, const char *lang,
	      double threshold, struct ocr_verdict *v, char **err);

/* "tesseract 5.3.0": part of the verdict's cache key. */
const char *ocr_engine(void);

/* Where language data is looked for. */
const char *ocr_datapath(void);

#endif
