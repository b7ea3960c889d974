/* fit.h - the fit stage: an image of any size made the asset's exact size
 *
 * A model renders the size nearest the asset's that it can (provider.h's
 * native); what comes back is fitted here.  cover scales until the image
 * covers the asset and crops the rest (crop: which part is kept),
 * contain scales until it fits inside and pads with a colour, stretch
 * scales each side on its own.  The scaling is resample.h's lanczos3:
 * deterministic, so one key gives one set of bytes.
 */
#ifndef FIT_H
#define FIT_H

#include <stdint.h>

#include "image.h"
#include "recipe.h"

/* Where an image of w x h goes in a dw x dh output. */
struct fit_geom {
	uint32_t sw, sh;            /* the image is resampled to sw x sh */
	uint32_t x, y;              /* cover: the dw x dh window kept starts at (x, y) of the
				     * resampled image; contain: the resampled image is put at
				     * (x, y) of the output; stretch: 0, 0 */
};

/* The geometry of fitting w x h into dw x dh (every side >= 1). */
void fit_geometry(const struct fit *f, uint32_t w, uint32_t h, uint32_t dw, uint32_t dh,
		  struct fit_geom *g);
/* How many times the fit enlarges the image, on its most enlarged side
 * (1: not at all; below 1: it shrinks). */
double fit_enlargement(const struct fit *f, uint32_t w, uint32_t h, uint32_t dw, uint32_t dh);
/* Fit in to dw x dh into out (allocated here; in's channels).  0, or -1
 * for a size out of range. */
int fit_apply(const struct fit *f, const struct image *in, uint32_t dw, uint32_t dh,
	      struct image *out);

/* "cover crop=center", "contain pad=#ffffff" (#rrggbbaa when not
 * opaque), "stretch": malloc'd. */
char *fit_text(const struct fit *f);
/* cover, crop center: the default, which keys leave out. */
int fit_is_default(const struct fit *f);

const char *fit_mode_name(enum fit_mode m);
const char *fit_crop_name(enum fit_crop c);

#endif
