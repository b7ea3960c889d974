/* resample.h - in-process upscale kernels (separable, multithreaded over rows) */
#ifndef RESAMPLE_H
#define RESAMPLE_H

#include <stdint.h>

#include "image.h"

enum resample_filter { FILTER_NEAREST, FILTER_BICUBIC, FILTER_LANCZOS3 };

/* "nearest" | "bicubic" | "lanczos3" -> filter; -1 if unknown. */
int resample_filter_parse(const char *name, enum resample_filter *out);
const char *resample_filter_name(enum resample_filter f);

/* Resize in to width x height (same channel count) into out (allocated
 * here).  nthreads <= 0 picks the number of online CPUs.  Deterministic:
 * the result does not depend on nthreads.  Returns 0, or -1 on a size out
 * of range. */
int resample(const struct image *in, uint32_t width, uint32_t height,
	     enum resample_filter filter, int nthreads, struct image *out);

#endif
