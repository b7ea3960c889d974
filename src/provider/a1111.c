/* provider/a1111.c - AUTOMATIC1111 / Forge webui: POST {endpoint}/sdapi/v1/txt2img
 *
 * JSON {prompt, negative_prompt, seed, width, height, batch_size: 1,
 * n_iter: 1, send_images: true, save_images: false, params...}; the answer
 * is {"images": [base64], "info": "<JSON in a string>"}.  As an upscaler:
 * POST {endpoint}/sdapi/v1/extra-single-image -> {"image": base64}.  No
 * key, or HTTP Basic when the key is "user:pass" (--api-auth).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "a1111"

/* assetgen's generic names and the webui's */
static const char *const aliases[][2] = {
	{"guidance", "cfg_scale"},
	{"sampler", "sampler_name"},
};

static const char *const reserved_txt2img[] = {
	"prompt", "negative_prompt", "seed", "width", "height", "batch_size", "n_iter",
	"send_images", "save_images", "init_images", "denoising_strength", "mask",
};

static const char *const reserved_extras[] = {
	"image", "resize_mode", "upscaling_resize", "upscaling_resize_w", "upscaling_resize_h",
	"upscaling_crop", "upscaler_1",
};

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static int
has_param(const struct param *ps, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ps[i].name, name) == 0)
			return 1;
	return 0;
}

/* Params into root under the webui's names; an explicit webui name wins
 * over its generic alias. */
static void
add_params(json_t *root, const struct param *ps, size_t n, const char *const *reserved, size_t nreserved)
{
	const char *name;
	size_t i, j;

	for (i = 0; i < n; i++) {
		name = ps[i].name;
		for (j = 0; j < sizeof(aliases) / sizeof(aliases[0]); j++)
			if (strcmp(name, aliases[j][0]) == 0)
				break;
		if (j < sizeof(aliases) / sizeof(aliases[0])) {
			if (has_param(ps, n, aliases[j][1]))
				continue;
			name = aliases[j][1];
		}
		if (!in_list(name, reserved, nreserved))
			json_object_set_new(root, name, provider_param_json(&ps[i]));
	}
}

static int
finish_request(const struct provider_call *c, const char *path, json_t *root,
	       struct http_request *out, char **err)
{
	char *b64, *auth;

	if (c->api_key && *c->api_key && !strchr(c->api_key, ':')) {
		json_decref(root);
		*err = xstrdup(WHO ": the key must be user:pass (the webui's --api-auth)");
		return -1;
	}
	if (provider_post_json(WHO, c->endpoint, path, root, out, err) < 0)
		return -1;
	if (c->api_key && *c->api_key) {
		/* --api-auth user:pass */
		b64 = provider_base64_encode(c->api_key, strlen(c->api_key));
		auth = xasprintf("Basic %s", b64);
		http_request_secret_header(out, "Authorization", auth);
		free(auth);
		free(b64);
	}
	return 0;
}

/* An init image: img2img, with init_images, denoising_strength (the
 * recipe's strength: how much may change) and the mask (white repaints,
 * the recipe's polarity; written as opaque RGB, since the webui reads an
 * RGBA mask's alpha instead). */
static int
img2img(const struct provider_call *c, json_t *root, struct http_request *out, char **err)
{
	const struct render_input *init = provider_input(c->req, ROLE_INIT);
	const struct render_input *mask = provider_input(c->req, ROLE_MASK);
	struct buf png = BUF_INIT;
	json_t *imgs = json_array();
	char *b64;

	b64 = provider_base64_encode(init->data, init->len);
	json_array_append_new(imgs, json_string(b64));
	free(b64);
	json_object_set_new(root, "init_images", imgs);
	json_object_set_new(root, "denoising_strength", json_real(init->strength / 1000.0));
	if (mask) {
		if (provider_mask_png(mask->img, MASK_WHITE, &png, err) < 0) {
			json_decref(root);
			return -1;
		}
		b64 = provider_base64_encode(png.data, png.len);
		json_object_set_new(root, "mask", json_string(b64));
		free(b64);
		buf_release(&png);
	}
	return finish_request(c, "/sdapi/v1/img2img", root, out, err);
}

