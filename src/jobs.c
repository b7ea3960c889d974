/* jobs.c - the durable record of each job at a queued API (jobs.h) */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "util.h"

static const char *const resumable[] = { "submitted", "queued", "running", "ready", "downloaded" };

int
jobs_resumable(const char *state)
{
	return provider_name_in(state, resumable, sizeof(resumable) / sizeof(resumable[0]));
}

void
jobs_note(struct index *ix, const struct key *key, const char *asset, const struct model *m,
	  const struct provider *p, int attempt, const struct provider_reply *r)
{
	struct job_rec j;

	if (!ix || !p->resume)
		return;
	if (r->job) {
		memset(&j, 0, sizeof(j));
		j.key = *key;
		j.asset = (char *)asset;
		j.model = m->name;
		j.provider = (char *)p->name;
		j.handle = r->job;
		j.state = (char *)(r->job_state ? r->job_state : "submitted");
		j.attempt = attempt;
		j.cost = m->cost;
		j.submitted = j.updated = (int64_t)time(NULL);
		index_job_put(ix, &j);
		return;
	}
	if (r->fault != FAULT_NONE)
		jobs_set(ix, key, r->job_state ? r->job_state : r->lost ? "lost" :
			 r->fault == FAULT_SAFETY ? "moderated" : "failed");
	else if (r->job_state)
		jobs_set(ix, key, r->job_state);
	else if (!r->follow)
		jobs_set(ix, key, "downloaded");
}

void
jobs_set(struct index *ix, const struct key *key, const char *state)
{
	if (ix)
		index_job_state(ix, key, state);
}

int
jobs_resume(struct index *ix, const struct key *key, const struct provider *p,
	    const struct provider_call *c, struct http_request *req, int *step, char **handle,
	    double *age)
{
	struct job_rec j;
	int r = 0;

	if (!ix || !p->resume || index_job_get(ix, key, &j) != 1)
		return 0;
	if (jobs_resumable(j.state) && strcmp(j.provider, p->name) == 0 &&
	    p->resume(c, j.handle, req, step) == 0) {
		*age = (double)(time(NULL) - j.submitted);
		*handle = j.handle;
		j.handle = NULL;
		r = 1;
	}
	index_job_release(&j);
	return r;
}

int
jobs_pending(struct index *ix, const struct key *key, const struct provider *p)
{
	struct job_rec j;
	int r;

	if (!ix || !p || !p->resume || index_job_get(ix, key, &j) != 1)
		return 0;
	r = jobs_resumable(j.state) && strcmp(j.provider, p->name) == 0;
	index_job_release(&j);
	return r;
}

double
jobs_poll_wait(const struct provider *p, const struct provider_reply *r)
{
	double d = p->poll_interval > 0 ? p->poll_interval : 1.0;

	return r->retry_after > d ? r->retry_after : d;
}

int
jobs_cancel(struct index *ix, const struct key *key, const struct provider *p,
	    const struct provider_call *c, long timeout_ms)
{
	struct http_request req;
	struct http_response resp;
	struct job_rec j;
	int r = 0;

	if (!ix || !p->cancel || index_job_get(ix, key, &j) != 1)
		return 0;
	if (jobs_resumable(j.state) && p->cancel(c, j.handle, &req) == 0) {
		http_fetch(&req, timeout_ms, &resp);
		if (resp.transport == HTTP_OK && resp.status >= 200 && resp.status < 300) {
			index_job_state(ix, key, "cancelled");
			r = 1;
		}
		http_response_release(&resp);
		http_request_release(&req);
	}
	index_job_release(&j);
	return r;
}
