/* provider/openai.c - OpenAI Images: POST {endpoint}/images/generations
 *
 * JSON {model, prompt, n: 1, size: "WxH", quality, background, ...}: the
 * documented fields only (openai_param), as the API refuses any other
 * name.  The image comes back as data[0].b64_json (GPT image models
 * always) or, failing that, data[0].url, fetched with a follow-up GET.
 * The dall-e models and the gpt-image-1 family are shut down: a config
 * error names the replacement.  There is no seed and no negative prompt:
 * the negative prompt is appended to the prompt as "Avoid: ...".
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "openai"

/* Fields assetgen sets itself.  Streaming would change the response
 * format. */
static const char *const reserved[] = {
	"model", "prompt", "n", "size", "response_format", "stream", "partial_images",
};
#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

/* Model ids that were shut down, and what to use instead. */
static const struct retired {
	const char *id, *when;
} retired[] = {
	{"dall-e-2", "2026-05-12"}, {"dall-e-3", "2026-05-12"}, {"gpt-image-1", "2026-10-23"},
	{"gpt-image-1-mini", "2026-12-01"}, {"gpt-image-1.5", "2026-12-01"},
	{"gpt-image-1.5-2025-12-16", "2026-12-01"}, {"chatgpt-image-latest", "2026-12-01"},
};
#define REPLACEMENT "gpt-image-2.6-sunburst or gpt-image-2.6-flare (or gpt-image-2)"

