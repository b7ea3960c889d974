/* provider/gemini.c - Gemini image models: POST {endpoint}/models/{model}:generateContent
 *
 * JSON {contents: [{role: user, parts: [{text}]}], generationConfig:
 * {responseModalities: [TEXT, IMAGE], seed, temperature, topP, topK,
 * imageConfig: {aspectRatio, imageSize}}} with "x-goog-api-key: <key>":
 * documented fields only, as Google answers any other with 400 "Unknown
 * name".  The image is an inlineData part of any candidate, not
 * necessarily the first part; PNG, JPEG or WebP, told by its bytes (a
 * JPEG may come labelled image/png).  The API takes an aspect
 * ratio, not pixels: check refuses sizes whose ratio it does not know.  The
 * negative prompt is appended to the prompt as "Avoid: ...".
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "gemini"

/* imageConfig.aspectRatio values of gemini-2.5-flash-image */
static const uint32_t ratios[][2] = {
	{1, 1}, {2, 3}, {3, 2}, {3, 4}, {4, 3}, {4, 5}, {5, 4}, {9, 16}, {16, 9}, {21, 9},
};
#define NRATIOS (sizeof(ratios) / sizeof(ratios[0]))

/* finishReason / blockReason values that mean a policy refusal */
static const char *const safety_reasons[] = {
	"SAFETY", "PROHIBITED_CONTENT", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
	"BLOCKLIST", "SPII", "RECITATION", "IMAGE_RECITATION",
};

/* Model ids that were shut down. */
static const struct retired {
	const char *id, *when;
} retired[] = {
	{"gemini-2.5-flash-image-preview", "2026-10-02"}, {"gemini-2.5-flash-image", "2026-10-02"},
	{"gemini-3-pro-image-preview", "2026-06-25"}, {"gemini-3.1-flash-image-preview", "2026-06-25"},
};
#define REPLACEMENT "gemini-nano-banana-2.1, gemini-3-pro-image or gemini-3.1-flash-lite-image"

static const char *
model_id(const struct model *m)
{
	const char *id = m->model ? m->model : "";

	return strncmp(id, "models/", 7) == 0 ? id + 7 : id;
}

static int
gemini_check_model(const struct model *m, char **err)
{
	const char *id = model_id(m);
	size_t i;

	for (i = 0; i < sizeof(retired) / sizeof(retired[0]); i++)
		if (strcmp(id, retired[i].id) == 0) {
			*err = xasprintf("Google shut %s down on %s: use " REPLACEMENT, id, retired[i].when);
			return -1;
		}
	if (str_has_prefix(id, "imagen-")) {
		*err = xasprintf("Google shut the Imagen models down on 2026-08-17: use " REPLACEMENT);
		return -1;
	}
	return 0;
}

/* imageConfig.imageSize (Gemini 3 image models), temperature, topP and
 * topK in generationConfig; the portable params the API lacks are
 * dropped, anything else refused. */
static enum param_use
gemini_param(const struct model *m, const struct param *p, char **why)
{
	static const char *const sizes[] = {"1K", "2K", "4K"};
	static const char *const own[] = {
		"aspectRatio", "aspect_ratio", "imageConfig", "responseModalities", "seed",
	};

	(void)m;
	if (strcmp(p->name, "imageSize") == 0 || strcmp(p->name, "image_size") == 0) {
		if (p->type == VAL_STRING && provider_name_in(p->value, sizes, 3))
			return PARAM_SEND;
		*why = xasprintf("imageSize is 1K, 2K or 4K, not '%s'", p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "temperature") == 0 || strcmp(p->name, "topP") == 0 ||
	    strcmp(p->name, "topK") == 0) {
		if (p->type == VAL_NUMBER)
			return PARAM_SEND;
		*why = xasprintf("'%s' must be a number", p->name);
		return PARAM_REJECT;
	}
	if (provider_name_in(p->name, own, sizeof(own) / sizeof(own[0]))) {
		*why = xasprintf("'%s' is set by assetgen (from the asset's size and seed)", p->name);
		return PARAM_REJECT;
	}
	if (provider_param_portable(p->name)) {
		*why = xasprintf("the Gemini API has no '%s'", p->name);
		return PARAM_DROP;
	}
	*why = xasprintf("'%s' is not a Gemini image generation field (it takes imageSize, "
			 "temperature, topP and topK)", p->name);
	return PARAM_REJECT;
}

