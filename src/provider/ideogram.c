/* provider/ideogram.c - Ideogram: legacy POST {endpoint}/generate, and
 * Ideogram 3.0 POST {endpoint}/v1/ideogram-v3/generate
 *
 * Legacy: JSON {"image_request": {prompt, model, seed, resolution or
 * aspect_ratio, magic_prompt_option, ...}}; `resolution` is documented for
 * 2.0 (V_2, V_2_TURBO) only, the other versions get the nearest
 * `aspect_ratio`.  Model V_3 goes to the 3.0 endpoint instead, as
 * multipart/form-data (prompt, seed, aspect_ratio "16x9", magic_prompt,
 * rendering_speed, style_type, style_preset, negative_prompt).  Both send
 * "Api-Key: <key>"; the answer is data[0] with an expiring url, fetched by
 * a follow-up GET (step 1) without the key.  Magic Prompt is off unless a
 * param turns it on, so the prompt is the prompt.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
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

/* Fields assetgen sets itself. */
static const char *const reserved[] = {
	"prompt", "model", "seed", "resolution", "aspect_ratio", "num_images", "negative_prompt",
};
#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

/* The legacy AspectRatio enum, and 3.0's (written "16x9"). */
static const uint8_t aspects_legacy[][2] = {
	{10, 16}, {16, 10}, {9, 16}, {16, 9}, {3, 2}, {2, 3}, {4, 3}, {3, 4}, {1, 1}, {1, 3}, {3, 1},
};
static const uint8_t aspects_v3[][2] = {
	{1, 3}, {3, 1}, {1, 2}, {2, 1}, {9, 16}, {16, 9}, {10, 16}, {16, 10}, {2, 3}, {3, 2},
	{3, 4}, {4, 3}, {4, 5}, {5, 4}, {1, 1},
};

static const char *const styles_legacy[] = {
	"AUTO", "GENERAL", "FICTION", "REALISTIC", "DESIGN", "RENDER_3D", "ANIME", "CUSTOM", "STYLIZED",
};
static const char *const styles_v3[] = {
	"AUTO", "GENERAL", "REALISTIC", "DESIGN", "CUSTOM", "FICTION", "STYLIZED",
};
/* 3.0's StylePresetV3 enum. */
static const char *const presets[] = {
	"80S_ILLUSTRATION", "90S_NOSTALGIA", "ABSTRACT_ORGANIC", "ANALOG_NOSTALGIA",
	"ART_BRUT", "ART_DECO", "ART_POSTER", "AURA", "AVANT_GARDE", "BAUHAUS", "BLUEPRINT",
	"BLURRY_MOTION", "BRIGHT_ART", "C4D_CARTOON", "CHILDRENS_BOOK", "COLLAGE",
	"COLORING_BOOK_I", "COLORING_BOOK_II", "CUBISM", "DARK_AURA", "DOODLE",
	"DOUBLE_EXPOSURE", "DRAMATIC_CINEMA", "EDITORIAL", "EMOTIONAL_MINIMAL",
	"ETHEREAL_PARTY", "EXPIRED_FILM", "FLAT_ART", "FLAT_VECTOR", "FOREST_REVERIE",
	"GEO_MINIMALIST", "GLASS_PRISM", "GOLDEN_HOUR", "GRAFFITI_I", "GRAFFITI_II",
	"HALFTONE_PRINT", "HIGH_CONTRAST", "HIPPIE_ERA", "ICONIC", "JAPANDI_FUSION", "JAZZY",
	"LONG_EXPOSURE", "MAGAZINE_EDITORIAL", "MINIMAL_ILLUSTRATION", "MIXED_MEDIA",
	"MONOCHROME", "NIGHTLIFE", "OIL_PAINTING", "OLD_CARTOONS", "PAINT_GESTURE", "POP_ART",
	"RETRO_ETCHING", "RIVIERA_POP", "SPOTLIGHT_80S", "STYLIZED_RED", "SURREAL_COLLAGE",
	"TRAVEL_POSTER", "VINTAGE_GEO", "VINTAGE_POSTER", "WATERCOLOR", "WEIRD",
	"WOODBLOCK_PRINT",
};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))
static const char *const speeds[] = {"FLASH", "TURBO", "BALANCED", "DEFAULT", "QUALITY"};
static const char *const magic[] = {"AUTO", "ON", "OFF"};

static int
is_v3(const char *model)
{
	return strcmp(model, "V_3") == 0;
}

/* Ideogram 2.0, the only version `resolution` is documented for (also
 * the default when no model is named). */
