/* provider/comfyui.c - ComfyUI on the team's own GPU box, through its queue
 *
 * The model names a workflow file in ComfyUI's API format (`workflow:`,
 * exported with "Save (API)"), whose content is part of the key, like a
 * font.  Its string inputs may be placeholders that assetgen fills:
 * "{{prompt}}" (required), "{{negative_prompt}}", "{{seed}}", "{{width}}",
 * "{{height}}" (numbers), and "{{param:NAME}}" for the asset's param NAME
 * (typed as the param is).  POST {endpoint}/prompt {"prompt": graph,
 * "client_id"} -> {"prompt_id", "number", "node_errors"}: the job,
 * recorded before the build waits; a refused graph (400) is reported with
 * each node's id, class and error.  Then GET /queue while the job is
 * pending or running, GET /history/{id} once it is not (an empty answer:
 * the server lost the job, as after a restart), and GET
 * /view?filename=&subfolder=&type= of its first image.  An
 * execution_error in the history is reported with the node's id and
 * class.  Cancel: POST /queue {"delete": [id]}.  No key; concurrency 1
 * (one GPU).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "comfyui"
#define CLIENT_ID "assetgen"

static const char *const fixed[] = { "prompt", "negative_prompt", "seed", "width", "height" };
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

/* Is s a placeholder "{{...}}"?  *name, *len: what is inside. */
static int
placeholder(const char *s, const char **name, size_t *len)
{
	size_t n = strlen(s);

	if (n < 5 || strncmp(s, "{{", 2) != 0 || strcmp(s + n - 2, "}}") != 0)
		return 0;
	*name = s + 2;
	*len = n - 4;
	return 1;
}

/* Visit every placeholder of the graph: fn(value's holder, key, name, len, arg);
 * a nonzero return stops the walk and is returned. */
static int
walk(json_t *v, int (*fn)(json_t *holder, const char *key, size_t idx, const char *name,
			  size_t len, void *arg), void *arg)
{
	const char *k, *name;
	json_t *x;
	size_t i, len;
	int r;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (json_is_string(x) && placeholder(json_string_value(x), &name, &len)) {
				if ((r = fn(v, k, 0, name, len, arg)))
					return r;
			} else if ((r = walk(x, fn, arg))) {
				return r;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (json_is_string(x) && placeholder(json_string_value(x), &name, &len)) {
				if ((r = fn(v, NULL, i, name, len, arg)))
					return r;
			} else if ((r = walk(x, fn, arg))) {
				return r;
			}
		}
	}
	return 0;
}

struct scan {
	int has_prompt;
	const char *param;      /* looked for, or NULL */
	int has_param;
	char bad[80];           /* an unknown placeholder */
};

static int
scan_one(json_t *holder, const char *key, size_t idx, const char *name, size_t len, void *arg)
{
	struct scan *s = arg;
	size_t i;

	(void)holder, (void)key, (void)idx;
	if (len == 6 && strncmp(name, "prompt", 6) == 0)
		s->has_prompt = 1;
	if (len > 6 && strncmp(name, "param:", 6) == 0) {
		if (s->param && strlen(s->param) == len - 6 && strncmp(name + 6, s->param, len - 6) == 0)
			s->has_param = 1;
		return 0;
	}
	for (i = 0; i < NFIXED; i++)
		if (strlen(fixed[i]) == len && strncmp(name, fixed[i], len) == 0)
			return 0;
	snprintf(s->bad, sizeof(s->bad), "%.*s", (int)(len < 60 ? len : 60), name);
	return 1;
}

/* The workflow as a graph of nodes {class_type, inputs}; NULL with *err. */
static json_t *
graph_load(const struct model *m, char **err)
{
	json_error_t je;
	json_t *g, *node;
	const char *id;

	if (!m->workflow_json) {
		*err = xstrdup("comfyui needs a `workflow:` file (the graph in ComfyUI's API format)");
		return NULL;
	}
	if (!(g = json_loads(m->workflow_json, JSON_REJECT_DUPLICATES, &je))) {
		*err = xasprintf("workflow '%s': line %d: %s", m->workflow, je.line, je.text);
		return NULL;
	}
	if (!json_is_object(g) || json_object_size(g) == 0) {
		*err = xasprintf("workflow '%s' is not a graph in ComfyUI's API format (an object of"
				 " nodes; export it with \"Save (API)\")", m->workflow);
		json_decref(g);
		return NULL;
	}
	json_object_foreach(g, id, node) {
		if (!json_is_string(json_object_get(node, "class_type")) ||
		    !json_is_object(json_object_get(node, "inputs"))) {
			*err = xasprintf("workflow '%s': node %.40s has no class_type and inputs (is it the"
					 " UI format? export it with \"Save (API)\")", m->workflow, id);
			json_decref(g);
			return NULL;
		}
	}
	return g;
}