static int
openai_check_model(const struct model *m, char **err)
{
	const char *id = m->model ? m->model : "";
	size_t i;

	if (!*id) {
		*err = xstrdup("`model` is required (for example gpt-image-2)");
		return -1;
	}
	for (i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
		if (strcmp(id, retired[i].id) == 0) {
			*err = xasprintf("OpenAI shut %s down on %s: use " REPLACEMENT, id, retired[i].when);
			return -1;
		}
	return 0;
}

/* The generations fields of the GPT image models (the SDK's
 * image_generate_params): quality, background, moderation, output_format
 * (png: assetgen stores PNG), user.  The portable params the API has no
 * field for are dropped; every other name is refused, as the API answers
 * it with 400 "Unrecognized request argument". */
static enum param_use
openai_param(const struct model *m, const struct param *p, char **why)
{
	static const char *const quality[] = {"low", "medium", "high", "auto"};
	static const char *const background[] = {"transparent", "opaque", "auto"};
	static const char *const moderation[] = {"low", "auto"};
	static const char *const format[] = {"png"};

	(void)m;
	if (strcmp(p->name, "quality") == 0)
		return provider_param_enum(p, quality, 4, why);
	if (strcmp(p->name, "background") == 0)
		return provider_param_enum(p, background, 3, why);
	if (strcmp(p->name, "moderation") == 0)
		return provider_param_enum(p, moderation, 2, why);
	if (strcmp(p->name, "output_format") == 0) {
		if (provider_param_enum(p, format, 1, why) == PARAM_SEND)
			return PARAM_SEND;
		free(*why);
		*why = xasprintf("output_format '%s' is not supported: assetgen stores PNG", p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "user") == 0)
		return PARAM_SEND;
	if (provider_name_in(p->name, reserved, NRESERVED)) {
		*why = xasprintf("'%s' is set by assetgen", p->name);
		return PARAM_REJECT;
	}
	if (provider_param_portable(p->name)) {
		*why = xasprintf("the OpenAI Images API has no '%s'", p->name);
		return PARAM_DROP;
	}
	*why = xasprintf("'%s' is not an OpenAI Images parameter (it takes quality, background, "
			 "moderation, output_format and user)", p->name);
	return PARAM_REJECT;
}

/* A multipart text field. */
static void
text_part(struct http_request *r, const char *name, const char *value)
{
	http_request_part(r, name, value, strlen(value), NULL, NULL);
}

/* An asset with inputs: POST /images/edits, multipart.  The images go as
 * one part `image`, or as repeated `image[]` parts, the mask's image
 * first (OpenAI applies the mask to the first); the mask as a PNG whose
 * alpha is 0 where it changes.  OpenAI has no strength: an init is sent
 * as an image like a reference. */
static int
edits_request(const struct provider_call *c, json_t *root, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const struct render_input *mask = provider_input(r, ROLE_MASK), *first = NULL, *in;
	const char *key, *name;
	struct buf png = BUF_INIT;
	json_t *v;
	size_t i, nimages = 0;
	char *url, *s, fname[32];
	int k;

	for (i = 0; i < r->ninputs; i++)
		if (r->inputs[i].role != ROLE_MASK)
			nimages++;
	first = provider_input(r, ROLE_INIT);
	if (!first)
		first = provider_input(r, ROLE_REFERENCE);
	url = provider_url(c->endpoint, "/images/edits");
	http_request_init(out, "POST", url);
	free(url);
	/* content-type multipart/form-data with its boundary comes from libcurl */
	json_object_foreach(root, key, v) {
		s = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
		text_part(out, key, s ? s : "");
		free(s);
	}
	json_decref(root);
	name = nimages > 1 ? "image[]" : "image";
	for (k = 0, i = 0; first && i <= r->ninputs; i++) {
		/* the mask's image first, then the others in the recipe's order */
		in = i == 0 ? first : &r->inputs[i - 1];
		if (i > 0 && (in == first || in->role == ROLE_MASK))
			continue;
		snprintf(fname, sizeof(fname), "image-%d.%s", k++,
			 !strcmp(in->mime, "image/jpeg") ? "jpg" : !strcmp(in->mime, "image/webp") ? "webp" : "png");
		http_request_part(out, name, in->data, in->len, fname, in->mime);
	}
	if (mask) {
		if (provider_mask_png(mask->img, MASK_ALPHA0, &png, err) < 0)
			return -1;
		http_request_part(out, "mask", png.data, png.len, "mask.png", "image/png");
		buf_release(&png);
	}
	s = xasprintf("Bearer %s", c->api_key);
	http_request_secret_header(out, "Authorization", s);
	free(s);
	return 0;
}

static int
openai_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	json_t *root;
	char *s, *why = NULL;
	size_t i;

	if (openai_check_model(c->model, &why) < 0) {
		*err = xasprintf(WHO ": %s", why);
		free(why);
		return -1;
	}
	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	for (i = 0; i < r->nparams; i++) {
		why = NULL;
		if (openai_param(c->model, &r->params[i], &why) == PARAM_REJECT) {
			*err = xasprintf(WHO ": %s", why);
			free(why);
			return -1;
		}
		free(why);
	}
	root = json_object();
	json_object_set_new(root, "model", json_string(c->model->model));
	if (r->negative_prompt && *r->negative_prompt) {
		s = xasprintf("%s\n\nAvoid: %s", r->prompt, r->negative_prompt);
		json_object_set_new(root, "prompt", json_string(s));
		free(s);
	} else {
		json_object_set_new(root, "prompt", json_string(r->prompt));
	}
	json_object_set_new(root, "n", json_integer(1));
	s = xasprintf("%ux%u", r->width, r->height);
	json_object_set_new(root, "size", json_string(s));
	free(s);
	/* GPT image models always answer in base64 and refuse response_format */
	for (i = 0; i < r->nparams; i++) {
		why = NULL;
		if (openai_param(c->model, &r->params[i], &why) == PARAM_SEND)
			json_object_set_new(root, r->params[i].name, provider_param_json(&r->params[i]));
		free(why);
	}
	if (r->ninputs)
		return edits_request(c, root, out, err);
	if (provider_post_json(WHO, c->endpoint, "/images/generations", root, out, err) < 0)
		return -1;
	s = xasprintf("Bearer %s", c->api_key);
	http_request_secret_header(out, "Authorization", s);
	free(s);
	return 0;
}

/* {"error": {"message", "type", "param", "code"}}: safety, quota, and a
 * readable message; x-should-retry overrides the status class. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *e;
	const char *msg = NULL, *code = NULL, *type = NULL, *retry;

	if ((retry = http_response_header(resp, "x-should-retry")) && resp->transport == HTTP_OK) {
		if (strcmp(retry, "true") == 0 && out->fault == FAULT_PERMANENT)
			out->fault = FAULT_RETRY;
		else if (strcmp(retry, "false") == 0 && fault_retryable(out->fault))
			out->fault = FAULT_PERMANENT;
	}
	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (!root)
		return;
	e = json_object_get(root, "error");
	if (!json_is_object(e))
		e = root;
	msg = json_string_value(json_object_get(e, "message"));
	code = json_string_value(json_object_get(e, "code"));
	type = json_string_value(json_object_get(e, "type"));
	if ((code && (strcmp(code, "moderation_blocked") == 0 || strcmp(code, "content_policy_violation") == 0)) ||
	    (type && strcmp(type, "content_policy_violation") == 0))
		out->fault = FAULT_SAFETY;
	else if (code && strcmp(code, "insufficient_quota") == 0)
		out->fault = FAULT_PERMANENT;   /* billing: waiting does not help */
	if (msg && *msg) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld%s%s: %.300s", resp->status,
				     code ? " " : "", code ? code : "", msg);
	}
	json_decref(root);
}

