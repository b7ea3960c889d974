/* provider/replicate.c - Replicate's predictions
 *
 * An official model: POST {endpoint}/v1/models/{owner}/{name}/predictions
 * {"input": {...}}; a version (the model's `version`): POST
 * {endpoint}/v1/predictions {"version", "input"}.  Both with
 * "Authorization: Bearer <key>" and "Prefer: wait=5", so a short job
 * answers at once.  The input is {"prompt", "negative_prompt", "seed",
 * "width", "height", params...}.  The prediction {"id", "status",
 * "output", "error", "urls": {"get", "cancel"}} is recorded before the
 * build waits; while it is "starting" or "processing", GET urls.get.
 * "succeeded": the output URL (a string, or the first of a list) is
 * downloaded without the key; outputs are deleted after an hour
 * ("data_removed", or a 404 on the download: expired).  "failed" and
 * "canceled" fail the attempt; an NSFW error is a safety failure.
 * Cancel: POST urls.cancel.  The key is only sent to the endpoint's own
 * origin.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "replicate"
#define WAIT_HEADER "wait=5"

static const char *const reserved[] = { "prompt", "negative_prompt", "seed", "width", "height" };

static char *
auth(const struct provider_call *c)
{
	return xasprintf("Bearer %s", c->api_key ? c->api_key : "");
}

static enum param_use
replicate_param(const struct model *m, const struct param *p, char **why)
{
	(void)m;
	return queue_param(WHO, p, reserved, sizeof(reserved) / sizeof(reserved[0]), why);
}

static int
replicate_check_model(const struct model *m, char **err)
{
	const char *id = m->model ? m->model : "", *slash = strchr(id, '/');

	if (m->version && *m->version) {
		if (strspn(m->version, "0123456789abcdef") == strlen(m->version))
			return 0;
		*err = xasprintf("replicate version '%s' is not a version id (hexadecimal)", m->version);
		return -1;
	}
	if (slash && slash != id && slash[1] && !strchr(slash + 1, '/') && !strpbrk(id, "?#% ."))
		return 0;
	*err = xasprintf("replicate model '%s' is not owner/name (or give its `version`)", id);
	return -1;
}

static int
replicate_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	const struct model *m = c->model;
	json_t *root, *input;
	char *body, *url, *path, *a;
	size_t i;

	input = json_object();
	json_object_set_new(input, "prompt", json_string(r->prompt));
	if (r->negative_prompt && *r->negative_prompt)
		json_object_set_new(input, "negative_prompt", json_string(r->negative_prompt));
	json_object_set_new(input, "seed", json_integer((json_int_t)(r->seed % 2147483648ull)));
	json_object_set_new(input, "width", json_integer(r->width));
	json_object_set_new(input, "height", json_integer(r->height));
	for (i = 0; i < r->nparams; i++) {
		char *why = NULL;

		if (queue_param(WHO, &r->params[i], reserved, sizeof(reserved) / sizeof(reserved[0]),
				&why) == PARAM_SEND)
			json_object_set_new(input, queue_param_name(&r->params[i]),
					    provider_param_json(&r->params[i]));
		free(why);
	}
	root = json_object();
	if (m->version && *m->version) {
		json_object_set_new(root, "version", json_string(m->version));
		path = xstrdup("/v1/predictions");
	} else {
		path = xasprintf("/v1/models/%s/predictions", m->model);
	}
	json_object_set_new(root, "input", input);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!body) {
		free(path);
		*err = xstrdup(WHO ": cannot encode the request");
		return -1;
	}
	url = provider_url(c->endpoint, path);
	http_request_init(out, "POST", url);
	free(path);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	http_request_header(out, "Prefer", WAIT_HEADER);
	a = auth(c);
	http_request_secret_header(out, "Authorization", a);
	free(a);
	return 0;
}

static char *
job_record(json_t *pred)
{
	json_t *urls = json_object_get(pred, "urls"), *job = json_object();
	const char *names[] = { "get", "cancel" }, *v;
	char *s;
	size_t i;

	v = json_string_value(json_object_get(pred, "id"));
	if (v && strlen(v) < 200)
		json_object_set_new(job, "id", json_string(v));
	for (i = 0; i < 2; i++) {
		v = json_string_value(json_object_get(urls, names[i]));
		if (v && strlen(v) < 2000 && (str_has_prefix(v, "https://") || str_has_prefix(v, "http://")))
			json_object_set_new(job, names[i], json_string(v));
	}
	s = json_object_get(job, "get") ? json_dumps(job, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(job);
	return s;
}

/* A prediction, from the create call or from urls.get. */
static void
reply_prediction(const struct provider_call *c, const struct http_response *resp,
		 struct provider_reply *out)
{
	char *get = c->step > 0 ? queue_job_field(c->job, "get") : NULL, *a = auth(c);
	json_t *root = NULL, *o;
	const char *st, *url, *e;