static int
comfyui_check_model(const struct model *m, char **err)
{
	struct scan s = {0};
	json_t *g = graph_load(m, err);

	if (!g)
		return -1;
	walk(g, scan_one, &s);
	json_decref(g);
	if (s.bad[0]) {
		*err = xasprintf("workflow '%s': unknown placeholder {{%s}} (prompt, negative_prompt,"
				 " seed, width, height or param:NAME)", m->workflow, s.bad);
		return -1;
	}
	if (!s.has_prompt) {
		*err = xasprintf("workflow '%s' has no {{prompt}} placeholder", m->workflow);
		return -1;
	}
	return 0;
}

/* A param goes where the workflow has its {{param:NAME}}; a portable one
 * without is dropped, any other refused. */
static enum param_use
comfyui_param(const struct model *m, const struct param *p, char **why)
{
	struct scan s = {0};
	char *err = NULL;
	json_t *g = graph_load(m, &err);

	if (!g) {
		*why = err;
		return PARAM_REJECT;
	}
	s.param = p->name;
	walk(g, scan_one, &s);
	json_decref(g);
	if (s.has_param)
		return PARAM_SEND;
	*why = xasprintf("workflow '%s' has no {{param:%s}} placeholder", m->workflow, p->name);
	return provider_param_portable(p->name) ? PARAM_DROP : PARAM_REJECT;
}

static int
fill_one(json_t *holder, const char *key, size_t idx, const char *name, size_t len, void *arg)
{
	const struct render_req *r = arg;
	json_t *v = NULL;
	size_t i;

	if (len == 6 && !strncmp(name, "prompt", 6))
		v = json_string(r->prompt);
	else if (len == 15 && !strncmp(name, "negative_prompt", 15))
		v = json_string(r->negative_prompt ? r->negative_prompt : "");
	else if (len == 4 && !strncmp(name, "seed", 4))
		v = json_integer((json_int_t)(r->seed & INT64_MAX));
	else if (len == 5 && !strncmp(name, "width", 5))
		v = json_integer(r->width);
	else if (len == 6 && !strncmp(name, "height", 6))
		v = json_integer(r->height);
	else if (len > 6 && !strncmp(name, "param:", 6))
		for (i = 0; i < r->nparams && !v; i++)
			if (strlen(r->params[i].name) == len - 6 && !strncmp(r->params[i].name, name + 6, len - 6))
				v = provider_param_json(&r->params[i]);
	if (!v)
		return 0;       /* a param the asset does not set: left as the file has it */
	if (key)
		json_object_set_new(holder, key, v);
	else
		json_array_set_new(holder, idx, v);
	return 0;
}

static int
comfyui_request(const struct provider_call *c, struct http_request *out, char **err)
{
	json_t *g = graph_load(c->model, err), *root;
	char *body, *url;

	if (!g)
		return -1;
	walk(g, fill_one, (void *)c->req);
	root = json_pack("{s:o, s:s}", "prompt", g, "client_id", CLIENT_ID);
	body = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!body) {
		*err = xstrdup(WHO ": cannot encode the request");
		return -1;
	}
	url = provider_url(c->endpoint, "/prompt");
	http_request_init(out, "POST", url);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	return 0;
}

