/* cmd/pick.c - `assetgen pick NAME SEED`: choose a typography candidate by hand */
#include <stdio.h>

#include "cmd.h"
#include "util.h"

static const char pick_usage[] =
	"usage: assetgen pick NAME SEED\n"
	"Choose the candidate of NAME rendered with SEED (one the typography check\n"
	"listed), whatever its verdict: it is placed and pinned in assetgen.lock\n"
	"as picked, and later builds keep it while the recipe still makes it.\n";

int
cmd_pick(int argc, char **argv, struct global *g)
{
	struct build_args a;
	int first, rc;

	if ((rc = build_args_parse(argc, argv, g, &a, pick_usage, &first)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - first != 2 || parse_u64(argv[first + 1], &a.pick_seed) < 0) {
		fputs(pick_usage, stderr);
		return EXIT_INPUT;
	}
	if (a.locked || a.dry_run || a.intent == INTENT_PREVIEW) {
		warn("pick: --locked, -n and --intent preview do not apply");
		return EXIT_INPUT;
	}
	a.pick = 1;
	return build_with(g, &a, 1, argv + first, NULL);
}
