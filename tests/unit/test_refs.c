/* test_refs.c - the graph of assets on assets: order, closure, the ready
 * queue, input keys, and what the built-in model does with inputs */
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "plan.h"
#include "png.h"
#include "provider/provider.h"
#include "ready.h"
#include "refs.h"
#include "render/render.h"
#include "test.h"

/* bg; hero takes bg; square takes hero; other alone; wide takes hero */
static struct asset_input hero_in[1], square_in[1], wide_in[1];
static struct asset assets[5];
static struct project proj;

static void
setup(void)
{
	static char *names[5] = { "bg", "hero", "square", "other", "wide" };
	size_t i;

	memset(assets, 0, sizeof(assets));
	for (i = 0; i < 5; i++) {
		assets[i].name = names[i];
		assets[i].width = 8;
		assets[i].height = 4;
	}
	hero_in[0] = (struct asset_input){ .role = ROLE_INIT, .strength = 500, .asset = "bg",
					   .upstream = 0 };
	square_in[0] = (struct asset_input){ .asset = "hero", .upstream = 1 };
	wide_in[0] = (struct asset_input){ .asset = "hero", .upstream = 1 };
	assets[1].inputs = hero_in;
	assets[1].ninputs = 1;
	assets[2].inputs = square_in;
	assets[2].ninputs = 1;
	assets[4].inputs = wide_in;
	assets[4].ninputs = 1;
	memset(&proj, 0, sizeof(proj));
	proj.assets = assets;
	proj.nassets = 5;
}

static size_t
pos(const size_t *order, size_t n, size_t asset)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (order[i] == asset)
			return i;
	return n;
}

static void
test_order(void)
{
	size_t *order;

	setup();
	order = refs_order(&proj);
	CHECK(pos(order, 5, 0) < pos(order, 5, 1));
	CHECK(pos(order, 5, 1) < pos(order, 5, 2));
	CHECK(pos(order, 5, 1) < pos(order, 5, 4));
	CHECK(pos(order, 5, 3) < 5);
	/* file order where nothing forces another */
	CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2 && order[3] == 3 && order[4] == 4);
	free(order);
}

static void
test_close(void)
{
	unsigned char sel[5] = { 0, 0, 1, 0, 0 };

	setup();
	CHECK(refs_close(&proj, sel) == 2);
	CHECK(sel[0] && sel[1] && sel[2] && !sel[3] && !sel[4]);
}

static void
test_ready(void)
{
	struct plan pl;
	struct plan_item items[5];
	size_t byasset[5] = { 1, 2, 3, 4, 5 }, tasks[5] = { 0, 1, 2, 3, 4 }, i, blocker;
	struct ready *q;

	setup();
	memset(&pl, 0, sizeof(pl));
	memset(items, 0, sizeof(items));
	for (i = 0; i < 5; i++)
		items[i].asset = &assets[i];
	pl.items = items;
	pl.nitems = 5;
	pl.byasset = byasset;
	q = ready_new(&pl, tasks, 5, NULL);
	/* independent branches are ready at once: bg and other */
	CHECK(ready_next(q, 0, &blocker) == 0 && blocker == 0);
	CHECK(ready_next(q, 0, &blocker) == 3 && blocker == 0);
	CHECK(ready_next(q, 0, &blocker) == READY_NONE);
	ready_done(q, 0, 1);
	CHECK(ready_next(q, 0, &blocker) == 1 && blocker == 0);
	CHECK(ready_next(q, 0, &blocker) == READY_NONE);
	/* hero fails: its dependants come out blocked by it */
	ready_done(q, 1, 0);
	CHECK(ready_next(q, 0, &blocker) == 2 && blocker == 2);
	CHECK(ready_next(q, 0, &blocker) == 4 && blocker == 2);
	CHECK(ready_next(q, 1, &blocker) == READY_NONE);
	ready_free(q);

	/* a stopped build takes every task not started, ready or not */
	q = ready_new(&pl, tasks, 5, NULL);
	CHECK(ready_next(q, 0, &blocker) == 0);
	CHECK(ready_next(q, 1, &blocker) == 3);
	CHECK(ready_next(q, 1, &blocker) == 1);
	CHECK(ready_next(q, 1, &blocker) == 2);
	CHECK(ready_next(q, 1, &blocker) == 4);
	CHECK(ready_next(q, 1, &blocker) == READY_NONE);
	ready_free(q);

	/* an input that failed at planning blocks from the start */
	{
		unsigned char failed[5] = { 1, 0, 0, 0, 0 };
		size_t some[4] = { 1, 2, 3, 4 };

		q = ready_new(&pl, some, 4, failed);
		CHECK(ready_next(q, 0, &blocker) == 0 && blocker == 1);   /* hero, by bg */
		CHECK(ready_next(q, 0, &blocker) == 2 && blocker == 0);   /* other */
		ready_done(q, 0, 0);
		CHECK(ready_next(q, 0, &blocker) == 1 && blocker == 2);   /* square, by hero */
		ready_free(q);
	}
}

