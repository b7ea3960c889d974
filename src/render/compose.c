/* render/compose.c - the built-in model's use of input images: init, references, mask */
#include <stdint.h>
#include <string.h>

#include "render.h"

/* Channel c of img at (x, y) of a dw x dh frame the image covers: scaled
 * to fill it, centred, the overflow cropped (nearest neighbour: integers
 * only), so an input of another shape is cropped, never distorted. */
static uint32_t
sample(const struct image *img, uint32_t x, uint32_t y, uint32_t dw, uint32_t dh, uint32_t c)
{
	uint64_t sw = img->width, sh = img->height, cw, ch, sx, sy;

	if (sw * dh > sh * dw) {            /* wider: crop the sides */
		cw = sh * dw / dh;
		sx = (sw - cw) / 2 + (uint64_t)x * cw / dw;
		sy = (uint64_t)y * sh / dh;
	} else {                            /* taller: crop top and bottom */
		ch = sw * dh / dw;
		sx = (uint64_t)x * sw / dw;
		sy = (sh - ch) / 2 + (uint64_t)y * ch / dh;
	}
	return img->px[((size_t)sy * img->width + (size_t)sx) * img->channels + c];
}

static uint32_t
mix(uint32_t a, uint32_t b, uint32_t t, uint32_t one)
{
	/* a at t = 0, b at t = one, rounded */
	return (a * (one - t) + b * t + one / 2) / one;
}

/* The scene keeps strength per mille of itself over the init image. */
static void
blend_init(struct image *sc, const struct image *init, uint32_t strength)
{
	uint32_t x, y, c;
	uint8_t *p;

	for (y = 0; y < sc->height; y++) {
		for (x = 0; x < sc->width; x++) {
			p = sc->px + ((size_t)y * sc->width + x) * 3;
			for (c = 0; c < 3; c++)
				p[c] = (uint8_t)mix(sample(init, x, y, sc->width, sc->height, c), p[c],
						    strength, 1000);
		}
	}
}

/* Reference k of n, scaled to fit its cell (the frame's width / n, 60%
 * of its height), standing on a line at 90% of the height. */
static void
place_reference(struct image *sc, const struct image *ref, uint32_t k, uint32_t n)
{
	uint32_t cw = sc->width / n, ch = sc->height * 3 / 5, w, h, x0, y0, x, y, c, a;
	uint8_t *p;

	if (!cw || !ch || !ref->width || !ref->height)
		return;
	/* fit ref->width x ref->height inside cw x ch, keeping its shape */
	if ((uint64_t)ref->width * ch >= (uint64_t)ref->height * cw) {
		w = cw;
		h = (uint32_t)((uint64_t)ref->height * cw / ref->width);
	} else {
		h = ch;
		w = (uint32_t)((uint64_t)ref->width * ch / ref->height);
	}
	if (!w || !h)
		return;
	x0 = k * cw + (cw - w) / 2;
	y0 = sc->height * 9 / 10 > h ? sc->height * 9 / 10 - h : 0;
	for (y = 0; y < h && y0 + y < sc->height; y++) {
		for (x = 0; x < w; x++) {
			p = sc->px + ((size_t)(y0 + y) * sc->width + x0 + x) * 3;
			a = ref->channels == 4 ? sample(ref, x, y, w, h, 3) : 255;
			for (c = 0; c < 3; c++)
				p[c] = (uint8_t)mix(p[c], sample(ref, x, y, w, h, c), a, 255);
		}
	}
}

/* Where the mask is black the base image stays; white takes the scene. */
static void
apply_mask(struct image *sc, const struct image *base, const struct image *mask)
{
	uint32_t x, y, c, m;
	uint8_t *p;

	for (y = 0; y < sc->height; y++) {
		for (x = 0; x < sc->width; x++) {
			p = sc->px + ((size_t)y * sc->width + x) * 3;
			m = 0;
			for (c = 0; c < 3 && c < mask->channels; c++)
				m += sample(mask, x, y, sc->width, sc->height, c);
			m = mask->channels >= 3 ? (m + 1) / 3 : m;
			for (c = 0; c < 3; c++)
				p[c] = (uint8_t)mix(sample(base, x, y, sc->width, sc->height,
							   base->channels >= 3 ? c : 0), p[c], m, 255);
		}
	}
}

void
render_compose(const struct render_req *req, struct image *scene)
{
	const struct render_input *init = NULL, *mask = NULL, *target = NULL;
	uint32_t nref = 0, k = 0;
	size_t i;

	for (i = 0; i < req->ninputs; i++) {
		if (req->inputs[i].role == ROLE_INIT)
			init = &req->inputs[i];
		else if (req->inputs[i].role == ROLE_MASK)
			mask = &req->inputs[i];
	}
	/* the mask's image: the init, else the first reference (refs.h) */
	for (i = 0; mask && !init && i < req->ninputs; i++) {
		if (req->inputs[i].role == ROLE_REFERENCE) {
			target = &req->inputs[i];
			break;
		}
	}
	if (mask && init)
		target = init;
	for (i = 0; i < req->ninputs; i++)
		if (req->inputs[i].role == ROLE_REFERENCE && &req->inputs[i] != target)
			nref++;
	if (init)
		blend_init(scene, init->img, init->strength);
	for (i = 0; i < req->ninputs; i++)
		if (req->inputs[i].role == ROLE_REFERENCE && &req->inputs[i] != target)
			place_reference(scene, req->inputs[i].img, k++, nref);
	if (mask && target)
		apply_mask(scene, target->img, mask->img);
}
