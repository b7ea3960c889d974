/* cmd_clean.c - `assetgen clean [--cache]` */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "os.h"
#include "site.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen clean [--cache]\n"
	"Remove the outputs assetgen made (DIST/NAME.png, DIST/preview/NAME.png) and the\n"
	"site made from them (DIST/manifest.json, DIST/index.html, DIST/_thumbs/).\n"
	"  --cache   also remove the local cache (blobs and index)\n";

static size_t
remove_output(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s.png", dir, name);
	size_t n = 0;

	if (unlink(path) == 0)
		n = 1;
	else if (errno != ENOENT)
		warn("cannot remove '%s':", path);
	free(path);
	return n;
}

int
cmd_clean(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"cache", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct output_rec *recs = NULL;
	struct ctx c;
	char *preview;
	size_t i, nrecs = 0, n = 0;
	int opt, cache = 0, rc, fd;

	while ((opt = getopt_long(argc, argv, "C:qv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cache = 1; break;
		case 'C': g->dir = optarg; break;
		case 'q': g->level = -1; break;
		case 'v': g->level = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_INPUT;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	preview = path_join(c.out_dir, "preview");
	/* DIST may be a link (to a web root, say); preview/ in it is
	 * assetgen's own: a link planted there is removed, never followed */
	if ((fd = os_own_dir(c.out_dir, "preview", 0)) >= 0) {
		close(fd);
	} else if (errno != ENOENT && errno != ENOTDIR) {
		warn("cannot open '%s':", preview);
		free(preview);
		ctx_release(&c);
		return EXIT_BUILD;
	}
	for (i = 0; i < c.p.nassets; i++) {
		n += remove_output(c.out_dir, c.p.assets[i].name);
		n += remove_output(preview, c.p.assets[i].name);
	}
	if (!cache && access(c.cache_dir, F_OK) == 0 && ctx_open_cache(&c) == 0) {
		/* outputs of assets since removed from the recipes */
		index_outputs_load(c.ix, &recs, &nrecs);
		index_begin(c.ix);
		for (i = 0; i < nrecs; i++) {
			if (str_has_prefix(recs[i].path, c.out_dir) && unlink(recs[i].path) == 0)
				n++;
			index_output_delete(c.ix, recs[i].path);
		}
		index_commit(c.ix);
		index_outputs_free(recs, nrecs);
	}
	site_clean(c.out_dir);
	rmdir(preview);
	free(preview);
	if (cache) {
		index_close(c.ix);
		c.ix = NULL;
		os_rmtree(c.cache_dir);
	}
	if (g->level >= 0)
		printf("assetgen: removed %zu output%s%s\n", n, n == 1 ? "" : "s",
		       cache ? " and the cache" : "");
	ctx_release(&c);
	return EXIT_OK;
}
