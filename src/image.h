/* image.h - an 8-bit interleaved raster, the unit every stage passes around */
#ifndef IMAGE_H
#define IMAGE_H

#include <stdint.h>
#include <stddef.h>

#define IMAGE_MAX_SIDE 8192     /* largest generated side */
#define IMAGE_MAX_OUT 16384     /* largest side after upscaling */

struct image {
	uint32_t width;
	uint32_t height;
	uint32_t channels;   /* 3 (RGB) or 4 (RGBA) */
	uint8_t *px;         /* width * height * channels bytes, rows top to bottom */
};

/* Allocate pixels (zeroed); returns -1 if the size is out of range. */
int image_alloc(struct image *img, uint32_t width, uint32_t height, uint32_t channels);
void image_release(struct image *img);

#endif
