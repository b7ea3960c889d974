/* image.c - raster allocation */
#include <stdlib.h>

#include "image.h"
#include "util.h"

int
image_alloc(struct image *img, uint32_t width, uint32_t height, uint32_t channels)
{
	img->px = NULL;
	img->width = img->height = img->channels = 0;
	if (width < 1 || height < 1 || width > IMAGE_MAX_OUT || height > IMAGE_MAX_OUT)
		return -1;
	if (channels != 3 && channels != 4)
		return -1;
	img->px = xcalloc((size_t)width * height, channels);
	img->width = width;
	img->height = height;
	img->channels = channels;
	return 0;
}

void
image_release(struct image *img)
{
	free(img->px);
	img->px = NULL;
	img->width = img->height = img->channels = 0;
}

