/* cmd.h - subcommands and what they share: loading the project and cache */
#ifndef CMD_H
#define CMD_H

#include "index.h"
#include "recipe.h"
#include "store.h"

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

struct plan;
/* Can every candidate make its asset?  Sizes a provider cannot make are
 * config errors, reported (file:line:col) before anything runs.  0 or
 * EXIT_INPUT. */
int plan_check_models(const struct plan *pl);
/* Every model the plan may call has its API key in the environment?
 * Says which variable is missing, before any request.  0 or EXIT_INPUT. */
int plan_check_keys(const struct plan *pl);

/* Parse "-j 4"-style counts and money amounts for options. */
int opt_count(const char *opt, const char *s, int *out);
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
/* cmd_build.c: `assetgen build [--intent preview]` of every asset, in
 * process, as `assetgen watch` runs it on each change.  intent: -1 (as
 * the recipes say) or an enum intent.  quiet: no step lines nor summary
 * (input errors and failures still print).  sum may be NULL.  Returns
 * the exit status a `build` would have. */
int build_once(struct global *g, int intent, int quiet, struct build_summary *sum);
int cmd_why(int argc, char **argv, struct global *g);
int cmd_init(int argc, char **argv, struct global *g);

#endif
