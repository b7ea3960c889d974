/* fuzz_png.c - pngio_decode() and pngio_read_meta() on arbitrary bytes
 *
 * A decoded image must have a sane shape; a failure must say why.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "png.h"

static volatile uint8_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img;
	struct meta meta = {0};
	char *err = NULL;
	size_t i;

	if (pngio_decode(data, size, &img, &meta, &err) == 0) {
		if (!img.px || img.width < 1 || img.height < 1 ||
		    (img.channels != 3 && img.channels != 4))
			abort();
		/* read the last pixel: the buffer is as large as claimed */
		sink = img.px[(size_t)img.width * img.height * img.channels - 1];
		image_release(&img);
	} else if (!err) {
		abort();
	}
	free(err);
	err = NULL;
	meta_release(&meta);
	memset(&meta, 0, sizeof(meta));
	if (pngio_read_meta(data, size, &meta, &err) == 0) {
		for (i = 0; i < meta.n; i++)
			if (!meta.entries[i].key || !meta.entries[i].value)
				abort();
	} else if (!err) {
		abort();
	}
	free(err);
	meta_release(&meta);
	return 0;
}