	if (c->step > 0 && !get) {
		provider_fail(out, FAULT_RETRY, WHO ": no job to poll");
		out->lost = 1;
		goto out;
	}
	if (c->step > 0 && (resp->transport != HTTP_OK || resp->status < 200 || resp->status > 299)) {
		queue_poll_failed(WHO, c, resp, out, get, "Authorization", a, 1);
		goto out;
	}
	if (c->step == 0 && provider_http_failed(WHO, resp, out))
		goto out;
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in response");
		goto out;
	}
	if (c->step == 0) {
		if (!(out->job = job_record(root))) {
			provider_fail(out, FAULT_RETRY, WHO ": no urls.get in the prediction");
			goto out;
		}
		free(get);
		get = queue_job_field(out->job, "get");
	}
	st = json_string_value(json_object_get(root, "status"));
	o = json_object_get(root, "output");
	if (json_is_array(o))
		o = json_array_get(o, 0);
	url = json_string_value(o);
	e = json_string_value(json_object_get(root, "error"));
	if (!st) {
		provider_fail(out, FAULT_RETRY, WHO ": no status in the prediction");
	} else if (strcmp(st, "starting") == 0 || strcmp(st, "processing") == 0) {
		if (queue_poll_more(WHO, c, out, provider_replicate.poll_interval))
			queue_poll(c, out, get, "Authorization", a, 1,
				   st[0] == 's' ? "queued" : "running");
	} else if (strcmp(st, "succeeded") == 0) {
		if (json_is_true(json_object_get(root, "data_removed"))) {
			provider_fail(out, FAULT_RETRY, WHO ": the result expired (data_removed)");
			out->lost = 1;
			out->job_state = "expired";
		} else if (!url || (!str_has_prefix(url, "https://") && !str_has_prefix(url, "http://"))) {
			provider_fail(out, FAULT_RETRY, WHO ": no output url in the prediction");
		} else {
			http_request_init(&out->next, "GET", url);
			out->follow = 1;
			out->goto_step = 2;
			out->job_state = "ready";
		}
	} else if (strcmp(st, "failed") == 0 && e && strcasestr(e, "nsfw")) {
		provider_fail(out, FAULT_SAFETY, WHO ": %.200s", e);
		out->job_state = "moderated";
	} else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": the prediction %s%s%.200s", st, e ? ": " : "",
			      e ? e : "");
		out->job_state = st[0] == 'f' ? "failed" : "cancelled";
	} else {
		provider_fail(out, FAULT_RETRY, WHO ": unexpected status %.40s", st);
	}
out:
	json_decref(root);
	free(get);
	free(a);
}

static void
replicate_reply(const struct provider_call *c, const struct http_response *resp,
		struct provider_reply *out)
{
	if (c->step <= 1)
		reply_prediction(c, resp, out);
	else
		queue_download(WHO, resp, out);
}

static int
replicate_resume(const struct provider_call *c, const char *job, struct http_request *out, int *step)
{
	char *u = queue_job_field(job, "get"), *a;

	if (!u)
		return -1;
	http_request_init(out, "GET", u);
	if (queue_same_origin(c->endpoint, u)) {
		a = auth(c);
		http_request_secret_header(out, "Authorization", a);
		free(a);
	}
	free(u);
	*step = 1;
	return 0;
}

static int
replicate_cancel(const struct provider_call *c, const char *job, struct http_request *out)
{
	char *u = queue_job_field(job, "cancel"), *a;

	if (!u || !queue_same_origin(c->endpoint, u)) {
		free(u);
		return -1;
	}
	http_request_init(out, "POST", u);
	a = auth(c);
	http_request_secret_header(out, "Authorization", a);
	free(a);
	free(u);
	return 0;
}

const struct provider provider_replicate = {
	.name = "replicate",
	.impl = "predictions/1",
	.default_endpoint = "https://api.replicate.com",
	.concurrency = 8,
	.needs_key = 1,
	.timeout = 60,              /* Prefer: wait holds a create for at most 60 s */
	.request = replicate_request,
	.reply = replicate_reply,
	.check_model = replicate_check_model,
	.param = replicate_param,
	.resume = replicate_resume,
	.cancel = replicate_cancel,
	.poll_interval = 1.0,
};
