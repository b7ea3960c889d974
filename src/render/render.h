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

/* An input image (recipe `inputs:`), decoded: RGB or RGBA. */
struct render_input {
	enum input_role role;
	uint32_t strength;              /* init: per mille */
	const struct image *img;
	const unsigned char *data;      /* the file as read (PNG, JPEG or WebP): what an API is sent */
	size_t len;
	const char *mime;               /* its type, from its bytes: "image/png", ... */
};

struct render_req {
	const char *prompt;
	const char *negative_prompt;    /* "" when none */
	uint64_t seed;
	uint32_t width, height;         /* 1..IMAGE_MAX_SIDE */
	const struct param *params;     /* sorted by name; may be ignored */
	size_t nparams;
	const struct render_input *inputs;  /* in the recipe's order; NULL: none */
	size_t ninputs;
};

/* Render into out (RGB, allocated here).  Returns 0, or -1 for a size out
 * of range (out untouched). */
int render_builtin(const struct render_req *req, struct image *out);

/* What the built-in model does with inputs, on the scene it painted
 * (RGB, req's size), in integer arithmetic: an init image, scaled to
 * cover the frame and centred (so at strength 0 the output is a crop of
 * it), is blended under the scene, the scene taking `strength` of each
 * pixel; each
 * reference is placed as the subject, side by side, over the lower middle
 * (its alpha kept); a mask (white: change) then keeps its image where the
 * mask is black.  Called by render_builtin(). */
void render_compose(const struct render_req *req, struct image *scene);

#endif
