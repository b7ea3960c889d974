/* provider/ideogram.c - Ideogram, legacy POST {endpoint}/generate
 *
 * JSON {"image_request": {prompt, model, seed, resolution, magic_prompt_option,
 * ...}} with "Api-Key: <key>"; the answer is data[0] with an expiring url,
 * fetched by a follow-up GET (step 1) without the key.  The size must be
 * one of the 78 documented resolutions (check refuses the others); Magic
 * Prompt is off unless a param turns it on, so the prompt is the prompt.
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

#define WHO "ideogram"

/* The Resolution enum of the Ideogram OpenAPI spec, as RESOLUTION_<W>_<H>. */
static const uint16_t resolutions[][2] = {
	{512, 1536}, {576, 1408}, {576, 1472}, {576, 1536}, {640, 1024}, {640, 1344},
	{640, 1408}, {640, 1472}, {640, 1536}, {704, 1152}, {704, 1216}, {704, 1280},
	{704, 1344}, {704, 1408}, {704, 1472}, {720, 1280}, {736, 1312}, {768, 1024},
	{768, 1088}, {768, 1152}, {768, 1216}, {768, 1232}, {768, 1280}, {768, 1344},
	{832, 960}, {832, 1024}, {832, 1088}, {832, 1152}, {832, 1216}, {832, 1248},
	{864, 1152}, {896, 960}, {896, 1024}, {896, 1088}, {896, 1120}, {896, 1152},
	{960, 832}, {960, 896}, {960, 1024}, {960, 1088}, {1024, 640}, {1024, 768},
	{1024, 832}, {1024, 896}, {1024, 960}, {1024, 1024}, {1088, 768}, {1088, 832},
	{1088, 896}, {1088, 960}, {1120, 896}, {1152, 704}, {1152, 768}, {1152, 832},
	{1152, 864}, {1152, 896}, {1216, 704}, {1216, 768}, {1216, 832}, {1232, 768},
	{1248, 832}, {1280, 704}, {1280, 720}, {1280, 768}, {1280, 800}, {1312, 736},
	{1344, 640}, {1344, 704}, {1344, 768}, {1408, 576}, {1408, 640}, {1408, 704},
	{1472, 576}, {1472, 640}, {1472, 704}, {1536, 512}, {1536, 576}, {1536, 640},
};
#define NRES (sizeof(resolutions) / sizeof(resolutions[0]))

/* Fields assetgen sets itself; a param of the same name is ignored. */
static const char *const reserved[] = {
	"prompt", "model", "seed", "resolution", "aspect_ratio", "num_images", "negative_prompt",
};

static int
is_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0)
			return 1;
	return 0;
}

static int
is_resolution(uint32_t w, uint32_t h)
{
	size_t i;

	for (i = 0; i < NRES; i++)
		if (resolutions[i][0] == w && resolutions[i][1] == h)
			return 1;
	return 0;
}

/* negative_prompt: "Only available for model versions V_1, V_1_TURBO, V_2
 * and V_2_TURBO" */
static int
takes_negative(const char *model)
{
	return !*model || strcmp(model, "V_1") == 0 || strcmp(model, "V_1_TURBO") == 0 ||
	       strcmp(model, "V_2") == 0 || strcmp(model, "V_2_TURBO") == 0;
}

static int
ideogram_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const char *model = c->model->model ? c->model->model : "";
	json_t *root, *ir;
	char *body, *s, *url;
	size_t i;

	if (!is_resolution(r->width, r->height)) {
		*err = xasprintf(WHO ": %ux%u is not an Ideogram resolution", r->width, r->height);
		return -1;
	}
	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	ir = json_object();
	if (r->negative_prompt && *r->negative_prompt && !takes_negative(model)) {
		s = xasprintf("%s\n\nAvoid: %s", r->prompt, r->negative_prompt);
		json_object_set_new(ir, "prompt", json_string(s));
		free(s);
	} else {
		json_object_set_new(ir, "prompt", json_string(r->prompt));
	}
	if (*model)
		json_object_set_new(ir, "model", json_string(model));
	/* seed: 0..2147483647 */
	json_object_set_new(ir, "seed", json_integer((json_int_t)(r->seed % 2147483648u)));
	s = xasprintf("RESOLUTION_%u_%u", r->width, r->height);
	json_object_set_new(ir, "resolution", json_string(s));
	free(s);
	json_object_set_new(ir, "num_images", json_integer(1));
	/* reproducibility: no prompt rewriting unless asked for */
	json_object_set_new(ir, "magic_prompt_option", json_string("OFF"));
	if (r->negative_prompt && *r->negative_prompt && takes_negative(model))
		json_object_set_new(ir, "negative_prompt", json_string(r->negative_prompt));
	for (i = 0; i < r->nparams; i++) {
		const struct param *p = &r->params[i];

		if (is_reserved(p->name))
			continue;
		/* a palette preset by name: {"name": "EMBER"} */
		if (strcmp(p->name, "color_palette") == 0 && p->type == VAL_STRING)
			json_object_set_new(ir, p->name, json_pack("{s:s}", "name", p->value));
		else
			json_object_set_new(ir, p->name, provider_param_json(p));
	}
	root = json_object();
	json_object_set_new(root, "image_request", ir);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!body) {
		*err = xstrdup(WHO ": cannot encode the request");
		return -1;
	}
	url = provider_url(c->endpoint, "/generate");
	http_request_init(out, "POST", url);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	http_request_secret_header(out, "Api-Key", c->api_key);
	return 0;
}

