/* provider/bfl.c - Black Forest Labs' FLUX.2 API, a queued one
 *
 * POST {endpoint}/v1/{model} (flux-2-pro, flux-2-max, flux-2-flex,
 * flux-2-klein-4b, flux-2-klein-9b) with "x-key: <key>" and JSON
 * {"prompt", "seed", "width", "height", "output_format": "png"} (flex
 * adds "steps" and "guidance"; any model "safety_tolerance" 0..5 and
 * "prompt_upsampling") -> {"id", "polling_url"}: the job, recorded before
 * the build waits.  GET polling_url (x-key, only to the endpoint's own
 * host) -> {"status": "Pending" | "Ready" | "Error" | "Request Moderated" |
 * "Content Moderated" | "Task not found", "result": {"sample", "seed"}}.
 * The sample is a signed link (no key) that expires after 10 minutes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "bfl"
#define BFL_MAX_PIXELS (4u << 20)       /* 4 MP */

static const char *const models[] = {
	"flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b",
	"flux-2-pro-preview", "flux-2-max-preview", "flux-2-flex-preview",
};
#define NMODELS (sizeof(models) / sizeof(models[0]))

static int
is_flex(const struct model *m)
{
	return m->model && strncmp(m->model, "flux-2-flex", 11) == 0;
}

static int
bfl_check_model(const struct model *m, char **err)
{
	char *list;

	if (m->model && provider_name_in(m->model, models, NMODELS))
		return 0;
	list = provider_name_list(models, NMODELS);
	*err = xasprintf("bfl model '%s' is not a FLUX.2 model (%s)", m->model ? m->model : "", list);
	free(list);
	return -1;
}

/* steps and guidance on flex (the other models drop them); safety_tolerance
 * and prompt_upsampling anywhere; the rest of the portable ones are
 * dropped, anything else refused. */
static enum param_use
bfl_param(const struct model *m, const struct param *p, char **why)
{
	double d;

	if (strcmp(p->name, "steps") == 0 || strcmp(p->name, "guidance") == 0) {
		int steps = p->name[1] == 't';

		if (!is_flex(m)) {
			*why = xasprintf("%s takes no %s (flux-2-flex does)", m->model, p->name);
			return PARAM_DROP;
		}
		if (p->type == VAL_NUMBER && parse_double(p->value, &d) == 0 &&
		    (steps ? d >= 1 && d <= 50 && d == (double)(long)d : d >= 1.5 && d <= 10))
			return PARAM_SEND;
		*why = xasprintf("%s is %s on flux-2-flex, not '%s'", p->name,
				 steps ? "a whole number 1..50" : "a number 1.5..10", p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "safety_tolerance") == 0) {
		if (p->type == VAL_NUMBER && parse_double(p->value, &d) == 0 && d >= 0 && d <= 5 &&
		    d == (double)(long)d)
			return PARAM_SEND;
		*why = xasprintf("safety_tolerance is a whole number 0..5, not '%s'", p->value);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "prompt_upsampling") == 0) {
		if (p->type == VAL_BOOL)
			return PARAM_SEND;
		*why = xasprintf("prompt_upsampling is true or false, not '%s'", p->value);
		return PARAM_REJECT;
	}
	if (provider_param_portable(p->name)) {
		*why = xasprintf("FLUX.2 has no %s", p->name);
		return PARAM_DROP;
	}
	*why = xasprintf("'%s' is not a FLUX.2 request field", p->name);
	return PARAM_REJECT;
}

/* Sides in multiples of 16, at least 64, at most 4 MP in all. */
static int
bfl_native(const struct model *m, const struct provider_need *need, uint32_t *nw, uint32_t *nh,
	   char **why)
{
	double w = need->width, h = need->height, s;

	(void)m;
	if (need->transparent) {
		*why = xstrdup("FLUX.2 makes no transparent images");
		return -1;
	}
	if (w * h > BFL_MAX_PIXELS) {
		s = sqrt(BFL_MAX_PIXELS / (w * h));
		w *= s;
		h *= s;
	}
	*nw = (uint32_t)(w + 8) / 16 * 16;
	*nh = (uint32_t)(h + 8) / 16 * 16;
	if (*nw < 64)
		*nw = 64;
	if (*nh < 64)
		*nh = 64;
	while ((uint64_t)*nw * *nh > BFL_MAX_PIXELS)
		*nw > *nh ? (*nw -= 16) : (*nh -= 16);
	return 0;
}

static int
bfl_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	json_t *root;
	char *body, *url, *path;
	size_t i;
	char *why = NULL;

	root = json_object();
	json_object_set_new(root, "prompt", json_string(r->prompt));
	json_object_set_new(root, "seed", json_integer((json_int_t)(r->seed % 4294967296ull)));
	json_object_set_new(root, "width", json_integer(r->width));
	json_object_set_new(root, "height", json_integer(r->height));
	json_object_set_new(root, "output_format", json_string("png"));
	for (i = 0; i < r->nparams; i++) {
		if (bfl_param(c->model, &r->params[i], &why) == PARAM_SEND)
			json_object_set_new(root, r->params[i].name, provider_param_json(&r->params[i]));
		free(why);
		why = NULL;
	}
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!body) {
		*err = xstrdup(WHO ": cannot encode the request");
		return -1;
	}
	path = xasprintf("/v1/%s", c->model->model);
	url = provider_url(c->endpoint, path);
	http_request_init(out, "POST", url);
	free(path);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	http_request_header(out, "Accept", "application/json");
	http_request_secret_header(out, "x-key", c->api_key ? c->api_key : "");
	return 0;
}

