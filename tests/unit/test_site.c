/* test_site.c - thumbnail sizes and the IHDR reader of the static site */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "image.h"
#include "png.h"
#include "site/site.h"
#include "test.h"

static void
test_thumb_size(void)
{
	uint32_t w, h;

	site_thumb_size(1920, 1080, &w, &h);
	CHECK(w == 256 && h == 144);
	site_thumb_size(1080, 1920, &w, &h);
	CHECK(w == 144 && h == 256);
	site_thumb_size(1536, 512, &w, &h);
	CHECK(w == 256 && h == 85);
	site_thumb_size(300, 100, &w, &h);
	CHECK(w == 256 && h == 85);
	site_thumb_size(257, 257, &w, &h);
	CHECK(w == 256 && h == 256);
	/* never enlarged */
	site_thumb_size(256, 256, &w, &h);
	CHECK(w == 256 && h == 256);
	site_thumb_size(64, 16, &w, &h);
	CHECK(w == 64 && h == 16);
	/* a sliver keeps at least one pixel */
	site_thumb_size(16384, 1, &w, &h);
	CHECK(w == 256 && h == 1);
	site_thumb_size(1, 16384, &w, &h);
	CHECK(w == 1 && h == 256);
}

static void
test_png_size(void)
{
	struct image img = {0};
	struct buf png = BUF_INIT;
	char *err = NULL;
	uint32_t w = 0, h = 0;

	CHECK(image_alloc(&img, 37, 5, 3) == 0);
	CHECK(pngio_encode(&img, NULL, PNGIO_LEVEL_DEFAULT, &png, &err) == 0);
	CHECK(site_png_size(png.data, png.len, &w, &h) == 0);
	CHECK(w == 37 && h == 5);
	CHECK(site_png_size(png.data, 23, &w, &h) == -1);      /* truncated */
	png.data[1] = 'X';
	CHECK(site_png_size(png.data, png.len, &w, &h) == -1); /* not a PNG */
	CHECK(site_png_size("", 0, &w, &h) == -1);
	free(err);
	image_release(&img);
	buf_release(&png);
}

int
main(void)
{
	RUN(test_thumb_size);
	RUN(test_png_size);
	return TEST_DONE();
}