/* 422 {"error": "..."}: the prompt failed the safety check. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root;
	const char *msg;

	if (resp->transport != HTTP_OK)
		return;
	if (resp->status == 422)
		out->fault = FAULT_SAFETY;
	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	msg = json_string_value(json_object_get(root, "error"));
	if (!msg)
		msg = json_string_value(json_object_get(root, "message"));
	if (msg && *msg) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld: %.300s", resp->status, msg);
	}
	json_decref(root);
}

static void
reply_generate(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *d, *v;
	const char *url;
	char *s;

	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (!json_is_object(root)) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in response");
		json_decref(root);
		return;
	}
	d = json_array_get(json_object_get(root, "data"), 0);
	v = json_object_get(d, "is_image_safe");
	url = json_string_value(json_object_get(d, "url"));
	if (!json_is_object(d)) {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response");
	} else if (json_is_false(v)) {
		provider_fail(out, FAULT_SAFETY, WHO ": the image failed the safety check");
	} else if (!url || !*url) {
		provider_fail(out, FAULT_RETRY, WHO ": no image url in response");
	} else if (!str_has_prefix(url, "https://") && !str_has_prefix(url, "http://")) {
		provider_fail(out, FAULT_RETRY, WHO ": unexpected image url in response");
	} else {
		v = json_object_get(d, "seed");
		if (json_is_integer(v)) {
			s = xasprintf("%lld", (long long)json_integer_value(v));
			meta_add(&out->extra, "provider:seed", s);
			free(s);
		}
		v = json_object_get(d, "prompt");
		if (json_is_string(v))
			meta_add(&out->extra, "provider:prompt", json_string_value(v));
		/* the link is signed: no Api-Key on the download */
		http_request_init(&out->next, "GET", url);
		out->follow = 1;
	}
	json_decref(root);
}

static void
ideogram_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	if (c->step == 0)
		reply_generate(resp, out);
	else
		provider_reply_download(WHO, resp, out);
}

/* Nearness of two sizes: mostly the shape, then the area. */
static double
size_distance(double w, double h, double rw, double rh)
{
	double da = log((w / h) / (rw / rh)), dn = log((w * h) / (rw * rh));

	return 1000 * da * da + dn * dn;
}

static int
ideogram_check(const struct model *m, uint32_t w, uint32_t h, char **err)
{
	size_t best[3] = {0, 0, 0}, i, j, k, n = 0;

	(void)m;
	if (is_resolution(w, h))
		return 0;
	/* the three nearest, in order */
	for (i = 0; i < NRES; i++) {
		double d = size_distance(w, h, resolutions[i][0], resolutions[i][1]);

		for (j = 0; j < n; j++)
			if (d < size_distance(w, h, resolutions[best[j]][0], resolutions[best[j]][1]))
				break;
		if (j >= 3)
			continue;
		for (k = n < 3 ? n : 2; k > j; k--)
			best[k] = best[k - 1];
		best[j] = i;
		if (n < 3)
			n++;
	}
	*err = xasprintf("ideogram cannot make %ux%u: not one of its resolutions (nearest: %ux%u, %ux%u, %ux%u)",
			 w, h, resolutions[best[0]][0], resolutions[best[0]][1],
			 resolutions[best[1]][0], resolutions[best[1]][1],
			 resolutions[best[2]][0], resolutions[best[2]][1]);
	return -1;
}

/* The documented resolution nearest the asset's (its shape first, then
 * its area).  The legacy endpoint makes no transparent images. */
static int
ideogram_native(const struct model *m, const struct provider_need *need,
		uint32_t *nw, uint32_t *nh, char **why)
{
	double d, bestd = INFINITY;
	size_t i, best = 0;

	(void)m;
	if (need->transparent) {
		*why = xstrdup("ideogram's generate endpoint makes no transparent images");
		return -1;
	}
	for (i = 0; i < NRES; i++) {
		d = size_distance(need->width, need->height, resolutions[i][0], resolutions[i][1]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	*nw = resolutions[best][0];
	*nh = resolutions[best][1];
	return 0;
}

const struct provider provider_ideogram = {
	.name = "ideogram",
	.impl = "generate/1",
	.default_endpoint = "https://api.ideogram.ai",
	.concurrency = 4,           /* the API allows 10 in flight per account */
	.needs_key = 1,
	.request = ideogram_request,
	.reply = ideogram_reply,
	.check = ideogram_check,
	.native = ideogram_native,
};