/* The format of image bytes: "png", "jpeg", "webp", or NULL. */
static const char *
sniff(const struct buf *b)
{
	const unsigned char *d = (const unsigned char *)b->data;

	if (b->len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (b->len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "jpeg";
	if (b->len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return "webp";
	return NULL;
}

static size_t
nearest_ratio(uint32_t w, uint32_t h)
{
	return provider_ratio_nearest(ratios, NRATIOS, w, h);
}

static int
is_safety_reason(const char *r)
{
	size_t i;

	for (i = 0; r && i < sizeof(safety_reasons) / sizeof(safety_reasons[0]); i++)
		if (strcmp(r, safety_reasons[i]) == 0)
			return 1;
	return 0;
}

static int
gemini_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const char *model = model_id(c->model), *name;
	json_t *root, *gc, *ic, *part;
	char *s, *why = NULL;
	size_t i, k;
	int posted;

	if (gemini_check_model(c->model, &why) < 0) {
		*err = xasprintf(WHO ": %s", why);
		free(why);
		return -1;
	}
	if (!*model ||
	    strspn(model, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(model)) {
		*err = xasprintf(WHO ": invalid model id '%s' (for example gemini-nano-banana-2.1)", model);
		return -1;
	}
	if (!c->api_key || !*c->api_key) {
		*err = xstrdup(WHO ": no API key");
		return -1;
	}
	root = json_object();
	if (r->negative_prompt && *r->negative_prompt) {
		s = xasprintf("%s\n\nAvoid: %s", r->prompt, r->negative_prompt);
		part = json_pack("{s:s}", "text", s);
		free(s);
	} else {
		part = json_pack("{s:s}", "text", r->prompt);
	}
	if (r->ninputs) {
		/* the reference images as inlineData parts, before the text, in
		 * the same user turn; their true types (a mislabelled JPEG is a 400) */
		json_t *parts = json_array();
		size_t limit = strstr(c->model->model, "2.5-flash") ? 3 : 14;

		if (r->ninputs > limit) {
			json_decref(part);
			json_decref(root);
			*err = xasprintf(WHO ": %s takes at most %zu reference images (this asset has %zu)",
					 c->model->model, limit, r->ninputs);
			return -1;
		}
		for (i = 0; i < r->ninputs; i++) {
			char *b64 = provider_base64_encode(r->inputs[i].data, r->inputs[i].len);

			json_array_append_new(parts, json_pack("{s:{s:s,s:s}}", "inlineData", "mimeType",
							       r->inputs[i].mime, "data", b64));
			free(b64);
		}
		json_array_append_new(parts, part);
		json_object_set_new(root, "contents", json_pack("[{s:s,s:o}]", "role", "user", "parts",
								parts));
	} else {
		json_object_set_new(root, "contents", json_pack("[{s:s,s:[o]}]", "role", "user", "parts",
								part));
	}
	gc = json_object();
	json_object_set_new(gc, "responseModalities", json_pack("[s,s]", "TEXT", "IMAGE"));
	/* int32; not echoed, and not a promise of determinism */
	json_object_set_new(gc, "seed", json_integer((json_int_t)(r->seed % 2147483648u)));
	ic = json_object();
	k = nearest_ratio(r->width, r->height);
	s = xasprintf("%u:%u", ratios[k][0], ratios[k][1]);
	json_object_set_new(ic, "aspectRatio", json_string(s));
	free(s);
	for (i = 0; i < r->nparams; i++) {
		enum param_use use;

		name = r->params[i].name;
		why = NULL;
		use = gemini_param(c->model, &r->params[i], &why);
		if (use == PARAM_REJECT) {
			*err = xasprintf(WHO ": %s", why);
			free(why);
			json_decref(ic);
			json_decref(gc);
			json_decref(root);
			return -1;
		}
		free(why);
		if (use != PARAM_SEND)
			continue;
		if (strcmp(name, "imageSize") == 0 || strcmp(name, "image_size") == 0)
			json_object_set_new(ic, "imageSize", provider_param_json(&r->params[i]));
		else
			json_object_set_new(gc, name, provider_param_json(&r->params[i]));
	}
	json_object_set_new(gc, "imageConfig", ic);
	json_object_set_new(root, "generationConfig", gc);
	s = xasprintf("/models/%s:generateContent", model);
	posted = provider_post_json(WHO, c->endpoint, s, root, out, err);
	free(s);
	if (posted < 0)
		return -1;
	http_request_secret_header(out, "x-goog-api-key", c->api_key);
	return 0;
}

/* "34s", "0.5s", "1.500s" */
static double
parse_duration(const char *s)
{
	size_t n = strlen(s);
	char *num;
	double d;
	int ok;

	if (n < 2 || s[n - 1] != 's')
		return -1;
	num = xstrndup(s, n - 1);
	ok = parse_double(num, &d) == 0 && d >= 0;
	free(num);
	return ok ? d : -1;
}

/* {"error": {"code", "message", "status", "details": [{"@type": ...}]}}:
 * RetryInfo.retryDelay, daily quotas, and a message. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *e, *details, *d, *viol, *v;
	const char *type, *msg, *status, *q;
	int daily = 0;
	size_t i, j;
	double delay;

	if (resp->transport != HTTP_OK)
		return;
	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	e = json_object_get(root, "error");
	if (!json_is_object(e)) {
		json_decref(root);
		return;
	}
	details = json_object_get(e, "details");
	json_array_foreach(details, i, d) {
		type = json_string_value(json_object_get(d, "@type"));
		if (!type)
			continue;
		if (str_has_suffix(type, "google.rpc.RetryInfo") && out->retry_after < 0 &&
		    (q = json_string_value(json_object_get(d, "retryDelay"))) &&
		    (delay = parse_duration(q)) >= 0)
			out->retry_after = delay;
		if (str_has_suffix(type, "google.rpc.QuotaFailure")) {
			viol = json_object_get(d, "violations");
			json_array_foreach(viol, j, v)
				if ((q = json_string_value(json_object_get(v, "quotaId"))) && strstr(q, "PerDay"))
					daily = 1;
		}
	}
	msg = json_string_value(json_object_get(e, "message"));
	status = json_string_value(json_object_get(e, "status"));
	if (daily && resp->status == 429)
		out->fault = FAULT_PERMANENT;   /* a daily quota does not clear during a build */
	if (msg || status) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld%s%s%s: %.300s", resp->status, status ? " " : "",
				     status ? status : "", daily ? " (daily quota)" : "", msg ? msg : "");
	}
	json_decref(root);
}