static void
test_key_content(void)
{
	struct image_file f1 = { .path = "products/mug.png" }, f2 = { .path = "elsewhere/cup.png" };
	struct asset_input in = { .role = ROLE_REFERENCE };
	struct asset a = { .inputs = &in, .ninputs = 1 };
	struct key gen = {{1, 2, 3}}, ups[1] = {{{0}}}, k1, k2;

	memset(f1.digest, 7, sizeof(f1.digest));
	memset(f2.digest, 7, sizeof(f2.digest));
	in.file = &f1;
	key_inputs(&gen, &a, ups, &k1);
	in.file = &f2;
	key_inputs(&gen, &a, ups, &k2);
	CHECK(key_equal(&k1, &k2));             /* the path is not keyed */
	f2.digest[0] = 8;
	key_inputs(&gen, &a, ups, &k2);
	CHECK(!key_equal(&k1, &k2));            /* the content is */
	f2.digest[0] = 7;
	in.role = ROLE_INIT;
	in.strength = 500;
	key_inputs(&gen, &a, ups, &k2);
	CHECK(!key_equal(&k1, &k2));            /* and the role */
	/* an upstream asset: its key, never its name */
	in = (struct asset_input){ .asset = "bg" };
	key_inputs(&gen, &a, ups, &k1);
	in.asset = "renamed";
	key_inputs(&gen, &a, ups, &k2);
	CHECK(key_equal(&k1, &k2));
	ups[0].b[5] = 1;
	key_inputs(&gen, &a, ups, &k2);
	CHECK(!key_equal(&k1, &k2));
}

static void
flat(struct image *img, uint32_t w, uint32_t h, uint32_t ch, const uint8_t *px)
{
	uint32_t i;

	image_alloc(img, w, h, ch);
	for (i = 0; i < w * h; i++)
		memcpy(img->px + (size_t)i * ch, px, ch);
}

static int
pixel_is(const struct image *img, uint32_t x, uint32_t y, int r, int g, int b)
{
	const uint8_t *p = img->px + ((size_t)y * img->width + x) * img->channels;

	if (p[0] == r && p[1] == g && p[2] == b)
		return 1;
	printf("#   pixel (%u, %u) is %d %d %d, not %d %d %d\n", x, y, p[0], p[1], p[2], r, g, b);
	return 0;
}

/* Golden pixels: an init at strength 0.5 is half under the scene. */
static void
test_compose_init(void)
{
	static const uint8_t orange[3] = { 200, 100, 0 };
	struct image scene, init;
	struct render_input in;
	struct render_req req = {0};

	flat(&scene, 4, 2, 3, orange);
	image_alloc(&init, 2, 1, 3);
	memset(init.px + 3, 255, 3);            /* black, white */
	in = (struct render_input){ ROLE_INIT, 500, &init };
	req.inputs = &in;
	req.ninputs = 1;
	render_compose(&req, &scene);
	CHECK(pixel_is(&scene, 0, 0, 100, 50, 0));
	CHECK(pixel_is(&scene, 1, 1, 100, 50, 0));
	CHECK(pixel_is(&scene, 3, 0, 228, 178, 128));
	image_release(&scene);
	image_release(&init);
}

