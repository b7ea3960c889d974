/* build.h - the scheduler: runs a plan with -j, -k, budget, retries and fallbacks
 *
 * One event loop on the calling thread drives every HTTP transfer (one
 * libcurl multi loop) and every decision: which candidate next, when to
 * retry (exponential backoff with full jitter, honouring Retry-After),
 * when to fall back, when a model is cooled down.  CPU work - rendering,
 * reading provider replies, PNG decode and encode, upscaling, storing and
 * placing - runs on a pool of worker threads, so a slow encode never stalls
 * transfers.  Workers record each stored blob in the index as soon as it
 * exists, so a killed build keeps every finished artifact.  Progress goes
 * through status.c; the scheduler itself never prints.
 */
#ifndef BUILD_H
#define BUILD_H

#include <signal.h>
#include <stddef.h>

#include "plan.h"
#include "crypto.h"
#include "png.h"
#include "provider/provider.h"
#include "status.h"
#include "cache/store.h"

#define BUILD_BREAKER 3           /* assets in a row that spent every attempt on a model cool it down */
#define BUILD_RETRY_AFTER_MAX 300 /* seconds; a longer Retry-After moves on to the next model */

struct build_opts {
	int jobs;                 /* -j; <= 0: a default (CPUs, or 8 with remote models) */
	int keep_going;           /* -k */
	double per_build;         /* budget; < 0: no cap */
	double per_asset;         /* budget.per_asset: an asset's candidates together; < 0: no cap */
	const char *cache_dir;    /* for the workers' index connections */
	const char *out_dir;      /* absolute: DIST */
	const char *out_sub;      /* NULL, or "preview": the outputs go to DIST/preview */
	double backoff_base;      /* seconds; first retry waits up to this (0: 0.5) */
	double backoff_cap;       /* seconds (0: 20) */
	int locked;               /* --locked, --from-cache: never call a model (--locked
	                           * makes the built-in model's pinned assets again) */
	int from_cache;           /* --from-cache: not even the built-in model */
	int checks_quiet;         /* bench: a failed typography check is the measurement, not news */
	const struct pngio_opts *png; /* level and filter of the PNGs encoded; NULL: defaults */
	const struct crypto_creds *creds; /* sign every output (seal.h); NULL: unsigned */
};

enum outcome {
	OUT_FRESH,
	OUT_RESTORED,
	OUT_UPSCALED,
	OUT_GENERATED,
	OUT_FAILED,
	OUT_SKIPPED,              /* not dispatched: stopped early or over budget */
	OUT_OVERLAID,             /* the overlay drawn on a cached generation (then upscaled) */
};
#define OUT_NOUTCOMES (OUT_OVERLAID + 1)

struct item_result {
	enum outcome outcome;
	const char *model;        /* name of the model used, or NULL */
	int fallback;             /* made by a candidate after the first */
	int attempts;             /* requests or renders, all candidates */
	double seconds;
	double cost;              /* spent */
	double saved;             /* cost of the cached artifact reused */
	char *err;                /* malloc'd, for OUT_FAILED / OUT_SKIPPED */
	struct key digest;        /* the output's blob */
	size_t cand;              /* the candidate that made it */
	char note[192];           /* a queued job submitted again (its result expired), or "" */
};

/* Per model: what its requests did. */
struct model_stats {
	const char *name;
	size_t attempts;
	size_t ok;
	size_t faults[FAULT_SAFETY + 1];     /* failed attempts by class */
	double *latency;                     /* seconds of each attempt */
	size_t nlatency, latcap;
	int consecutive;                     /* assets in a row that exhausted their attempts */
	int cooled;                          /* the breaker tripped */
};

struct build_stats {
	size_t counts[OUT_NOUTCOMES];
	double spent, saved;
	double seconds;
	int interrupted;          /* the signal number, or 0 */
	struct model_stats *models;
	size_t nmodels;
};

extern volatile sig_atomic_t build_interrupted;

/* Run pl; results[i] for pl->items[i].  0 when every item succeeded. */
int build_run(struct plan *pl, struct store *st, const struct build_opts *o,
	      struct status *status, struct item_result *results, struct build_stats *stats);
void build_stats_release(struct build_stats *stats);

const char *outcome_name(enum outcome o);

#endif
