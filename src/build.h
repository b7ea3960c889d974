/* build.h - the scheduler: runs a plan with -j workers, -k, budget
 *
 * CPU work (render, PNG encode/decode, upscale) runs on a pool of worker
 * threads; each records what it stored in the index as soon as it is
 * stored, so a killed build keeps every finished artifact.  Progress goes
 * through status.c; the scheduler never prints.
 */
#ifndef BUILD_H
#define BUILD_H

#include <signal.h>
#include <stddef.h>

#include "plan.h"
#include "status.h"
#include "store.h"

struct build_opts {
	int jobs;                 /* -j; <= 0: number of CPUs */
	int keep_going;           /* -k */
	double per_build;         /* budget; < 0: no cap */
	const char *cache_dir;    /* for the workers' index connections */
	const char *out_dir;      /* absolute */
};

enum outcome {
	OUT_FRESH,
	OUT_RESTORED,
	OUT_UPSCALED,
	OUT_GENERATED,
	OUT_FAILED,
	OUT_SKIPPED,              /* not dispatched: stopped early or over budget */
};

struct item_result {
	enum outcome outcome;
	const char *model;        /* name of the model used, or NULL */
	int fallback;             /* made by a candidate after the first */
	int attempts;
	double seconds;
	double cost;              /* spent */
	double saved;             /* cost of the cached artifact reused */
	char *err;                /* malloc'd, for OUT_FAILED / OUT_SKIPPED */
	struct key digest;        /* the output's blob */
};

struct build_stats {
	size_t counts[OUT_SKIPPED + 1];
	double spent, saved;
	double seconds;
	int interrupted;          /* the signal number, or 0 */
};

extern volatile sig_atomic_t build_interrupted;

/* Run pl; results[i] for pl->items[i].  0 when every item succeeded. */
int build_run(struct plan *pl, struct store *st, const struct build_opts *o,
	      struct status *status, struct item_result *results, struct build_stats *stats);

const char *outcome_name(enum outcome o);

#endif