/* "node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: ...; ..." */
static void
node_errors(json_t *ne, struct buf *b)
{
	const char *id, *msg, *det;
	json_t *n, *e;
	size_t i;

	json_object_foreach(ne, id, n) {
		json_array_foreach(json_object_get(n, "errors"), i, e) {
			msg = json_string_value(json_object_get(e, "message"));
			det = json_string_value(json_object_get(e, "details"));
			buf_printf(b, "%snode %.40s (%.60s): %.120s%s%.200s", b->len ? "; " : "", id,
				   json_string_value(json_object_get(n, "class_type")) ?
				   json_string_value(json_object_get(n, "class_type")) : "?",
				   msg ? msg : "error", det && *det ? ": " : "", det ? det : "");
			if (b->len > 1000)
				return;
		}
	}
}

static void
reply_submit(const struct provider_call *c, const struct http_response *resp,
	     struct provider_reply *out)
{
	json_t *root = queue_json(resp), *e;
	const char *id;
	struct buf b = BUF_INIT;
	char *url;

	if (resp->transport == HTTP_OK && resp->status == 400 && root) {
		node_errors(json_object_get(root, "node_errors"), &b);
		e = json_object_get(root, "error");
		if (!b.len)
			buf_printf(&b, "%.300s", json_is_string(e) ? json_string_value(e) :
				   json_string_value(json_object_get(e, "message")) ?
				   json_string_value(json_object_get(e, "message")) : "invalid graph");
		provider_fail(out, FAULT_PERMANENT, WHO ": the workflow was refused: %s", b.data);
		buf_release(&b);
		json_decref(root);
		return;
	}
	if (provider_http_failed(WHO, resp, out)) {
		json_decref(root);
		return;
	}
	id = json_string_value(json_object_get(root, "prompt_id"));
	if (!root || !id || !*id || strlen(id) > 100 || strspn(id, "0123456789abcdef-") != strlen(id)) {
		provider_fail(out, FAULT_RETRY, WHO ": no prompt_id in response");
		json_decref(root);
		return;
	}
	out->job = xasprintf("{\"prompt_id\":\"%s\"}", id);
	json_decref(root);
	url = provider_url(c->endpoint, "/queue");
	queue_poll(c, out, url, NULL, NULL, 1, "queued");
	free(url);
}

/* Is id in the queue list (of [number, id, ...] entries)? */
static int
in_list(json_t *list, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (json_is_string(json_array_get(e, 1)) && !strcmp(json_string_value(json_array_get(e, 1)), id))
			return 1;
	return 0;
}

static void
reply_queue(const struct provider_call *c, const struct http_response *resp,
	    struct provider_reply *out)
{
	char *id = queue_job_field(c->job, "prompt_id"), *url = provider_url(c->endpoint, "/queue"), *path;
	json_t *root = NULL;

	if (!id) {
		provider_fail(out, FAULT_RETRY, WHO ": no job to poll");
		out->lost = 1;
	} else if (resp->transport != HTTP_OK || resp->status < 200 || resp->status > 299) {
		queue_poll_failed(WHO, c, resp, out, url, NULL, NULL, 1);
	} else if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON from /queue");
	} else if (in_list(json_object_get(root, "queue_running"), id) ||
		   in_list(json_object_get(root, "queue_pending"), id)) {
		if (queue_poll_more(WHO, c, out, provider_comfyui.poll_interval))
			queue_poll(c, out, url, NULL, NULL, 1,
				   in_list(json_object_get(root, "queue_running"), id) ? "running" : "queued");
	} else {
		/* out of the queue: its history is written before it leaves */
		path = xasprintf("/history/%s", id);
		free(url);
		url = provider_url(c->endpoint, path);
		free(path);
		http_request_init(&out->next, "GET", url);
		out->follow = 1;
		out->goto_step = 2;
	}
	json_decref(root);
	free(id);
	free(url);
}

