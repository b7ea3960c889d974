/* cmd/status.c - `assetgen status [ASSET...]`: what a build would do, and why */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "cmd.h"
#include "plan.h"
#include "cache/sync.h"
#include "util.h"

static const char status_usage[] =
	"usage: assetgen status [ASSET...] [--intent preview|final]\n"
	"List what a build would do, and why.  Exit 1 when anything would be\n"
	"rebuilt, 0 when everything is up to date (like make -q).  Before the\n"
	"first build (no output directory yet: a fresh checkout) only\n"
	"assetgen.lock is judged: exit 1 when it does not pin every asset.\n";

int
cmd_status(int argc, char **argv, struct global *g)
{
	struct build_args a;
	struct plan pl = {0};
	struct build_prep pp = {0};
	struct sync sy = {0};
	struct ctx c;
	size_t stale = 0;
	int first, rc, have_sync = 0, unbuilt;

	memset(&c, 0, sizeof(c));
	if ((rc = build_args_parse(argc, argv, g, &a, status_usage, &first)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = build_prepare(&c, g, &a, argv + first, argc - first, 1, &pl, &pp)) != 0)
		goto out;
	if ((rc = sync_open(&sy, &c, 0)) != 0)
		goto out;
	have_sync = 1;
	if (a.intent != INTENT_PREVIEW)
		stale = sync_stale_lock(&sy, &pl, g->level >= 0);
	/* a tree never built here (a fresh checkout, a CI runner): its
	 * outputs are not out of date, they do not exist yet, and a build
	 * (--locked) makes them from the lock; what can be stale is the lock */
	unbuilt = access(pp.out_dir, F_OK) < 0 && errno == ENOENT;
	if (pl.counts[PLAN_FRESH] == pl.nitems && !stale) {
		if (g->level >= 0)
			printf("up to date (%zu assets)\n", pl.nitems);
	} else if (unbuilt && !stale && a.intent != INTENT_PREVIEW) {
		if (g->level >= 0)
			printf("not built yet (no %s/); assetgen.lock pins all %zu assets\n", pp.rel,
			       pl.nitems);
	} else {
		build_print_plan(&pl, g->level > 0);
		if (g->level >= 0) {
			build_print_totals(&pl);
			if (stale)
				printf("assetgen.lock: %zu asset%s not pinned to the current key\n", stale,
				       stale == 1 ? "" : "s");
		}
		rc = EXIT_BUILD;
	}
out:
	if (have_sync)
		sync_close(&sy);
	build_release(&c, &pl, &pp);
	return rc;
}
