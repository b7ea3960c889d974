/* cmd/routes.c - `assetgen routes [ASSET...]`: each asset's candidates and why */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "refs.h"
#include "route.h"
#include "util.h"

int
cmd_routes(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"intent", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct route_result rr;
	unsigned char *sel;
	struct ctx c;
	enum intent want;
	size_t i, j;
	int first;
	int opt, rc, intent = -1;

	while ((opt = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': g->dir = optarg; break;
		case 'I':
			if (opt_intent(optarg, &want) != 0)
				return EXIT_INPUT;
			intent = (int)want;
			break;
		default:
			fputs("usage: assetgen routes [ASSET...] [--intent preview|final]\n"
			      "Show each asset's model candidates, in fallback order, and the rule that chose them.\n",
			      opt == 'h' ? stdout : stderr);
			return opt == 'h' ? EXIT_OK : EXIT_INPUT;
		}
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	if ((rc = select_assets(&c.p, argv + optind, argc - optind, &sel)) != 0) {
		ctx_release(&c);
		return rc;
	}
	if (sel)
		refs_close(&c.p, sel);      /* what it is made from is routed too */
	for (i = 0; i < c.p.nassets; i++) {
		const struct asset *a = &c.p.assets[i];

		if (sel && !sel[i])
			continue;
		printf("%s:", a->name);
		if (route_asset(&c.p, a, intent, c.p.cfg.per_request, &rr) < 0) {
			printf(" no route matches\n");
			rc = EXIT_BUILD;
			continue;
		}
		for (j = 0; j < rr.ncands; j++)
			printf("%s %s (%.3f)", j ? "," : "", rr.cands[j]->name, rr.cands[j]->cost);
		if (rr.ncands == 0) {
			printf(rr.nbudget == rr.nskipped ? " no candidate within budget.per_request" :
			       " no candidate can serve it");
			rc = EXIT_BUILD;
		}
		if (rr.rule)
			printf("  [route %d at %s:%d:%d]", rr.rule_index + 1, rr.rule->loc.file,
			       rr.rule->loc.line, rr.rule->loc.col);
		else
			printf("  [%s]", rr.why);
		for (j = 0; j < rr.nskipped; j++)
			printf(" (skipped %s: %s)", rr.skipped[j]->name, rr.skip_why[j]);
		for (j = 0, first = 1; j < a->ninputs; j++) {
			if (!a->inputs[j].asset)
				continue;
			printf("%s%s", first ? "  after " : ", ", a->inputs[j].asset);
			first = 0;
		}
		putchar('\n');
	}
	free(sel);
	ctx_release(&c);
	return rc;
}
