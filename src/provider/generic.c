/* provider/generic.c - the `http` provider: the generic endpoint a team runs itself
 *
 * POST {endpoint} (the full URL) with JSON {"prompt", "negative_prompt",
 * "seed", "width", "height", "params": {...}}, and for an asset with
 * inputs "inputs": [{"role", "image" (base64 of the file), "mime_type"},
 * ...] ("strength" 0..1 on the init; a mask in the recipe's polarity,
 * white = change); the answer is PNG bytes, or
 * JSON {"image": "<base64>", "render_meta": {...}}.  A configured key goes
 * in "Authorization: Bearer <key>".
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "http"

/* A param as JSON: numbers as numbers, bools as booleans, else a string. */

/* Is the media type of content-type value ct equal to type? */

static int
generic_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	json_t *root, *params;
	char *auth;
	size_t i;

	if (!c->endpoint || !*c->endpoint) {
		*err = xstrdup(WHO ": no endpoint configured (the http provider needs `endpoint`)");
		return -1;
	}
	root = json_object();
	json_object_set_new(root, "prompt", json_string(r->prompt));
	json_object_set_new(root, "negative_prompt", json_string(r->negative_prompt ? r->negative_prompt : ""));
	/* jansson integers are signed 64-bit */
	json_object_set_new(root, "seed", json_integer((json_int_t)(r->seed & INT64_MAX)));
	json_object_set_new(root, "width", json_integer(r->width));
	json_object_set_new(root, "height", json_integer(r->height));
	params = json_object();
	for (i = 0; i < r->nparams; i++)
		json_object_set_new(params, r->params[i].name, provider_param_json(&r->params[i]));
	json_object_set_new(root, "params", params);
	if (r->ninputs) {
		json_t *ins = json_array();

		for (i = 0; i < r->ninputs; i++) {
			const struct render_input *in = &r->inputs[i];
			json_t *o = json_object();
			char *b64 = provider_base64_encode(in->data, in->len);

			json_object_set_new(o, "role", json_string(input_role_names[in->role]));
			if (in->role == ROLE_INIT)
				json_object_set_new(o, "strength", json_real(in->strength / 1000.0));
			json_object_set_new(o, "mime_type", json_string(in->mime));
			json_object_set_new(o, "image", json_string(b64));
			free(b64);
			json_array_append_new(ins, o);
		}
		json_object_set_new(root, "inputs", ins);
	}
	if (provider_post_json(WHO, c->endpoint, NULL, root, out, err) < 0)
		return -1;
	http_request_header(out, "Accept", "image/png, application/json");
	if (c->api_key && *c->api_key) {
		auth = xasprintf("Bearer %s", c->api_key);
		http_request_secret_header(out, "Authorization", auth);
		free(auth);
	}
	return 0;
}

/* A JSON error body, {"error": "..."}, {"error": {"message": ...}} or
 * {"detail": "..."}: a better message than the raw excerpt; a "code" of
 * content_policy_violation or moderation_blocked is a safety rejection. */
static void
refine_error(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *e;
	const char *msg = NULL, *code;

	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (!root)
		return;
	e = json_object_get(root, "error");
	code = json_string_value(json_object_get(json_is_object(e) ? e : root, "code"));
	if (resp->status >= 400 && resp->status < 500 && code &&
	    (strcmp(code, "content_policy_violation") == 0 || strcmp(code, "moderation_blocked") == 0))
		out->fault = FAULT_SAFETY;
	if (json_is_object(e))
		e = json_object_get(e, "message");
	if (!json_is_string(e))
		e = json_object_get(root, "detail");
	if (json_is_string(e))
		msg = json_string_value(e);
	if (msg && *msg) {
		free(out->err);
		out->err = xasprintf(WHO ": HTTP %ld: %.300s", resp->status, msg);
	}
	json_decref(root);
}

static void
reply_json(const struct http_response *resp, struct provider_reply *out)
{
	json_t *root, *img, *rm;
	char *s;

	if (!(root = provider_reply_object(WHO, resp, out)))
		return;
	img = json_object_get(root, "image");
	if (!json_is_string(img) || json_string_length(img) == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": no image in response");
	} else if (provider_base64_decode(json_string_value(img), json_string_length(img), &out->image) < 0 ||
		   out->image.len == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid base64 image in response");
	} else if ((rm = json_object_get(root, "render_meta")) && !json_is_null(rm) &&
		   (s = json_dumps(rm, JSON_COMPACT | JSON_ENCODE_ANY))) {
		meta_add(&out->extra, "render_meta", s);
		free(s);
	}
	json_decref(root);
}

static void
generic_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	const char *ct;

	(void)c;
	if (provider_http_failed(WHO, resp, out)) {
		refine_error(resp, out);
		return;
	}
	ct = http_response_header(resp, "content-type");
	if (provider_media_is(ct, "application/json") ||
	    (!ct && resp->body.len && resp->body.data[0] == '{')) {
		reply_json(resp, out);
	} else if (!ct || provider_media_is(ct, "image/png") || provider_media_is(ct, "application/octet-stream")) {
		if (resp->body.len == 0) {
			provider_fail(out, FAULT_RETRY, WHO ": empty response");
			return;
		}
		buf_reset(&out->image);
		buf_put(&out->image, resp->body.data, resp->body.len);
	} else if (strncasecmp(ct, "image/", 6) == 0) {
		provider_fail(out, FAULT_PERMANENT, WHO ": unsupported image format %.60s (assetgen needs image/png)", ct);
	} else {
		provider_fail(out, FAULT_RETRY, WHO ": unexpected content type %.60s", ct);
	}
}

const struct provider provider_http = {
	.name = "http",
	.impl = "json/1",
	.default_endpoint = NULL,   /* the team's own server: `endpoint` is required */
	.concurrency = 4,
	.needs_key = 0,
	.inputs = 1u << ROLE_REFERENCE | 1u << ROLE_INIT | 1u << ROLE_MASK,
	.request = generic_request,
	.reply = generic_reply,
};
