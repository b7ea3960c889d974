/* render/render.h - the built-in model: a deterministic procedural renderer
 *
 * Same request, same pixels, on every machine: integer arithmetic only (no
 * libm, no floating point in anything that reaches a pixel), no global
 * state, no dependence on the thread count.  Palette and composition come
 * from the prompt's words and the seed; style words in the prompt
 * (photoreal, neon, low-poly, pastel, ...) change the look; text in quotes
 * ('Launch Sale' or "Launch Sale") is drawn legibly with an embedded font.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "recipe.h"

/* Bump when the renderer's output changes for an unchanged request: it is
 * part of the built-in model's identity, so old cache keys stop matching. */
#define RENDER_VERSION "1"

struct render_req {
	const char *prompt;
	const char *negative_prompt;    /* "" when none */
	uint64_t seed;
	uint32_t width, height;         /* 1..IMAGE_MAX_SIDE */
	const struct param *params;     /* sorted by name; may be ignored */
	size_t nparams;
};

/* Render into out (RGB, allocated here).  Returns 0, or -1 for a size out
 * of range (out untouched). */
int render_builtin(const struct render_req *req, struct image *out);

#endif