static int
a1111_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	json_t *root = json_object();

	json_object_set_new(root, "prompt", json_string(r->prompt));
	json_object_set_new(root, "negative_prompt", json_string(r->negative_prompt ? r->negative_prompt : ""));
	/* -1 means random to the webui, and numpy seeds are 32-bit */
	json_object_set_new(root, "seed", json_integer((json_int_t)(r->seed % 4294967296u)));
	json_object_set_new(root, "width", json_integer(r->width));
	json_object_set_new(root, "height", json_integer(r->height));
	json_object_set_new(root, "batch_size", json_integer(1));
	json_object_set_new(root, "n_iter", json_integer(1));
	json_object_set_new(root, "send_images", json_true());
	json_object_set_new(root, "save_images", json_false());
	add_params(root, r->params, r->nparams, reserved_txt2img,
		   sizeof(reserved_txt2img) / sizeof(reserved_txt2img[0]));
	if (provider_input(r, ROLE_INIT))
		return img2img(c, root, out, err);
	return finish_request(c, "/sdapi/v1/txt2img", root, out, err);
}

static int
a1111_upscale_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct model *m = c->model;
	json_t *root;
	char *b64;

	if (!c->image || c->image->len == 0) {
		*err = xstrdup(WHO ": no image to upscale");
		return -1;
	}
	if (!m->model || !*m->model) {
		*err = xstrdup(WHO ": an upscaler needs `model`, the webui's upscaler name (e.g. R-ESRGAN 4x+)");
		return -1;
	}
	root = json_object();
	b64 = provider_base64_encode(c->image->data, c->image->len);
	json_object_set_new(root, "image", json_string(b64));
	free(b64);
	if (c->up_factor) {
		json_object_set_new(root, "resize_mode", json_integer(0));
		json_object_set_new(root, "upscaling_resize", json_integer(c->up_factor));
	} else {
		json_object_set_new(root, "resize_mode", json_integer(1));
		json_object_set_new(root, "upscaling_resize_w", json_integer(c->up_width));
		json_object_set_new(root, "upscaling_resize_h", json_integer(c->up_height));
		json_object_set_new(root, "upscaling_crop", json_true());
	}
	json_object_set_new(root, "upscaler_1", json_string(m->model));
	add_params(root, m->params, m->nparams, reserved_extras,
		   sizeof(reserved_extras) / sizeof(reserved_extras[0]));
	return finish_request(c, "/sdapi/v1/extra-single-image", root, out, err);
}

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t i, n = strlen(needle);

	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* {"error": "<ExceptionClass>", "detail": "...", "body": "...", "errors":
 * "<str(e)>"}, or FastAPI's {"detail": ...}: out-of-memory, and a message. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *d;
	const char *cls, *msg, *errs;

	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	cls = json_string_value(json_object_get(root, "error"));
	errs = json_string_value(json_object_get(root, "errors"));
	d = json_object_get(root, "detail");
	/* "errors" is str(e): for an HTTPException "404: <detail>" */
	msg = json_string_value(d);
	if (!msg || !*msg)
		msg = errs;
	if (!msg && json_is_array(d))
		msg = json_string_value(json_object_get(json_array_get(d, 0), "msg"));
	if ((cls && strcmp(cls, "OutOfMemoryError") == 0) || (msg && contains_nocase(msg, "out of memory")) ||
	    (errs && contains_nocase(errs, "out of memory")))
		out->fault = FAULT_OOM;
	if ((cls && *cls) || (msg && *msg)) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld: %s%s%.300s", resp->status, cls ? cls : "",
				     cls && msg ? ": " : "", msg ? msg : "");
	}
	json_decref(root);
}

