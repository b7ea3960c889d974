/* test_discover.c - the walk up to assetgen.yaml, and whose configs it trusts */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "recipe.h"
#include "test.h"
#include "util.h"

#define OTHER_UID 65534         /* nobody */

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_discover.XXXXXX", *dir, *real;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	real = realpath(dir, NULL);
	if (!real) {
		perror("realpath");
		exit(1);
	}
	return real;
}

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* discover_root(start, trust) as a string; the message in *why_out (or
 * NULL), both malloc'd */
static char *
find(const char *start, int trust, char **why_out)
{
	char *why = NULL, *root = discover_root(start, trust, &why);

	*why_out = why;
	return root;
}

static void
test_walk_up(void)
{
	char *dir = mktmp(), *deep = xasprintf("%s/a/b/c", dir), *cfg = xasprintf("%s/a/assetgen.yaml", dir);
	char *want = xasprintf("%s/a", dir), *root, *why;

	CHECK(mkdir(want, 0755) == 0);
	CHECK(mkdir(root = xasprintf("%s/a/b", dir), 0755) == 0);
	free(root);
	CHECK(mkdir(deep, 0755) == 0);
	/* none anywhere: the message names the start */
	root = find(deep, 0, &why);
	CHECK(!root);
	CHECK(why && strstr(why, "no assetgen.yaml in '") && strstr(why, "/a/b/c' or any parent"));
	free(why);
	/* the nearest one above, whichever the start */
	put_file(cfg, "models: {}\n");
	root = find(deep, 0, &why);
	CHECK_STR(root, want);
	CHECK(!why);
	free(root);
	free(why);
	root = find(want, 1, &why);
	CHECK_STR(root, want);
	free(root);
	free(why);
	/* project_find_root is the same walk */
	root = project_find_root(deep);
	CHECK_STR(root, want);
	free(root);
	/* a start that does not exist */
	root = find("/nonexistent/x", 0, &why);
	CHECK(!root && why && strstr(why, "cannot change to directory '/nonexistent/x'"));
	free(why);
	test_rmtree(dir);
	free(cfg);
	free(deep);
	free(want);
	free(dir);
}

static void
test_not_a_regular_file(void)
{
	char *dir = mktmp(), *cfg = xasprintf("%s/assetgen.yaml", dir), *sub = xasprintf("%s/sub", dir);
	char *root, *why, *want;

	CHECK(mkdir(sub, 0755) == 0);
	/* a FIFO is named as one, found from below too, and never opened */
	CHECK(mkfifo(cfg, 0644) == 0);
	want = xasprintf("'%s' is not a regular file (it is a FIFO)", cfg);
	root = find(dir, 1, &why);
	CHECK(!root);
	CHECK_STR(why, want);
	free(why);
	root = find(sub, 0, &why);
	CHECK(!root);
	CHECK_STR(why, want);
	free(why);
	free(want);
	/* a directory: the same */
	CHECK(unlink(cfg) == 0 && mkdir(cfg, 0755) == 0);
	root = find(sub, 0, &why);
	CHECK(!root && why && strstr(why, "is not a regular file (it is a directory)"));
	free(why);
	test_rmtree(dir);
	free(cfg);
	free(sub);
	free(dir);
}

static void
test_other_owner(void)
{
	char *dir = mktmp(), *theirs = xasprintf("%s/theirs", dir), *mine = xasprintf("%s/theirs/mine", dir);
	char *cfg = xasprintf("%s/theirs/assetgen.yaml", dir), *root, *why, *env;

	if (geteuid() != 0) {
		printf("# skipped: files owned by another user need root to make (chown)\n");
		goto out;
	}
	CHECK(mkdir(theirs, 01777) == 0 && chmod(theirs, 01777) == 0);
	CHECK(mkdir(mine, 0755) == 0);
	CHECK(mkdir(root = xasprintf("%s/the", dir), 0755) == 0);
	free(root);
	put_file(cfg, "models: {}\n");
	/* a config another user owns, in a directory the caller owns */
	CHECK(chown(cfg, OTHER_UID, OTHER_UID) == 0);
	root = find(mine, 0, &why);
	CHECK(!root);
	CHECK(why && strstr(why, "it is owned by another user (uid 65534), who could have put it there"));
	CHECK(why && strstr(why, "run 'assetgen -C ") && strstr(why, DISCOVER_SAFE_ENV));
	free(why);
	/* named with -C: trusted */
	root = find(theirs, 1, &why);
	CHECK_STR(root, theirs);
	free(root);
	free(why);
	/* the start is trusted only with trust_start */
	root = find(theirs, 0, &why);
	CHECK(!root);
	free(why);
	/* listed: the directory and those below it; a relative entry and a
	 * name that only begins the same do not count */
	env = xasprintf("relative:%s/the:%s/theirsx:%s", dir, dir, theirs);
	setenv(DISCOVER_SAFE_ENV, env, 1);
	root = find(mine, 0, &why);
	CHECK_STR(root, theirs);
	free(root);
	free(why);
	free(env);
	env = xasprintf("theirs:%s/the:%s/theirsx", dir, dir);
	setenv(DISCOVER_SAFE_ENV, env, 1);
	root = find(mine, 0, &why);
	CHECK(!root);
	free(why);
	free(env);
	setenv(DISCOVER_SAFE_ENV, "*", 1);
	root = find(mine, 0, &why);
	CHECK_STR(root, theirs);
	free(root);
	free(why);
	unsetenv(DISCOVER_SAFE_ENV);
	/* the directory owned by another user, the config by the caller */
	CHECK(chown(cfg, 0, 0) == 0 && chown(theirs, OTHER_UID, OTHER_UID) == 0);
	root = find(mine, 0, &why);
	CHECK(!root);
	CHECK(why && strstr(why, "its directory is owned by another user (uid 65534)"));
	free(why);
	/* ... and the walk stops there even with no config in it */
	CHECK(unlink(cfg) == 0);
	put_file(root = xasprintf("%s/assetgen.yaml", dir), "models: {}\n");
	free(root);
	root = find(mine, 0, &why);
	CHECK(!root);
	CHECK(why && strstr(why, "no assetgen.yaml in '"));
	free(why);
	root = project_find_root(mine);
	CHECK(!root);
out:
	test_rmtree(dir);
	free(cfg);
	free(mine);
	free(theirs);
	free(dir);
}

int
main(void)
{
	unsetenv(DISCOVER_SAFE_ENV);
	RUN(test_walk_up);
	RUN(test_not_a_regular_file);
	RUN(test_other_owner);
	return TEST_DONE();
}
