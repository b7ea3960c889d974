/* provider/stability.c - Stability AI v2beta Stable Image
 *
 * POST {endpoint}/v2beta/stable-image/generate/sd3 as multipart/form-data
 * (prompt, negative_prompt, mode, model, seed, aspect_ratio, output_format
 * png, cfg_scale, style_preset) with "authorization: Bearer <key>",
 * accepting any image type; model "core" or "ultra" goes to generate/core
 * or generate/ultra instead, which take no model, mode nor cfg_scale (and
 * Ultra no style_preset).  Only documented fields are sent
 * (stability_param).  The answer is the PNG bytes with "seed" and
 * "finish-reason" headers.  The API takes an aspect ratio, not pixels: check refuses sizes
 * whose ratio is not one of the nine it knows.  As an upscaler:
 * upscale/fast (4x), or upscale/conservative when the model is
 * "conservative".
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "stability"

static const uint32_t ratios[][2] = {
	{21, 9}, {16, 9}, {3, 2}, {5, 4}, {1, 1}, {4, 5}, {2, 3}, {9, 16}, {9, 21},
};
#define NRATIOS (sizeof(ratios) / sizeof(ratios[0]))

/* Fields assetgen sets itself. */
static const char *const reserved[] = {
	"prompt", "negative_prompt", "mode", "model", "seed", "aspect_ratio", "output_format", "image",
	"strength",
};
#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

static const char *const presets[] = {
	"enhance", "anime", "photographic", "digital-art", "comic-book", "fantasy-art", "line-art",
	"analog-film", "neon-punk", "isometric", "low-poly", "origami", "modeling-compound",
	"cinematic", "3d-model", "pixel-art", "tile-texture",
};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

enum endpoint { EP_SD3, EP_CORE, EP_ULTRA };

static enum endpoint
endpoint_of(const struct model *m)
{
	const char *id = m->model ? m->model : "";

	if (strcmp(id, "core") == 0)
		return EP_CORE;
	if (strcmp(id, "ultra") == 0)
		return EP_ULTRA;
	return EP_SD3;
}

/* cfg_scale (SD3 only; the portable guidance is its name for it, 1..10),
 * style_preset (SD3 and Core; the portable style maps to it when it names
 * a preset); the other portable params are dropped, anything else
 * refused. */
static enum param_use
stability_param(const struct model *m, const struct param *p, char **why)
{
	enum endpoint ep = endpoint_of(m);
	const char *what = ep == EP_CORE ? "Stable Image Core" : ep == EP_ULTRA ? "Stable Image Ultra" : "SD3";
	double d;

	if (strcmp(p->name, "cfg_scale") == 0 || strcmp(p->name, "guidance") == 0) {
		if (ep != EP_SD3) {
			*why = xasprintf("%s takes no cfg_scale", what);
			return strcmp(p->name, "guidance") == 0 ? PARAM_DROP : PARAM_REJECT;
		}
		if (p->type == VAL_NUMBER && parse_double(p->value, &d) == 0 && d >= 1 && d <= 10)
			return PARAM_SEND;
		*why = xasprintf("'%s' is a number from 1 to 10, not '%s'", p->name, p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "style_preset") == 0 || strcmp(p->name, "style") == 0) {
		int portable = strcmp(p->name, "style") == 0;
		char *list;

		if (ep == EP_ULTRA) {
			*why = xasprintf("%s takes no style_preset", what);
			return portable ? PARAM_DROP : PARAM_REJECT;
		}
		if (p->type == VAL_STRING && provider_name_in(p->value, presets, NPRESETS))
			return PARAM_SEND;
		if (portable) {
			*why = xasprintf("'%s' is not a Stability style_preset", p->value);
			return PARAM_DROP;
		}
		list = provider_name_list(presets, NPRESETS);
		*why = xasprintf("style_preset takes %s, not '%s'", list, p->value);
		free(list);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "output_format") == 0) {
		if (p->type == VAL_STRING && strcmp(p->value, "png") == 0)
			return PARAM_SEND;      /* as assetgen sends anyway */
		*why = xasprintf("output_format '%s' is not supported: assetgen stores PNG", p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "negative_prompt") == 0) {
		*why = xstrdup("it is the asset's own negative_prompt, not a param");
		return PARAM_REJECT;
	}
	if (provider_name_in(p->name, reserved, NRESERVED)) {
		*why = xasprintf("'%s' is set by assetgen", p->name);
		return PARAM_REJECT;
	}
	if (provider_param_portable(p->name)) {
		*why = xasprintf("the %s API has no '%s'", what, p->name);
		return PARAM_DROP;
	}
	*why = xasprintf(ep == EP_SD3 ? "'%s' is not an SD3 field (it takes cfg_scale and style_preset)" :
			 ep == EP_CORE ? "'%s' is not a Stable Image Core field (it takes style_preset)" :
			 "'%s' is not a Stable Image Ultra field", p->name);
	return PARAM_REJECT;
}