/* The format of decoded image bytes, when they are not PNG. */
static const char *
not_png(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->data;

	if (b->len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return NULL;
	if (b->len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "JPEG";
	if (b->len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "WebP";
	return NULL;    /* unknown: the scheduler's PNG check decides */
}

/* The generation parameters the webui really used. */
static void
keep_info(const char *info, struct provider_reply *out)
{
	static const char *const keys[] = {
		"sd_model_name", "sd_model_hash", "sd_vae_name", "sampler_name", "version",
	};
	json_t *root, *v;
	char *s;
	size_t i;

	root = json_loads(info, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	v = json_object_get(root, "seed");
	if (json_is_integer(v)) {
		s = xasprintf("%lld", (long long)json_integer_value(v));
		meta_add(&out->extra, "provider:seed", s);
		free(s);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(root, keys[i]);
		if (json_is_string(v) && json_string_length(v) > 0) {
			s = xasprintf("provider:%s", keys[i]);
			meta_add(&out->extra, s, json_string_value(v));
			free(s);
		}
	}
	json_decref(root);
}

static void
a1111_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *img, *info;
	const char *fmt;
	json_int_t first = 0;

	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	if (!(root = provider_reply_object(WHO, resp, out)))
		return;
	info = json_object_get(root, "info");
	if (c->image) {
		img = json_object_get(root, "image");
	} else {
		/* a grid, when one is returned, comes first; extensions append
		 * their own images (detect maps) after ours */
		json_t *iroot = json_is_string(info) ? json_loads(json_string_value(info), 0, NULL) : NULL;
		json_t *ifirst = json_object_get(iroot, "index_of_first_image");

		if (json_is_integer(ifirst) && json_integer_value(ifirst) > 0 &&
		    (size_t)json_integer_value(ifirst) < json_array_size(json_object_get(root, "images")))
			first = json_integer_value(ifirst);
		json_decref(iroot);
		img = json_array_get(json_object_get(root, "images"), (size_t)first);
	}
	if (!json_is_string(img) || json_string_length(img) == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response");
	} else if (provider_base64_decode(json_string_value(img), json_string_length(img), &out->image) < 0 ||
		   out->image.len == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid base64 image in response");
	} else if ((fmt = not_png(&out->image))) {
		provider_fail(out, FAULT_PERMANENT, WHO ": the server returned %s, not PNG (set samples_format to png)", fmt);
	} else if (!c->image && json_is_string(info)) {
		keep_info(json_string_value(info), out);
	}
	json_decref(root);
}

/* The latent is 1/8 of the image: other sizes come back cropped. */
static int
a1111_check(const struct model *m, uint32_t w, uint32_t h, char **err)
{
	uint32_t nw, nh;

	(void)m;
	if (w % 8 == 0 && h % 8 == 0 && w >= 64 && h >= 64)
		return 0;
	nw = (w + 4) / 8 * 8;
	nh = (h + 4) / 8 * 8;
	*err = xasprintf("a1111 cannot make %ux%u: sides must be multiples of 8, at least 64 (nearest: %ux%u)",
			 w, h, nw < 64 ? 64 : nw, nh < 64 ? 64 : nh);
	return -1;
}

/* The latent is 1/8 of the image: the nearest multiple of 8 on each
 * side, at least 64.  Stable Diffusion checkpoints neither paint
 * transparency nor spell words reliably. */
static int
a1111_native(const struct model *m, const struct provider_need *need,
	     uint32_t *nw, uint32_t *nh, char **why)
{
	(void)m;
	if (need->transparent) {
		*why = xstrdup("a1111 renders no transparency");
		return -1;
	}
	if (need->text) {
		*why = xstrdup("a1111 checkpoints do not spell words reliably (draw them with overlay:)");
		return -1;
	}
	*nw = need->width < 64 ? 64 : (need->width + 4) / 8 * 8;
	*nh = need->height < 64 ? 64 : (need->height + 4) / 8 * 8;
	return 0;
}

const struct provider provider_a1111 = {
	.name = "a1111",
	.impl = "sdapi/1",
	.default_endpoint = "http://127.0.0.1:7860",
	.concurrency = 1,           /* one GPU, one queue lock: requests serialise anyway */
	.needs_key = 0,
	/* img2img: an init image, and a mask over it (no references) */
	.inputs = 1u << ROLE_INIT | 1u << ROLE_MASK,
	.request = a1111_request,
	.reply = a1111_reply,
	.check = a1111_check,
	.upscale_request = a1111_upscale_request,
	.native = a1111_native,
};