/* "%XX" for all but unreserved characters. */
static void
put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			buf_putc(b, (char)ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

static void
reply_history(const struct provider_call *c, const struct http_response *resp,
	      struct provider_reply *out)
{
	char *id = queue_job_field(c->job, "prompt_id"), *url;
	json_t *root = NULL, *h, *st, *msg, *outputs, *img, *n, *d;
	const char *nid, *f, *sub, *type;
	struct buf b = BUF_INIT;
	size_t i;

	if (!id || provider_http_failed(WHO, resp, out))
		goto out;
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON from /history");
		goto out;
	}
	if (!(h = json_object_get(root, id))) {
		provider_fail(out, FAULT_RETRY, WHO ": the server no longer knows the job (not queued,"
			      " no history)");
		out->lost = 1;
		out->job_state = "lost";
		goto out;
	}
	st = json_object_get(h, "status");
	if (json_is_string(json_object_get(st, "status_str")) &&
	    strcmp(json_string_value(json_object_get(st, "status_str")), "error") == 0) {
		json_array_foreach(json_object_get(st, "messages"), i, msg) {
			if (!json_is_string(json_array_get(msg, 0)) ||
			    strcmp(json_string_value(json_array_get(msg, 0)), "execution_error"))
				continue;
			d = json_array_get(msg, 1);
			buf_printf(&b, "node %.40s (%.60s): %.300s",
				   json_string_value(json_object_get(d, "node_id")) ?
				   json_string_value(json_object_get(d, "node_id")) : "?",
				   json_string_value(json_object_get(d, "node_type")) ?
				   json_string_value(json_object_get(d, "node_type")) : "?",
				   json_string_value(json_object_get(d, "exception_message")) ?
				   json_string_value(json_object_get(d, "exception_message")) : "failed");
			break;
		}
		provider_fail(out, FAULT_PERMANENT, WHO ": the workflow failed: %s",
			      b.len ? b.data : "an error without an execution_error message");
		out->job_state = "failed";
		goto out;
	}
	outputs = json_object_get(h, "outputs");
	img = NULL;
	json_object_foreach(outputs, nid, n) {
		img = json_array_get(json_object_get(n, "images"), 0);
		if (img)
			break;
	}
	f = json_string_value(json_object_get(img, "filename"));
	sub = json_string_value(json_object_get(img, "subfolder"));
	type = json_string_value(json_object_get(img, "type"));
	if (!f || !*f) {
		provider_fail(out, FAULT_PERMANENT, WHO ": the workflow saved no image (it needs a"
			      " SaveImage node)");
		out->job_state = "failed";
		goto out;
	}
	buf_puts(&b, "/view?filename=");
	put_escaped(&b, f);
	buf_puts(&b, "&subfolder=");
	put_escaped(&b, sub ? sub : "");
	buf_puts(&b, "&type=");
	put_escaped(&b, type ? type : "output");
	url = provider_url(c->endpoint, b.data);
	http_request_init(&out->next, "GET", url);
	free(url);
	out->follow = 1;
	out->goto_step = 3;
	out->job_state = "ready";
out:
	buf_release(&b);
	json_decref(root);
	free(id);
}

static void
comfyui_reply(const struct provider_call *c, const struct http_response *resp,
	      struct provider_reply *out)
{
	switch (c->step) {
	case 0: reply_submit(c, resp, out); break;
	case 1: reply_queue(c, resp, out); break;
	case 2: reply_history(c, resp, out); break;
	default: queue_download(WHO, resp, out); break;
	}
}

static int
comfyui_resume(const struct provider_call *c, const char *job, struct http_request *out, int *step)
{
	char *id = queue_job_field(job, "prompt_id"), *url;

	if (!id)
		return -1;
	free(id);
	url = provider_url(c->endpoint, "/queue");
	http_request_init(out, "GET", url);
	free(url);
	*step = 1;
	return 0;
}

static int
comfyui_cancel(const struct provider_call *c, const char *job, struct http_request *out)
{
	char *id = queue_job_field(job, "prompt_id"), *url;

	if (!id)
		return -1;
	url = provider_url(c->endpoint, "/queue");
	http_request_init(out, "POST", url);
	free(url);
	buf_printf(&out->body, "{\"delete\":[\"%s\"]}", id);
	http_request_header(out, "Content-Type", "application/json");
	free(id);
	return 0;
}

const struct provider provider_comfyui = {
	.name = "comfyui",
	.impl = "prompt/1",
	.default_endpoint = "http://127.0.0.1:8188",
	.concurrency = 1,           /* one GPU */
	.request = comfyui_request,
	.reply = comfyui_reply,
	.check_model = comfyui_check_model,
	.param = comfyui_param,
	.resume = comfyui_resume,
	.cancel = comfyui_cancel,
	.poll_interval = 0.5,       /* a local server with no rate limit */
};