static void
gemini_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *cands, *cand, *parts, *part, *inl, *v;
	const char *mime, *data = NULL, *other = NULL, *reason = NULL, *text = NULL, *block;
	size_t i, j, datalen = 0;

	(void)c;
	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	if (!(root = provider_reply_object(WHO, resp, out)))
		return;
	cands = json_object_get(root, "candidates");
	json_array_foreach(cands, i, cand) {
		v = json_object_get(cand, "finishReason");
		if (json_is_string(v) && (!reason || is_safety_reason(json_string_value(v))))
			reason = json_string_value(v);
		parts = json_object_get(json_object_get(cand, "content"), "parts");
		json_array_foreach(parts, j, part) {
			if (!text && (v = json_object_get(part, "text")) && json_is_string(v))
				text = json_string_value(v);
			/* interim "thinking" images are not the answer */
			if (json_is_true(json_object_get(part, "thought")))
				continue;
			inl = json_object_get(part, "inlineData");
			if (!inl)
				inl = json_object_get(part, "inline_data");
			v = json_object_get(inl, "data");
			if (!json_is_string(v) || data)
				continue;
			mime = json_string_value(json_object_get(inl, "mimeType"));
			if (!mime)
				mime = json_string_value(json_object_get(inl, "mime_type"));
			/* the label may be wrong: the bytes decide, below */
			if (mime && (strcmp(mime, "image/png") == 0 || strcmp(mime, "image/jpeg") == 0 ||
				     strcmp(mime, "image/webp") == 0)) {
				data = json_string_value(v);
				datalen = json_string_length(v);
			} else if (!other) {
				other = mime ? mime : "(none)";
			}
		}
	}
	block = json_string_value(json_object_get(json_object_get(root, "promptFeedback"), "blockReason"));
	if (data) {
		if (provider_base64_decode(data, datalen, &out->image) < 0 || out->image.len == 0)
			provider_fail(out, FAULT_RETRY, WHO ": invalid base64 image in response");
		else if (!sniff(&out->image))
			provider_fail(out, FAULT_PERMANENT, WHO ": the image is neither PNG, JPEG nor WebP");
		else if ((v = json_object_get(root, "modelVersion")) && json_is_string(v))
			meta_add(&out->extra, "provider:model_version", json_string_value(v));
	} else if (block) {
		v = json_object_get(json_object_get(root, "promptFeedback"), "blockReasonMessage");
		provider_fail(out, FAULT_SAFETY, WHO ": prompt blocked (%.40s)%s%.200s", block,
		     json_is_string(v) ? ": " : "", json_is_string(v) ? json_string_value(v) : "");
	} else if (is_safety_reason(reason)) {
		provider_fail(out, FAULT_SAFETY, WHO ": no image: finishReason %.40s", reason);
	} else if (other) {
		provider_fail(out, FAULT_PERMANENT, WHO ": unsupported image format %.60s "
			      "(assetgen takes image/png, image/jpeg and image/webp)", other);
	} else {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response (finishReason %.40s)%s%.200s",
		     reason ? reason : "none", text ? ": " : "", text ? text : "");
	}
	json_decref(root);
}

static int
gemini_check(const struct model *m, uint32_t w, uint32_t h, char **err)
{
	(void)m;
	return provider_ratio_check(WHO, ratios, NRATIOS, w, h, err);
}

/* The API takes an aspect ratio: the nearest documented one, as a size
 * of about one megapixel (imageSize 1K) in exactly that ratio.  No
 * transparency. */
static int
gemini_native(const struct model *m, const struct provider_need *need,
	      uint32_t *nw, uint32_t *nh, char **why)
{
	(void)m;
	return provider_ratio_native(ratios, NRATIOS, need,
				     "gemini image models make no transparent images", nw, nh, why);
}

const struct provider provider_gemini = {
	.name = "gemini",
	.impl = "generateContent/1",
	.default_endpoint = "https://generativelanguage.googleapis.com/v1beta",
	.concurrency = 4,
	.needs_key = 1,
	.inputs = 1u << ROLE_REFERENCE,     /* inlineData parts; no init strength, no mask */
	.request = gemini_request,
	.reply = gemini_reply,
	.check = gemini_check,
	.check_model = gemini_check_model,
	.param = gemini_param,
	.native = gemini_native,
};