static int
is_v2(const char *model)
{
	return !*model || strcmp(model, "V_2") == 0 || strcmp(model, "V_2_TURBO") == 0;
}

/* The documented aspect ratio nearest to w:h: index into list. */
static size_t
nearest_aspect(uint32_t w, uint32_t h, const uint8_t (*list)[2], size_t n)
{
	double want = log((double)w / h), d, bestd = INFINITY;
	size_t i, best = 0;

	for (i = 0; i < n; i++) {
		d = fabs(log((double)list[i][0] / list[i][1]) - want);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
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

static enum param_use
param_enum(const struct param *p, const char *const *values, size_t n, char **why)
{
	char *list;

	if (p->type == VAL_STRING && provider_name_in(p->value, values, n))
		return PARAM_SEND;
	list = provider_name_list(values, n);
	*why = xasprintf("'%s' takes %s, not '%s'", p->name, list, p->value);
	free(list);
	return PARAM_REJECT;
}

/* The documented fields of each endpoint; the portable style maps to
 * style_type when it names one, the other portable params are dropped. */
static enum param_use
ideogram_param(const struct model *m, const struct param *p, char **why)
{
	const char *model = m->model ? m->model : "";
	int v3 = is_v3(model), nostyle = strcmp(model, "V_1") == 0 || strcmp(model, "V_1_TURBO") == 0;

	if (strcmp(p->name, "style_type") == 0 || strcmp(p->name, "style") == 0) {
		const char *const *list = v3 ? styles_v3 : styles_legacy;
		size_t n = v3 ? sizeof(styles_v3) / sizeof(*styles_v3) : sizeof(styles_legacy) / sizeof(*styles_legacy);

		if (nostyle) {
			*why = xasprintf("%s takes no style_type", model);
			return strcmp(p->name, "style") == 0 ? PARAM_DROP : PARAM_REJECT;
		}
		if (strcmp(p->name, "style") == 0 && !provider_name_in(p->value, list, n)) {
			*why = xasprintf("'%s' is not an Ideogram style_type", p->value);
			return PARAM_DROP;
		}
		return param_enum(p, list, n, why);
	}
	if (v3 && strcmp(p->name, "rendering_speed") == 0)
		return param_enum(p, speeds, sizeof(speeds) / sizeof(*speeds), why);
	if (v3 && strcmp(p->name, "magic_prompt") == 0)
		return param_enum(p, magic, 3, why);
	if (v3 && strcmp(p->name, "style_preset") == 0) {
		if (p->type == VAL_STRING && provider_name_in(p->value, presets, NPRESETS))
			return PARAM_SEND;
		*why = xasprintf("style_preset is an Ideogram 3.0 preset such as WATERCOLOR or "
				 "FLAT_VECTOR, not '%s'", p->value);
		return PARAM_REJECT;
	}
	if (!v3 && strcmp(p->name, "magic_prompt_option") == 0)
		return param_enum(p, magic, 3, why);
	if (!v3 && strcmp(p->name, "magic_prompt_version") == 0) {
		if (p->type == VAL_STRING && (strcmp(p->value, "V_0") == 0 ||
		    (strlen(p->value) == 5 && str_has_prefix(p->value, "V_0_") &&
		     p->value[4] >= '1' && p->value[4] <= '8')))
			return PARAM_SEND;
		*why = xasprintf("magic_prompt_version is V_0 to V_0_8, not '%s'", p->value);
		return PARAM_REJECT;
	}
	if (!v3 && strcmp(p->name, "color_palette") == 0) {
		if (nostyle || strcmp(model, "V_2A") == 0 || strcmp(model, "V_2A_TURBO") == 0) {
			*why = xasprintf("%s takes no color_palette", model);
			return PARAM_REJECT;
		}
		if (p->type == VAL_STRING)
			return PARAM_SEND;
		*why = xstrdup("color_palette is a preset name such as EMBER");
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
		*why = xasprintf("the Ideogram %s API has no '%s'", v3 ? "3.0" : "legacy", p->name);
		return PARAM_DROP;
	}
	*why = xasprintf(v3 ? "'%s' is not an Ideogram 3.0 field (it takes rendering_speed, magic_prompt, "
			      "style_type and style_preset)" :
			      "'%s' is not an Ideogram field (it takes magic_prompt_option, "
			      "magic_prompt_version, style_type and color_palette)", p->name);
	return PARAM_REJECT;
}

/* Every param the model cannot take is an error; 0 or -1. */
static int
params_ok(const struct provider_call *c, char **err)
{
	size_t i;
	char *why;

	for (i = 0; i < c->req->nparams; i++) {
		why = NULL;
		if (ideogram_param(c->model, &c->req->params[i], &why) == PARAM_REJECT) {
			*err = xasprintf(WHO ": %s", why);
			free(why);
			return -1;
		}
		free(why);
	}
	return 0;
}

/* The param sent for p (style becomes style_type), or NULL. */
static const char *
sent_name(const struct model *m, const struct param *p)
{
	char *why = NULL;
	enum param_use use = ideogram_param(m, p, &why);

	free(why);
	if (use != PARAM_SEND)
		return NULL;
	return strcmp(p->name, "style") == 0 ? "style_type" : p->name;
}

static void
text_part(struct http_request *r, const char *name, const char *value)
{
	http_request_part(r, name, value, strlen(value), NULL, NULL);
}

/* Ideogram 3.0: multipart/form-data. */
static int
request_v3(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const char *name;
	char num[32], ar[16], *url;
	size_t i, k;

	if (params_ok(c, err) < 0)
		return -1;
	url = provider_url(c->endpoint, "/v1/ideogram-v3/generate");
	http_request_init(out, "POST", url);
	free(url);
	text_part(out, "prompt", r->prompt);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(r->seed % 2147483648u));
	text_part(out, "seed", num);
	k = nearest_aspect(r->width, r->height, aspects_v3, sizeof(aspects_v3) / sizeof(*aspects_v3));
	snprintf(ar, sizeof(ar), "%ux%u", aspects_v3[k][0], aspects_v3[k][1]);
	text_part(out, "aspect_ratio", ar);
	text_part(out, "num_images", "1");
	if (r->negative_prompt && *r->negative_prompt)
		text_part(out, "negative_prompt", r->negative_prompt);
	/* reproducibility: no prompt rewriting unless asked for */
	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, "magic_prompt") == 0)
			break;
	if (i == r->nparams)
		text_part(out, "magic_prompt", "OFF");
	for (i = 0; i < r->nparams; i++)
		if ((name = sent_name(c->model, &r->params[i])))
			text_part(out, name, r->params[i].value);
	/* content-type multipart/form-data with its boundary comes from libcurl */
	http_request_secret_header(out, "Api-Key", c->api_key);
	return 0;
}