static void
openai_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *d, *b64, *url, *v;
	const char *fmt;

	if (c->step > 0) {
		provider_reply_download(WHO, resp, out);
		return;
	}
	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	if (!(root = provider_reply_object(WHO, resp, out)))
		return;
	d = json_array_get(json_object_get(root, "data"), 0);
	b64 = json_object_get(d, "b64_json");
	url = json_object_get(d, "url");
	fmt = json_string_value(json_object_get(root, "output_format"));
	if (fmt && strcmp(fmt, "png") != 0) {
		provider_fail(out, FAULT_PERMANENT, WHO ": unsupported image format %.20s (assetgen needs png)", fmt);
	} else if (json_is_string(b64) && json_string_length(b64) > 0) {
		if (provider_base64_decode(json_string_value(b64), json_string_length(b64), &out->image) < 0 ||
		    out->image.len == 0)
			provider_fail(out, FAULT_RETRY, WHO ": invalid base64 image in response");
	} else if (json_is_string(url) && (str_has_prefix(json_string_value(url), "https://") ||
					   str_has_prefix(json_string_value(url), "http://"))) {
		/* no credential on the download: the URL is signed */
		http_request_init(&out->next, "GET", json_string_value(url));
		out->follow = 1;
	} else {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response");
	}
	if (out->fault == FAULT_NONE && (v = json_object_get(d, "revised_prompt")) &&
	    json_is_string(v) && json_string_length(v) > 0)
		meta_add(&out->extra, "provider:revised_prompt", json_string_value(v));
	json_decref(root);
}

static int
size_in(uint32_t w, uint32_t h, const uint32_t (*sizes)[2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sizes[i][0] == w && sizes[i][1] == h)
			return 1;
	return 0;
}

static char *
size_list(const uint32_t (*sizes)[2], size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%ux%u", i ? ", " : "", sizes[i][0], sizes[i][1]);
	return buf_detach(&b, NULL);
}

/* The sizes each model documents; models not listed are not checked. */
static int
openai_check(const struct model *m, uint32_t w, uint32_t h, char **err)
{
	static const uint32_t dalle2[][2] = {{256, 256}, {512, 512}, {1024, 1024}};
	static const uint32_t dalle3[][2] = {{1024, 1024}, {1792, 1024}, {1024, 1792}};
	static const uint32_t gpt1[][2] = {{1024, 1024}, {1536, 1024}, {1024, 1536}};
	const uint32_t (*sizes)[2] = NULL;
	const char *id = m->model ? m->model : "";
	size_t n = 0;
	char *list;

	if (strcmp(id, "dall-e-2") == 0) {
		sizes = dalle2;
		n = 3;
	} else if (strcmp(id, "dall-e-3") == 0) {
		sizes = dalle3;
		n = 3;
	} else if (str_has_prefix(id, "gpt-image-1")) {
		sizes = gpt1;
		n = 3;
	} else if (str_has_prefix(id, "gpt-image-2")) {
		/* any WxH: multiples of 16, ratio 1:3..3:1, at most 3840x2160 */
		if (w % 16 || h % 16 || w > 3 * h || h > 3 * w ||
		    (w > h ? w : h) > 3840 || (w < h ? w : h) > 2160) {
			*err = xasprintf("%s cannot make %ux%u: sides must be multiples of 16, "
					 "the ratio between 1:3 and 3:1, at most 3840x2160", id, w, h);
			return -1;
		}
		return 0;
	}
	if (!sizes || size_in(w, h, sizes, n))
		return 0;
	list = size_list(sizes, n);
	*err = xasprintf("%s cannot make %ux%u; its sizes are %s", id, w, h, list);
	free(list);
	return -1;
}

