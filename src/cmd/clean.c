/* cmd/clean.c - `assetgen clean [--cache]` */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "derive.h"
#include "cache/buildstate.h"
#include "os.h"
#include "site/site.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen clean [--cache]\n"
	"Remove the outputs assetgen made (DIST/NAME.png, DIST/preview/NAME.png, the web\n"
	"derivatives DIST/NAME-WIDTH.avif, .webp, .jpg, .png and DIST/NAME.picture.html) and\n"
	"the site made from them (DIST/manifest.json, DIST/index.html, DIST/_thumbs/).\n"
	"  --cache   also remove the local cache: the blobs, the index and the build state\n"
	"            (and the cache directory, when nothing else is in it)\n";

/* Remove NAME.png from dfd (DIST or DIST/preview; -1 when missing).  dir
 * names it in a warning. */
static size_t
remove_output(int dfd, const char *dir, const char *name)
{
	char *file;
	size_t n = 0;

	if (dfd < 0)
		return 0;
	file = xasprintf("%s.png", name);
	if (unlinkat(dfd, file, 0) == 0)
		n = 1;
	else if (errno != ENOENT)
		warn("cannot remove '%s/%s':", dir, file);
	free(file);
	return n;
}

/* The web derivatives and snippets of the project's assets in DIST
 * (derive_file_of), whatever widths and formats made them. */
static size_t
remove_derivatives(const struct project *p, int outfd, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int fd;
	size_t n = 0;

	if (outfd < 0 || (fd = dup(outfd)) < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (!derive_file_of(p, de->d_name))
			continue;
		if (unlinkat(outfd, de->d_name, 0) == 0)
			n++;
		else if (errno != ENOENT)
			warn("cannot remove '%s/%s':", dir, de->d_name);
	}
	closedir(d);
	return n;
}

/* An output the index records (of an asset since removed from the
 * recipes), normalised: "." and empty components dropped, ".." refused.
 * It is removed only when that leaves DIST/NAME.png or
 * DIST/preview/NAME.png, a plain name in one of the two directories clean
 * opened itself (DIST/preview never through a link).  A path elsewhere (a
 * project since moved) is left quietly; one that would leave DIST
 * ("dist/../x", "dist/preview/../../x") or names anything else is refused,
 * loudly. */
static size_t
remove_recorded(const char *path, const char *out_dir, int outfd, int prevfd)
{
	size_t n = strlen(out_dir), len, ncomp = 0, clen[2] = {0}, got = 0;
	const char *s = path + n, *comp[2] = {0}, *e;
	char *name = NULL;
	int dfd = -1, bad = 0;

	if (strncmp(path, out_dir, n) != 0 || *s != '/')
		return 0;
	for (; *s && !bad; s = *e ? e + 1 : e) {
		e = s + strcspn(s, "/");
		len = (size_t)(e - s);
		if (len == 0 || (len == 1 && *s == '.'))
			continue;
		if ((len == 2 && !strncmp(s, "..", 2)) || ncomp == 2) {
			bad = 1;
		} else {
			comp[ncomp] = s;
			clen[ncomp++] = len;
		}
	}
	if (!bad && ncomp == 1)
		dfd = outfd;
	else if (!bad && ncomp == 2 && clen[0] == 7 && !strncmp(comp[0], "preview", 7))
		dfd = prevfd;
	else
		bad = 1;
	if (!bad) {
		name = xstrndup(comp[ncomp - 1], clen[ncomp - 1]);
		bad = name[0] == '.' || !str_has_suffix(name, ".png");
	}
	if (bad) {
		warn("not removing '%s' (an output the cache index records): not an output in '%s'",
		     path, out_dir);
	} else if (dfd >= 0 && unlinkat(dfd, name, 0) == 0) {
		got = 1;
	} else if (dfd >= 0 && errno != ENOENT) {
		warn("cannot remove '%s':", path);
	}
	free(name);
	return got;
}

/* The local cache, as far as assetgen made it: the blobs, the index and
 * the build state.  The directory itself goes when nothing else is in it
 * (cache.dir may name a directory that holds other things too), and stays
 * when it is a link (to a bigger disk, say). */
static void
remove_cache(const char *dir)
{
	struct stat st;

	store_destroy(dir);
	index_destroy(dir);
	noop_forget(dir);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	if (rmdir(dir) == 0)
		return;
	if (errno == ENOTEMPTY || errno == EEXIST)
		warn("kept '%s': it holds files assetgen did not make", dir);
	else
		warn("cannot remove '%s':", dir);
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
	int opt, cache = 0, rc, outfd = -1, prevfd = -1;

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
	/* DIST may be a link (to a web root, say); preview/ in it is
	 * assetgen's own: a link planted there is removed, never followed */
	preview = path_join(c.out_dir, "preview");
	outfd = open(c.out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	prevfd = os_own_dir(c.out_dir, "preview", 0);
	if (prevfd < 0 && errno != ENOENT && errno != ENOTDIR) {
		warn("cannot open '%s':", preview);
		rc = EXIT_BUILD;
		goto out;
	}
	for (i = 0; i < c.p.nassets; i++) {
		n += remove_output(outfd, c.out_dir, c.p.assets[i].name);
		n += remove_output(prevfd, preview, c.p.assets[i].name);
	}
	n += remove_derivatives(&c.p, outfd, c.out_dir);
	if (!cache && access(c.cache_dir, F_OK) == 0 && ctx_open_cache(&c) == 0) {
		/* outputs of assets since removed from the recipes */
		index_outputs_load(c.ix, &recs, &nrecs);
		index_begin(c.ix);
		for (i = 0; i < nrecs; i++) {
			n += remove_recorded(recs[i].path, c.out_dir, outfd, prevfd);
			index_output_delete(c.ix, recs[i].path);
		}
		index_commit(c.ix);
		index_outputs_free(recs, nrecs);
	}
	site_clean(c.out_dir);
	if (prevfd >= 0)
		rmdir(preview);
	if (cache) {
		index_close(c.ix);
		c.ix = NULL;
		remove_cache(c.cache_dir);
	}
	if (g->level >= 0)
		printf("assetgen: removed %zu output%s%s\n", n, n == 1 ? "" : "s",
		       cache ? " and the cache" : "");
	rc = EXIT_OK;
out:
	if (outfd >= 0)
		close(outfd);
	if (prevfd >= 0)
		close(prevfd);
	free(preview);
	ctx_release(&c);
	return rc;
}