static void
text_part(struct http_request *r, const char *name, const char *value)
{
	http_request_part(r, name, value, strlen(value), NULL, NULL);
}

/* The documented ratio nearest to w:h. */
static size_t
nearest_ratio(uint32_t w, uint32_t h)
{
	return provider_ratio_nearest(ratios, NRATIOS, w, h);
}

static void
start(const struct provider_call *c, const char *path, struct http_request *out)
{
	char *url, *auth;

	url = provider_url(c->endpoint, path);
	http_request_init(out, "POST", url);
	free(url);
	/* content-type multipart/form-data with its boundary comes from libcurl */
	auth = xasprintf("Bearer %s", c->api_key);
	http_request_secret_header(out, "authorization", auth);
	free(auth);
	http_request_header(out, "accept", "image/*");
}

static int
stability_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	enum endpoint ep = endpoint_of(c->model);
	const struct render_input *init;
	enum param_use use;
	char num[32], ratio[16], *why;
	uint64_t seed;
	size_t i, k;

	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	for (i = 0; i < r->nparams; i++) {
		why = NULL;
		if (stability_param(c->model, &r->params[i], &why) == PARAM_REJECT) {
			*err = xasprintf(WHO ": %s", why);
			free(why);
			return -1;
		}
		free(why);
	}
	init = provider_input(r, ROLE_INIT);
	if (init && ep == EP_CORE) {
		*err = xstrdup(WHO ": Stable Image Core takes no init image (SD3 and Ultra do)");
		return -1;
	}
	start(c, ep == EP_CORE ? "/v2beta/stable-image/generate/core" :
		 ep == EP_ULTRA ? "/v2beta/stable-image/generate/ultra" :
		 "/v2beta/stable-image/generate/sd3", out);
	text_part(out, "prompt", r->prompt);
	if (r->negative_prompt && *r->negative_prompt)
		text_part(out, "negative_prompt", r->negative_prompt);
	if (ep == EP_SD3) {
		text_part(out, "mode", init ? "image-to-image" : "text-to-image");
		if (c->model->model && *c->model->model)
			text_part(out, "model", c->model->model);
	}
	/* 0..4294967294, and 0 means random: seed 0 becomes 4294967294 */
	seed = r->seed % 4294967294u;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(seed ? seed : 4294967294u));
	text_part(out, "seed", num);
	if (init) {
		/* image-to-image: the output takes the image's shape, and
		 * strength is how much may change, as in the recipe */
		http_request_part(out, "image", init->data, init->len,
				  !strcmp(init->mime, "image/jpeg") ? "init.jpg" :
				  !strcmp(init->mime, "image/webp") ? "init.webp" : "init.png", init->mime);
		snprintf(num, sizeof(num), "%u.%03u", init->strength / 1000, init->strength % 1000);
		text_part(out, "strength", num);
	} else {
		k = nearest_ratio(r->width, r->height);
		snprintf(ratio, sizeof(ratio), "%u:%u", ratios[k][0], ratios[k][1]);
		text_part(out, "aspect_ratio", ratio);
	}
	text_part(out, "output_format", "png");
	for (i = 0; i < r->nparams; i++) {
		const char *name = r->params[i].name;

		why = NULL;
		use = stability_param(c->model, &r->params[i], &why);
		free(why);
		if (use != PARAM_SEND || strcmp(name, "output_format") == 0)
			continue;
		/* the portable names: guidance is cfg_scale, style a style_preset,
		 * each unless the field itself is given */
		if (strcmp(name, "guidance") == 0 || strcmp(name, "style") == 0) {
			name = strcmp(name, "guidance") == 0 ? "cfg_scale" : "style_preset";
			for (k = 0; k < r->nparams; k++)
				if (strcmp(r->params[k].name, name) == 0)
					break;
			if (k < r->nparams)
				continue;
		}
		text_part(out, name, r->params[i].value);
	}
	return 0;
}

static int
stability_upscale_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const char *kind = c->model->model && *c->model->model ? c->model->model : "fast";
	const struct param *ps = c->model->params;
	size_t i;

	if (!c->image || c->image->len == 0) {
		*err = xstrdup(WHO ": no image to upscale");
		return -1;
	}
	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	if (strcmp(kind, "fast") == 0) {
		start(c, "/v2beta/stable-image/upscale/fast", out);
	} else if (strcmp(kind, "conservative") == 0) {
		if (!c->req || !c->req->prompt || !*c->req->prompt) {
			*err = xstrdup(WHO ": the conservative upscaler needs the asset's prompt");
			return -1;
		}
		start(c, "/v2beta/stable-image/upscale/conservative", out);
		text_part(out, "prompt", c->req->prompt);
		if (c->req->negative_prompt && *c->req->negative_prompt)
			text_part(out, "negative_prompt", c->req->negative_prompt);
	} else {
		*err = xasprintf(WHO ": unknown upscaler '%s' (fast or conservative)", kind);
		return -1;
	}
	http_request_part(out, "image", c->image->data, c->image->len, "image.png", "image/png");
	text_part(out, "output_format", "png");
	/* upscale/fast takes nothing more; conservative a seed and creativity */
	for (i = 0; i < c->model->nparams; i++)
		if (strcmp(kind, "conservative") == 0 &&
		    (strcmp(ps[i].name, "creativity") == 0 || strcmp(ps[i].name, "seed") == 0))
			text_part(out, ps[i].name, ps[i].value);
	return 0;
}

