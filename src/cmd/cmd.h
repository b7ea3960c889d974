/* cmd/cmd.h - subcommands and what they share: loading the project and cache */
#ifndef CMD_H
#define CMD_H

#include "cache/index.h"
#include "plan.h"
#include "recipe.h"
#include "shard.h"
#include "cache/store.h"

struct global {
	const char *dir;          /* -C DIR */
	int level;                /* -q: -1, -v: 1 */
};

struct ctx {
	struct project p;
	int loaded;
	char *cache_dir;          /* absolute */
	char *out_dir;            /* absolute */
	struct store st;
	int store_open;
	struct index *ix;
};

/* The project directory for -C DIR (trusted, whoever owns it) or the cwd
 * (see discover_root); NULL with *why set to the message (malloc'd). */
char *ctx_find_root(const struct global *g, char **why);
/* Find and load the project (assetgen.yaml walking up from -C DIR or the
 * cwd).  Prints diagnostics; returns 0 or EXIT_INPUT. */
int ctx_load(struct ctx *c, const struct global *g);
/* Open the local cache (creating it); rebuilds a lost index from the
 * blobs.  0 or EXIT_BUILD. */
int ctx_open_cache(struct ctx *c);
void ctx_release(struct ctx *c);

/* Mark the assets named in names[] (exact names, or a matrix group such as
 * "portrait-{style}").  *sel is malloc'd, NULL when n == 0 (all).  Unknown
 * names are reported; returns 0 or EXIT_INPUT. */
int select_assets(const struct project *p, char **names, int n, unsigned char **sel);

/* Parse "-j 4"-style counts and money amounts for options. */
int opt_count(const char *opt, const char *s, int *out);
/* --intent ARG: 'final' or 'preview' into *out; 0, or EXIT_INPUT after a
 * message. */
int opt_intent(const char *arg, enum intent *out);
int opt_amount(const char *opt, const char *s, double *out);

int cmd_build(int argc, char **argv, struct global *g);
int cmd_pick(int argc, char **argv, struct global *g);
int cmd_status(int argc, char **argv, struct global *g);
int cmd_clean(int argc, char **argv, struct global *g);
int cmd_graph(int argc, char **argv, struct global *g);
int cmd_routes(int argc, char **argv, struct global *g);
int cmd_upscale(int argc, char **argv, struct global *g);
int cmd_cache(int argc, char **argv, struct global *g);
int cmd_bench(int argc, char **argv, struct global *g);
int cmd_url(int argc, char **argv, struct global *g);
int cmd_watch(int argc, char **argv, struct global *g);

/* What one in-process build did (build_once). */
struct build_summary {
	size_t assets, generated, upscaled, overlaid, restored, fresh, failed, skipped;
	double seconds;
	int interrupted;          /* the signal number, or 0 */
};
/* cmd/build.c: `assetgen build [--intent preview]` of every asset, in
 * process, as `assetgen watch` runs it on each change.  intent: -1 (as
 * the recipes say) or an enum intent.  quiet: no step lines nor summary
 * (input errors and failures still print).  sum may be NULL.  Returns
 * the exit status a `build` would have. */
int build_once(struct global *g, int intent, int quiet, struct build_summary *sum);
/* cmd/build.c, shared with cmd/status.c and cmd/pick.c: the options of
 * build, status and pick, and the load, select and plan they all start
 * with. */
struct build_args {
	int jobs, keep_going, dry_run, explain, locked, upload;
	int pick;                 /* `assetgen pick`: choose pick_seed's candidate */
	uint64_t pick_seed;
	int debug_noop;             /* -d noop: say why a build is or is not a no-op */
	int intent;
	double budget;
	const char *report;
	struct shard shard;       /* --shard I/N; count 0: the whole project */
	int from_cache;           /* --from-cache: place from the caches, generate nothing */
};
/* Parse the options; ASSET names stay in argv from *first on.  0, or
 * EXIT_INPUT; -1 for --help (usage printed). */
int build_args_parse(int argc, char **argv, struct global *g, struct build_args *a, const char *usage,
		     int *first);

struct build_prep {
	struct plan_opts po;
	unsigned char *sel;
	char *rel;
	char *out_dir;
};
/* Load, select and plan (readonly: create no cache).  0 or an exit status. */
int build_prepare(struct ctx *c, struct global *g, const struct build_args *a, char **names, int nnames,
		  int readonly, struct plan *pl, struct build_prep *pp);
/* Release what build_prepare made: c, pl and pp. */
void build_release(struct ctx *c, struct plan *pl, struct build_prep *pp);
/* The plan's lines (all: the fresh assets too), and its totals line. */
void build_print_plan(const struct plan *pl, int all);
void build_print_totals(const struct plan *pl);
/* The build itself: argv[0..argc) are ASSET names; sum (may be NULL)
 * gets what it did. */
int build_with(struct global *g, const struct build_args *args, int argc, char **argv,
	       struct build_summary *sum);

int cmd_why(int argc, char **argv, struct global *g);
int cmd_init(int argc, char **argv, struct global *g);
int cmd_jobs(int argc, char **argv, struct global *g);
int cmd_verify(int argc, char **argv, struct global *g);
int cmd_credentials(int argc, char **argv, struct global *g);

#endif