/* The polling URL of a job record, or the endpoint's get_result. */
static char *
poll_url(const struct provider_call *c, const char *job)
{
	char *u = queue_job_field(job, "polling_url"), *id, *path;

	if (u && queue_same_origin(c->endpoint, u))
		return u;
	free(u);
	if (!(id = queue_job_field(job, "id")))
		return NULL;
	path = xasprintf("/v1/get_result?id=%s", id);
	u = provider_url(c->endpoint, path);
	free(path);
	free(id);
	return u;
}

static void
reply_submit(const struct provider_call *c, const struct http_response *resp,
	     struct provider_reply *out)
{
	json_t *root, *job;
	const char *id, *pu;
	char *url;

	if (provider_http_failed(WHO, resp, out)) {
		if (resp->transport == HTTP_OK && resp->status == 402) {
			free(out->err);
			out->err = xstrdup(WHO ": HTTP 402: no credits left");
		}
		return;
	}
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in response");
		return;
	}
	id = json_string_value(json_object_get(root, "id"));
	pu = json_string_value(json_object_get(root, "polling_url"));
	if (!id || !*id || strlen(id) > 200 || (pu && strlen(pu) > 2000)) {
		provider_fail(out, FAULT_RETRY, WHO ": no job id in response");
		json_decref(root);
		return;
	}
	job = json_pack("{s:s}", "id", id);
	if (pu && (str_has_prefix(pu, "https://") || str_has_prefix(pu, "http://")))
		json_object_set_new(job, "polling_url", json_string(pu));
	out->job = json_dumps(job, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(job);
	json_decref(root);
	url = poll_url(c, out->job);
	queue_poll(c, out, url, "x-key", c->api_key ? c->api_key : "", 1, "submitted");
	free(url);
}

static void
reply_poll(const struct provider_call *c, const struct http_response *resp,
	   struct provider_reply *out)
{
	char *url = poll_url(c, c->job);
	json_t *root, *v;
	const char *status, *sample;
	char *s;

	if (!url) {
		provider_fail(out, FAULT_RETRY, WHO ": no job to poll");
		out->lost = 1;
		return;
	}
	if (resp->transport != HTTP_OK || resp->status < 200 || resp->status > 299) {
		queue_poll_failed(WHO, c, resp, out, url, "x-key", c->api_key ? c->api_key : "", 1);
		free(url);
		return;
	}
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in status response");
		free(url);
		return;
	}
	status = json_string_value(json_object_get(root, "status"));
	if (!status) {
		provider_fail(out, FAULT_RETRY, WHO ": no status in response");
	} else if (strcmp(status, "Pending") == 0 || strcmp(status, "Queued") == 0 ||
		   strcmp(status, "Processing") == 0) {
		if (queue_poll_more(WHO, c, out, provider_bfl.poll_interval))
			queue_poll(c, out, url, "x-key", c->api_key ? c->api_key : "", 1,
				   strcmp(status, "Processing") == 0 ? "running" : "queued");
	} else if (strcmp(status, "Ready") == 0) {
		v = json_object_get(root, "result");
		sample = json_string_value(json_object_get(v, "sample"));
		if (!sample || (!str_has_prefix(sample, "https://") && !str_has_prefix(sample, "http://"))) {
			provider_fail(out, FAULT_RETRY, WHO ": no sample url in the result");
		} else {
			v = json_object_get(v, "seed");
			if (json_is_integer(v)) {
				s = xasprintf("%lld", (long long)json_integer_value(v));
				meta_add(&out->extra, "provider:seed", s);
				free(s);
			}
			/* a signed link: no key */
			http_request_init(&out->next, "GET", sample);
			out->follow = 1;
			out->goto_step = 2;
			out->job_state = "ready";
		}
	} else if (strcmp(status, "Request Moderated") == 0 || strcmp(status, "Content Moderated") == 0) {
		provider_fail(out, FAULT_SAFETY, WHO ": %s", strcmp(status, "Request Moderated") == 0 ?
			      "the request was moderated" : "the image was moderated");
		out->job_state = "moderated";
	} else if (strcmp(status, "Task not found") == 0) {
		provider_fail(out, FAULT_RETRY, WHO ": the service no longer knows the job");
		out->lost = 1;
		out->job_state = "lost";
	} else {
		provider_fail(out, FAULT_RETRY, WHO ": the job failed (%.80s)", status);
		out->job_state = "failed";
	}
	json_decref(root);
	free(url);
}

static void
bfl_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	if (c->step == 0)
		reply_submit(c, resp, out);
	else if (c->step == 1)
		reply_poll(c, resp, out);
	else
		queue_download(WHO, resp, out);
}

static int
bfl_resume(const struct provider_call *c, const char *job, struct http_request *out, int *step)
{
	char *url = poll_url(c, job);

	if (!url)
		return -1;
	http_request_init(out, "GET", url);
	http_request_secret_header(out, "x-key", c->api_key ? c->api_key : "");
	free(url);
	*step = 1;
	return 0;
}

const struct provider provider_bfl = {
	.name = "bfl",
	.impl = "flux2/1",
	.default_endpoint = "https://api.bfl.ai",
	.concurrency = 24,          /* the API's active tasks per account */
	.needs_key = 1,
	.request = bfl_request,
	.reply = bfl_reply,
	.check_model = bfl_check_model,
	.param = bfl_param,
	.native = bfl_native,
	.resume = bfl_resume,
	.poll_interval = 1.0,
};
