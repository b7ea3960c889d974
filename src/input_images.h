/* input_images.h - an asset's inputs decoded for a request
 *
 * A file input is decoded from the bytes the loader read (and keyed); an
 * asset input from that asset's output, which the scheduler has placed
 * before its dependants start (ready.h), and sent as its pixels alone,
 * PNG-encoded the same way whatever the upstream's PNG settings, metadata
 * or signature (it is keyed by its pixels' key).
 */
#ifndef INPUT_IMAGES_H
#define INPUT_IMAGES_H

#include <stddef.h>

#include "image.h"
#include "plan.h"
#include "render/render.h"

struct input_images {
	struct render_input *in;    /* it->asset->ninputs of them */
	struct image *img;
	struct buf *bytes;          /* an input asset's pixels, encoded to be sent */
	size_t n;
};

/* Decode item it's inputs.  0, or -1 with *err (malloc'd). */
int input_images_load(const struct plan *pl, const struct plan_item *it,
		      struct input_images *out, char **err);
void input_images_release(struct input_images *ii);

#endif
