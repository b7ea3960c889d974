/* main.c - global flags and the subcommand table */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct global *g);
	const char *what;
} commands[] = {
	{"build", cmd_build, "generate what changed, upscale, place outputs"},
	{"status", cmd_status, "list what a build would do, and why (exit 1 if anything)"},
	{"routes", cmd_routes, "show each asset's model candidates and the rule that chose them"},
	{"clean", cmd_clean, "remove outputs (and with --cache, the cache)"},
	{"graph", cmd_graph, "print the dependency graph in DOT"},
	{"upscale", cmd_upscale, "upscale one PNG file with the built-in kernels"},
	{"cache", cmd_cache, "cache stats | verify [--repair] | gc | push | pull"},
	{"jobs", cmd_jobs, "list the jobs at queued APIs (bfl, fal, replicate, comfyui): age and state"},
	{"bench", cmd_bench, "measure a model or route: latency p50/p95/p99, failures, cost"},
	{"url", cmd_url, "print a signed, expiring link to a built output (nginx secure_link or S3)"},
	{"watch", cmd_watch, "rebuild previews when a recipe is saved; --serve PORT for a live gallery"},
	{"pick", cmd_pick, "choose one of an asset's typography candidates by its seed"},
	{"why", cmd_why, "which recipe made this PNG, and is it still current?"},
	{"init", cmd_init, "scaffold a new project (assetgen.yaml, recipes/, .gitignore)"},
	{"verify", cmd_verify, "check PNGs' content credentials (C2PA): exit 0 valid, 1 invalid, 2 none"},
	{"credentials", cmd_credentials, "init: make development signing credentials"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: assetgen [-C DIR] [-q|-v] COMMAND [ARGS]\n\n"
		"A make-like build tool for AI-generated images.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\noptions:\n"
		"  -C DIR     run as if started in DIR\n"
		"  -q, -v     quieter, more verbose\n"
		"  --version  print the version\n"
		"  --help     this help; 'assetgen COMMAND --help' for a command\n"
		"\nexit status: 0 ok, 1 a build step failed (or status found work),\n"
		"2 usage or invalid input, 128+N interrupted by signal N\n");
}

int
main(int argc, char **argv)
{
	struct global g = {0};
	const struct command *cmd = NULL;
	size_t i;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* keep freed memory for the next asset: giving it back after each
	 * (a deflate state, an image) costs an madvise and a TLB shootdown
	 * on every core, more than the work it frees */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	argc--, argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--version") == 0) {
			printf("assetgen %s\n", ASSETGEN_VERSION);
			return EXIT_OK;
		} else if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[0], "-C") == 0 && argc > 1) {
			g.dir = argv[1];
			argc--, argv++;
		} else if (strncmp(argv[0], "-C", 2) == 0 && argv[0][2]) {
			g.dir = argv[0] + 2;
		} else if (strcmp(argv[0], "-q") == 0) {
			g.level = -1;
		} else if (strcmp(argv[0], "-v") == 0) {
			g.level = 1;
		} else {
			warn("unknown option '%s'", argv[0]);
			usage(stderr);
			return EXIT_INPUT;
		}
		argc--, argv++;
	}
	if (argc == 0) {
		usage(stderr);
		return EXIT_INPUT;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		const char *best = NULL;
		unsigned d, bestd = 3;

		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if ((d = str_distance(commands[i].name, argv[0])) < bestd) {
				bestd = d;
				best = commands[i].name;
			}
		if (best)
			warn("unknown command '%s' (did you mean '%s'?)", argv[0], best);
		else
			warn("unknown command '%s'; see 'assetgen --help'", argv[0]);
		return EXIT_INPUT;
	}
	rc = cmd->fn(argc, argv, &g);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			warn("cannot write to standard output:");
		if (rc == EXIT_OK)
			rc = EXIT_BUILD;
	}
	return rc;
}
