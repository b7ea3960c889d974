/* jobs.h - jobs at queued APIs: submitted, polled, downloaded, and
 * recorded in the index so that none is ever paid for twice
 *
 * A queued provider's submit reply carries the job's handle (its id, its
 * polling URLs).  The worker that reads the reply records it in the index
 * (cache/index.h, the jobs table) before the build waits on it, with the
 * asset's key, the model, the attempt and the time.  Each later reply
 * moves the job on:
 *
 *   submitted -> queued / running -> ready -> downloaded -> cached
 *             \-> failed | moderated | expired | lost | cancelled
 *
 * A build that finds a job in flight for the key it is about to generate
 * picks it up by its handle (provider->resume) instead of submitting it
 * again.  A job the service no longer knows, or whose result expired, is
 * submitted once more, and the build says what that costs.
 */
#ifndef JOBS_H
#define JOBS_H

#include "key.h"
#include "cache/index.h"
#include "provider/provider.h"

/* Is the recorded state one a build can still pick up? */
int jobs_resumable(const char *state);
/* After reply r of a queued provider to attempt `attempt` of the asset
 * named asset (generation key key, model m): record the job it submitted,
 * or the state it reports.  A no-op for a provider that is not queued. */
void jobs_note(struct index *ix, const struct key *key, const char *asset, const struct model *m,
	       const struct provider *p, int attempt, const struct provider_reply *r);
/* Set the state of key's job, if it has one. */
void jobs_set(struct index *ix, const struct key *key, const char *state);
/* A job for key that an earlier build left in flight: 1, with *req the
 * request that picks it up, *step its step, *handle its record
 * (malloc'd) and *age the seconds since it was submitted; 0 when there is
 * none (or it cannot be picked up). */
int jobs_resume(struct index *ix, const struct key *key, const struct provider *p,
		const struct provider_call *c, struct http_request *req, int *step, char **handle,
		double *age);
/* Has key a job at p that a build can pick up? */
int jobs_pending(struct index *ix, const struct key *key, const struct provider *p);
/* Seconds to wait before the next status request of a job: the
 * provider's polling interval, or the server's Retry-After if longer. */
double jobs_poll_wait(const struct provider *p, const struct provider_reply *r);
/* Ask the service to cancel key's job (a build interrupted): a blocking
 * request of at most timeout_ms, where the API has a cancel call.  The job
 * is marked cancelled when the service took it, and kept for resume when
 * not.  1 cancelled, 0 not. */
int jobs_cancel(struct index *ix, const struct key *key, const struct provider *p,
		const struct provider_call *c, long timeout_ms);

#endif