/* Golden pixels: the recipe's polarity, white changes, black keeps. */
static void
test_compose_mask(void)
{
	static const uint8_t orange[3] = { 200, 100, 0 }, photo[3] = { 10, 20, 30 };
	static const uint8_t white[3] = { 255, 255, 255 };
	struct image scene, ref, mask;
	struct render_input in[2];
	struct render_req req = {0};

	flat(&scene, 4, 2, 3, orange);
	flat(&ref, 4, 2, 3, photo);
	image_alloc(&mask, 4, 2, 3);
	memcpy(mask.px + 2 * 3, white, 3);
	memcpy(mask.px + 3 * 3, white, 3);
	memcpy(mask.px + 6 * 3, white, 3);
	memcpy(mask.px + 7 * 3, white, 3);
	in[0] = (struct render_input){ ROLE_REFERENCE, 0, &ref };
	in[1] = (struct render_input){ ROLE_MASK, 0, &mask };
	req.inputs = in;
	req.ninputs = 2;
	render_compose(&req, &scene);
	CHECK(pixel_is(&scene, 0, 0, 10, 20, 30));      /* black: the photo kept */
	CHECK(pixel_is(&scene, 1, 1, 10, 20, 30));
	CHECK(pixel_is(&scene, 2, 0, 200, 100, 0));     /* white: the new scene */
	CHECK(pixel_is(&scene, 3, 1, 200, 100, 0));
	image_release(&scene);
	image_release(&ref);
	image_release(&mask);
}

/* A reference is the subject: placed, alpha kept, the rest untouched. */
static void
test_compose_reference(void)
{
	static const uint8_t grey[3] = { 50, 50, 50 };
	struct image scene, ref;
	struct render_input in;
	struct render_req req = {0};
	uint32_t x;

	flat(&scene, 10, 10, 3, grey);
	image_alloc(&ref, 2, 2, 4);
	memset(ref.px, 255, 4);                 /* one opaque white pixel, three transparent */
	in = (struct render_input){ ROLE_REFERENCE, 0, &ref };
	req.inputs = &in;
	req.ninputs = 1;
	render_compose(&req, &scene);
	/* fitted to 6x6 (60% of the height), centred, standing at y = 9: x 2..7, y 3..8 */
	CHECK(pixel_is(&scene, 2, 3, 255, 255, 255));
	CHECK(pixel_is(&scene, 4, 5, 255, 255, 255));
	CHECK(pixel_is(&scene, 5, 3, 50, 50, 50));      /* transparent: the scene shows */
	CHECK(pixel_is(&scene, 2, 6, 50, 50, 50));
	for (x = 0; x < 10; x++)
		CHECK(pixel_is(&scene, x, 9, 50, 50, 50));
	image_release(&scene);
	image_release(&ref);
}

/* Golden pixels of a recipe mask (black, white, grey 128: keep, change,
 * half) in each API's polarity. */
static void
test_mask_polarity(void)
{
	static const struct { enum mask_polarity pol; uint32_t ch; uint8_t px[3][4]; } want[] = {
		/* A1111, Stability, BFL Fill: white changes */
		{ MASK_WHITE, 3, { {0, 0, 0}, {255, 255, 255}, {128, 128, 128} } },
		/* OpenAI edits: alpha 0 changes */
		{ MASK_ALPHA0, 4, { {0, 0, 0, 255}, {0, 0, 0, 0}, {0, 0, 0, 127} } },
		/* Ideogram edit: black changes */
		{ MASK_BLACK, 3, { {255, 255, 255}, {0, 0, 0}, {127, 127, 127} } },
	};
	struct image mask, got;
	struct buf png = BUF_INIT;
	char *err = NULL;
	size_t k;
	uint32_t x;

	image_alloc(&mask, 3, 1, 3);
	memset(mask.px + 3, 255, 3);
	memset(mask.px + 6, 128, 3);
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		png.len = 0;
		CHECK(provider_mask_png(&mask, want[k].pol, &png, &err) == 0);
		memset(&got, 0, sizeof(got));
		CHECK(pngio_decode(png.data, png.len, &got, NULL, &err) == 0);
		CHECK(got.width == 3 && got.height == 1 && got.channels == want[k].ch);
		for (x = 0; got.px && x < 3; x++)
			CHECK(memcmp(got.px + x * got.channels, want[k].px[x], want[k].ch) == 0);
		image_release(&got);
	}
	buf_release(&png);
	image_release(&mask);
}

int
main(void)
{
	RUN(test_mask_polarity);
	RUN(test_order);
	RUN(test_close);
	RUN(test_ready);
	RUN(test_key_content);
	RUN(test_compose_init);
	RUN(test_compose_mask);
	RUN(test_compose_reference);
	return TEST_DONE();
}
