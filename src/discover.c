/* discover.c - finding the project: the walk up to the nearest
 * assetgen.yaml, and the directories it trusts on the way
 *
 * A config chooses the endpoints that receive the caller's API keys, so
 * one that another user could have put in place is not used: the walk
 * stops at a directory (or an assetgen.yaml) owned by someone other than
 * the caller, as git's safe.directory does (CVE-2022-24765: a config
 * planted in a world-writable directory such as /tmp, above a
 * directory the caller made there). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "os.h"
#include "util.h"

/* Is dir listed in ASSETGEN_SAFE_DIRECTORIES: below (or at) one of its
 * absolute directories, or is an entry "*"? */
static int
listed_safe(const char *dir)
{
	const char *v = getenv(DISCOVER_SAFE_ENV), *s, *e;
	char *entry, *real;
	int ok = 0;

	for (s = v ? v : ""; *s && !ok; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ":");
		entry = xstrndup(s, (size_t)(e - s));
		if (!strcmp(entry, "*")) {
			ok = 1;
		} else if (entry[0] == '/' && (real = realpath(entry, NULL))) {
			ok = os_path_within(dir, real);
			free(real);
		}
		free(entry);
	}
	return ok;
}

/* Why dir's config cannot be trusted (dir, or its assetgen.yaml whose
 * lstat is cst, owned by another user), as a message; NULL when it can. */
static char *
distrust(const char *dir, int has_cfg, const struct stat *cst)
{
	struct stat st;
	uid_t me = geteuid();

	if (stat(dir, &st) < 0)
		return xasprintf("cannot read the directory '%s': %s", dir, strerror(errno));
	if (st.st_uid != me)
		return xasprintf("its directory is owned by another user (uid %lu)", (unsigned long)st.st_uid);
	if (has_cfg && cst->st_uid != me)
		return xasprintf("it is owned by another user (uid %lu)", (unsigned long)cst->st_uid);
	return NULL;
}

char *
discover_root(const char *start, int trust_start, char **why)
{
	char *dir = realpath(start, NULL), *from, *cfg = NULL, *slash, *bad;
	struct stat st;
	int first, has;

	*why = NULL;
	if (!dir) {
		*why = xasprintf("cannot change to directory '%s': %s", start, strerror(errno));
		return NULL;
	}
	from = xstrdup(dir);
	for (first = 1; ; first = 0) {
		cfg = xasprintf("%s/assetgen.yaml", strcmp(dir, "/") ? dir : "");
		has = lstat(cfg, &st) == 0;
		if (!(first && trust_start) && !listed_safe(dir) && (bad = distrust(dir, has, &st))) {
			/* the walk stops here; it says so only when a config
			 * was passed over */
			if (has)
				*why = xasprintf("not using '%s': %s, who could have put it there; to trust "
						 "it, run 'assetgen -C %s', or list '%s' in %s", cfg, bad, dir,
						 dir, DISCOVER_SAFE_ENV);
			free(bad);
			break;
		}
		if (has) {
			if (stat(cfg, &st) < 0)
				*why = xasprintf("cannot read '%s': %s", cfg, strerror(errno));
			else if (!S_ISREG(st.st_mode))
				*why = xasprintf("'%s' is not a regular file (it is %s)", cfg,
						 os_file_kind(st.st_mode));
			else {
				free(cfg);
				free(from);
				return dir;
			}
			break;
		}
		free(cfg);
		cfg = NULL;
		if (!strcmp(dir, "/"))
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(cfg);
	free(dir);
	if (!*why)
		*why = xasprintf("no assetgen.yaml in '%s' or any parent directory (run 'assetgen init' "
				 "to make one)", from);
	free(from);
	return NULL;
}
