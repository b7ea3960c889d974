/* cmd/jobs.c - `assetgen jobs`: the jobs at queued APIs, in flight or
 * recorded, with their age and state */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "jobs.h"
#include "cache/index.h"
#include "util.h"

/* "42 s", "7 min", "3 h", "2 d" */
static void
age_text(char *out, size_t cap, int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, cap, "%lld s", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(out, cap, "%lld min", (long long)(secs / 60));
	else if (secs < 2 * 86400)
		snprintf(out, cap, "%lld h", (long long)(secs / 3600));
	else
		snprintf(out, cap, "%lld d", (long long)(secs / 86400));
}

/* The job's id at its service, from its record. */
static char *
job_id(const char *handle)
{
	static const char *const names[] = { "id", "request_id", "prompt_id" };
	json_t *root = json_loads(handle, 0, NULL);
	const char *v = NULL;
	char *out;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]) && !v; i++)
		v = json_string_value(json_object_get(root, names[i]));
	out = xstrdup(v ? v : "?");
	json_decref(root);
	return out;
}

int
cmd_jobs(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"active", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct job_rec *jobs;
	struct ctx c;
	size_t i, n, shown = 0;
	int opt, rc, active = 0;
	int64_t now = (int64_t)time(NULL);

	while ((opt = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': g->dir = optarg; break;
		case 'a': active = 1; break;
		default:
			fputs("usage: assetgen jobs [--active]\n"
			      "List the jobs submitted to queued APIs (bfl, fal, replicate, comfyui):\n"
			      "state, age, asset, model, the service's id, and cost.  --active: only\n"
			      "those a build would pick up (submitted, queued, running, ready, downloaded).\n",
			      opt == 'h' ? stdout : stderr);
			return opt == 'h' ? EXIT_OK : EXIT_INPUT;
		}
	}
	if (optind < argc) {
		warn("jobs takes no arguments");
		return EXIT_INPUT;
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	if ((rc = ctx_open_cache(&c)) != 0) {
		ctx_release(&c);
		return rc;
	}
	if (index_jobs_load(c.ix, &jobs, &n) < 0) {
		warn("cannot read the jobs of cache index in '%s'", c.cache_dir);
		ctx_release(&c);
		return EXIT_BUILD;
	}
	for (i = 0; i < n; i++) {
		char age[32], *id;

		if (active && !jobs_resumable(jobs[i].state))
			continue;
		if (!shown++)
			printf("%-10s %8s  %-24s %-16s %-34s %s\n", "STATE", "AGE", "ASSET", "MODEL", "ID",
			       "COST");
		age_text(age, sizeof(age), now - jobs[i].submitted);
		id = job_id(jobs[i].handle);
		printf("%-10s %8s  %-24s %-16s %-34s %.3f\n", jobs[i].state, age, jobs[i].asset,
		       jobs[i].model, id, jobs[i].cost);
		free(id);
	}
	if (!shown)
		printf("no %sjobs\n", active ? "active " : "");
	index_jobs_free(jobs, n);
	ctx_release(&c);
	return EXIT_OK;
}