static int
ideogram_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const char *model = c->model->model ? c->model->model : "";
	const char *name;
	json_t *root, *ir;
	char *body, *s, *url;
	size_t i, k;

	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	if (is_v3(model))
		return request_v3(c, out, err);
	if (is_v2(model) && !is_resolution(r->width, r->height)) {
		*err = xasprintf(WHO ": %ux%u is not an Ideogram resolution", r->width, r->height);
		return -1;
	}
	if (params_ok(c, err) < 0)
		return -1;
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
	if (is_v2(model)) {
		s = xasprintf("RESOLUTION_%u_%u", r->width, r->height);
		json_object_set_new(ir, "resolution", json_string(s));
	} else {
		k = nearest_aspect(r->width, r->height, aspects_legacy,
				   sizeof(aspects_legacy) / sizeof(*aspects_legacy));
		s = xasprintf("ASPECT_%u_%u", aspects_legacy[k][0], aspects_legacy[k][1]);
		json_object_set_new(ir, "aspect_ratio", json_string(s));
	}
	free(s);
	json_object_set_new(ir, "num_images", json_integer(1));
	/* reproducibility: no prompt rewriting unless asked for */
	json_object_set_new(ir, "magic_prompt_option", json_string("OFF"));
	if (r->negative_prompt && *r->negative_prompt && takes_negative(model))
		json_object_set_new(ir, "negative_prompt", json_string(r->negative_prompt));
	for (i = 0; i < r->nparams; i++) {
		const struct param *p = &r->params[i];

		if (!(name = sent_name(c->model, p)))
			continue;
		/* a palette preset by name: {"name": "EMBER"} */
		if (strcmp(name, "color_palette") == 0)
			json_object_set_new(ir, name, json_pack("{s:s}", "name", p->value));
		else
			json_object_set_new(ir, name, provider_param_json(p));
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
	.impl = "generate/2",       /* 2: aspect_ratio for all but 2.0; 3.0's endpoint */
	.default_endpoint = "https://api.ideogram.ai",
	.concurrency = 4,           /* the API allows 10 in flight per account */
	.needs_key = 1,
	.request = ideogram_request,
	.reply = ideogram_reply,
	.check = ideogram_check,
	.param = ideogram_param,
	.native = ideogram_native,
};