/* The nearest size in v's [lo, hi] that is a multiple of 16. */
static uint32_t
openai_side16(double v, uint32_t lo, uint32_t hi)
{
	uint32_t n = (uint32_t)lround(v / 16) * 16;

	return n < lo ? lo : n > hi ? hi : n;
}

/* gpt-image-1 and the DALL-E models: the listed size nearest in shape,
 * then in area.  gpt-image-2 and later: the asset's shape with the ratio
 * held to 1:3..3:1, sides multiples of 16, at most 3840x2160 and at least
 * 655,360 pixels.  DALL-E makes no transparent images and no legible
 * words. */
static int
openai_native(const struct model *m, const struct provider_need *need,
	      uint32_t *nw, uint32_t *nh, char **why)
{
	static const uint32_t dalle2[][2] = {{256, 256}, {512, 512}, {1024, 1024}};
	static const uint32_t dalle3[][2] = {{1024, 1024}, {1792, 1024}, {1024, 1792}};
	static const uint32_t gpt1[][2] = {{1024, 1024}, {1536, 1024}, {1024, 1536}};
	const uint32_t (*sizes)[2] = NULL;
	const char *id = m->model ? m->model : "";
	double w = need->width, h = need->height, r, area, s, da, dn, d, bestd = INFINITY;
	size_t i, n = 3;
	int dalle = str_has_prefix(id, "dall-e");

	if (dalle && need->transparent) {
		*why = xasprintf("%s makes no transparent images", id);
		return -1;
	}
	if (dalle && need->text) {
		*why = xasprintf("%s does not spell words reliably", id);
		return -1;
	}
	*nw = need->width;
	*nh = need->height;
	if (strcmp(id, "dall-e-2") == 0)
		sizes = dalle2;
	else if (strcmp(id, "dall-e-3") == 0)
		sizes = dalle3;
	else if (str_has_prefix(id, "gpt-image-1"))
		sizes = gpt1;
	if (sizes) {
		for (i = 0; i < n; i++) {
			da = log((w / h) / ((double)sizes[i][0] / sizes[i][1]));
			dn = log((w * h) / ((double)sizes[i][0] * sizes[i][1]));
			d = 1000 * da * da + dn * dn;
			if (d < bestd) {
				bestd = d;
				*nw = sizes[i][0];
				*nh = sizes[i][1];
			}
		}
		return 0;
	}
	if (!str_has_prefix(id, "gpt-image-"))
		return 0;       /* a model whose sizes are not known: as asked */
	r = w / h;
	r = r < 1.0 / 3 ? 1.0 / 3 : r > 3 ? 3 : r;
	area = w * h;
	area = area < 655360 ? 655360 : area;
	/* the long side at most 3840, the short at most 2160 */
	s = fmin(1, fmin(3840 / sqrt(area * fmax(r, 1 / r)), 2160 / sqrt(area * fmin(r, 1 / r))));
	area *= s * s;
	w = sqrt(area * r);
	h = sqrt(area / r);
	*nw = openai_side16(w, 16, r >= 1 ? 3840 : 2160);
	*nh = openai_side16(h, 16, r >= 1 ? 2160 : 3840);
	/* rounding may cross a limit by a step of 16: grow the side that
	 * keeps the shape nearer */
	while ((uint64_t)*nw * *nh < 655360) {
		if (fabs(log((*nw + 16.0) / *nh / r)) <= fabs(log(*nw / (*nh + 16.0) / r)))
			*nw += 16;
		else
			*nh += 16;
	}
	while (*nw > 3 * *nh)
		*nw -= 16;
	while (*nh > 3 * *nw)
		*nh -= 16;
	return 0;
}

const struct provider provider_openai = {
	.name = "openai",
	.impl = "images/1",
	.default_endpoint = "https://api.openai.com/v1",
	.concurrency = 4,
	.needs_key = 1,
	.timeout = 600,             /* the official SDK's default */
	.inputs = 1u << ROLE_REFERENCE | 1u << ROLE_INIT | 1u << ROLE_MASK,
	.request = openai_request,
	.reply = openai_reply,
	.check = openai_check,
	.check_model = openai_check_model,
	.param = openai_param,
	.native = openai_native,
};