/* {"id", "name", "errors": [...]} (v1: "message"): safety, and a message. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *errs, *v;
	const char *name;
	struct buf msg = BUF_INIT;
	size_t i;

	if (resp->transport != HTTP_OK)
		return;
	/* 150 requests in 10 s puts the account in a 60 s penalty box */
	if (resp->status == 429 && out->retry_after < 0)
		out->retry_after = 60;
	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	name = json_string_value(json_object_get(root, "name"));
	if (name && (strcmp(name, "content_moderation") == 0 || strcmp(name, "public_figure") == 0))
		out->fault = FAULT_SAFETY;
	errs = json_object_get(root, "errors");
	json_array_foreach(errs, i, v)
		if (json_is_string(v))
			buf_printf(&msg, "%s%s", msg.len ? "; " : "", json_string_value(v));
	if (!msg.len && (v = json_object_get(root, "message")) && json_is_string(v))
		buf_puts(&msg, json_string_value(v));
	if (name || msg.len) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld%s%s: %.300s", resp->status, name ? " " : "",
				     name ? name : "", msg.len ? msg.data : "(no message)");
	}
	buf_release(&msg);
	json_decref(root);
}

/* accept: application/json (a proxy may insist): {"image", "seed", "finish_reason"} */
static void
reply_json(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *img, *v;
	const char *fr;
	char *s;

	if (!(root = provider_reply_object(WHO, resp, out)))
		return;
	fr = json_string_value(json_object_get(root, "finish_reason"));
	img = json_object_get(root, "image");
	if (fr && strcmp(fr, "CONTENT_FILTERED") == 0) {
		provider_fail(out, FAULT_SAFETY, WHO ": the output was blurred by content moderation (CONTENT_FILTERED)");
	} else if (!json_is_string(img) || json_string_length(img) == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response");
	} else if (provider_base64_decode(json_string_value(img), json_string_length(img), &out->image) < 0 ||
		   out->image.len == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid base64 image in response");
	} else if ((v = json_object_get(root, "seed")) && json_is_integer(v)) {
		s = xasprintf("%lld", (long long)json_integer_value(v));
		meta_add(&out->extra, "provider:seed", s);
		free(s);
	}
	json_decref(root);
}

static void
stability_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	const char *ct, *fr, *seed;
	uint64_t u;

	(void)c;
	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	ct = http_response_header(resp, "content-type");
	if (provider_media_is(ct, "application/json")) {
		reply_json(resp, out);
		return;
	}
	fr = http_response_header(resp, "finish-reason");
	if (fr && strcmp(fr, "CONTENT_FILTERED") == 0) {
		provider_fail(out, FAULT_SAFETY, WHO ": the output was blurred by content moderation (CONTENT_FILTERED)");
		return;
	}
	if (ct && !provider_media_is(ct, "image/png")) {
		if (strncasecmp(ct, "image/", 6) == 0)
			provider_fail(out, FAULT_PERMANENT, WHO ": unsupported image format %.60s (assetgen needs image/png)", ct);
		else
			provider_fail(out, FAULT_RETRY, WHO ": unexpected content type %.60s", ct);
		return;
	}
	if (resp->body.len == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": empty response");
		return;
	}
	buf_reset(&out->image);
	buf_put(&out->image, resp->body.data, resp->body.len);
	if ((seed = http_response_header(resp, "seed")) && parse_u64(seed, &u) == 0)
		meta_add(&out->extra, "provider:seed", seed);
}

static int
stability_check(const struct model *m, uint32_t w, uint32_t h, char **err)
{
	(void)m;
	return provider_ratio_check(WHO, ratios, NRATIOS, w, h, err);
}

/* The API takes an aspect ratio: the nearest documented one, as a size
 * of about one megapixel in exactly that ratio.  No transparency. */
static int
stability_native(const struct model *m, const struct provider_need *need,
		 uint32_t *nw, uint32_t *nh, char **why)
{
	(void)m;
	return provider_ratio_native(ratios, NRATIOS, need,
				     "stability's generate endpoints make no transparent images", nw, nh, why);
}

const struct provider provider_stability = {
	.name = "stability",
	.impl = "v2beta/1",
	.default_endpoint = "https://api.stability.ai",
	.concurrency = 4,
	.needs_key = 1,
	.inputs = 1u << ROLE_INIT,  /* image-to-image (SD3, Ultra) */
	.request = stability_request,
	.reply = stability_reply,
	.check = stability_check,
	.param = stability_param,
	.upscale_request = stability_upscale_request,
	.native = stability_native,
};
