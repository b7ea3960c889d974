/* test_os.c - mkdir -p, atomic writes, bounded reads, stale temp files,
 * the directories assetgen owns, resolved paths */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "os.h"
#include "test.h"
#include "util.h"

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_os.XXXXXX", *dir;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	return xstrdup(dir);
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

/* The whole file as a string (malloc'd), or NULL. */
static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;

	if (os_read_file(path, 0, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries of dir whose names contain ".tmp." */
static int
count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

/* A pid that certainly ran and no longer does. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void
test_mkdirs(void)
{
	char *dir = mktmp();
	char *deep = xasprintf("%s/a/b/c", dir);
	char *slash = xasprintf("%s/x/y/", dir);
	char *file = xasprintf("%s/f", dir);
	char *under = xasprintf("%s/f/sub/deeper", dir);

	CHECK(os_mkdirs(deep, 0755) == 0);
	CHECK(is_dir(deep));
	/* existing: not an error, twice */
	CHECK(os_mkdirs(deep, 0755) == 0);
	CHECK(os_mkdirs(dir, 0755) == 0);
	/* a trailing slash */
	CHECK(os_mkdirs(slash, 0755) == 0);
	CHECK(is_dir(slash));
	/* a file in the way, as the last component or above it */
	put_file(file, "x");
	errno = 0;
	CHECK(os_mkdirs(file, 0755) < 0);
	CHECK(errno == ENOTDIR);
	errno = 0;
	CHECK(os_mkdirs(under, 0755) < 0);
	CHECK(errno == ENOTDIR);
	CHECK(!exists(under));
	free(deep);
	free(slash);
	free(file);
	free(under);
	test_rmtree(dir);
	free(dir);
}

static void
test_write_atomic(void)
{
	char *dir = mktmp();
	char *path = xasprintf("%s/out.png", dir);
	char *s;
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	CHECK(dfd >= 0);
	/* creates */
	CHECK(os_write_atomic(dfd, "out.png", "hello", 5) == 0);
	s = slurp(path);
	CHECK_STR(s, "hello");
	free(s);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	/* replaces, with shorter content (no stale tail) */
	CHECK(os_write_atomic(dfd, "out.png", "bye", 3) == 0);
	s = slurp(path);
	CHECK_STR(s, "bye");
	free(s);
	/* empty data */
	CHECK(os_write_atomic(dfd, "empty", "", 0) == 0);
	s = xasprintf("%s/empty", dir);
	CHECK(stat(s, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	free(s);
	/* no temp files left behind */
	CHECK(count_tmp(dir) == 0);
	/* the path form, absolute */
	CHECK(os_write_atomic_path(path, "via path", 8) == 0);
	s = slurp(path);
	CHECK_STR(s, "via path");
	free(s);
	CHECK(count_tmp(dir) == 0);
	close(dfd);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_write_atomic_symlink(void)
{
	char *dir = mktmp();
	char *target = xasprintf("%s/target", dir);
	char *link = xasprintf("%s/link", dir);
	char *s;
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	put_file(target, "precious");
	CHECK(symlink(target, link) == 0);
	CHECK(os_write_atomic(dfd, "link", "new", 3) == 0);
	/* the link itself was replaced by a regular file ... */
	CHECK(lstat(link, &st) == 0 && S_ISREG(st.st_mode));
	s = slurp(link);
	CHECK_STR(s, "new");
	free(s);
	/* ... and what it pointed at is unchanged */
	s = slurp(target);
	CHECK_STR(s, "precious");
	free(s);
	/* a dangling symlink: replaced too, its target not created */
	free(target);
	target = xasprintf("%s/nowhere", dir);
	CHECK(symlink(target, s = xasprintf("%s/dangling", dir)) == 0);
	CHECK(os_write_atomic(dfd, "dangling", "x", 1) == 0);
	CHECK(lstat(s, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(!exists(target));
	free(s);
	CHECK(count_tmp(dir) == 0);
	close(dfd);
	free(target);
	free(link);
	test_rmtree(dir);
	free(dir);
}

static void
test_write_atomic_fails_cleanly(void)
{
	char *dir = mktmp();
	char *ro = xasprintf("%s/ro", dir);
	char *sub = xasprintf("%s/isdir", dir);
	char *inner = xasprintf("%s/isdir/keep", dir);
	char *s, *p;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), rfd;

	/* the rename fails (a non-empty directory is in the way): errno set,
	 * the temp file removed, the directory untouched.  Works as root. */
	CHECK(mkdir(sub, 0755) == 0);
	put_file(inner, "k");
	errno = 0;
	CHECK(os_write_atomic(dfd, "isdir", "data", 4) < 0);
	CHECK(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	CHECK(is_dir(sub));
	s = slurp(inner);
	CHECK_STR(s, "k");
	free(s);
	CHECK(count_tmp(dir) == 0);
	/* a directory fd that does not exist */
	errno = 0;
	CHECK(os_write_atomic(-1, "x", "d", 1) < 0);
	CHECK(errno == EBADF);
	/* the path form with a missing directory */
	s = xasprintf("%s/missing/x", dir);
	errno = 0;
	CHECK(os_write_atomic_path(s, "d", 1) < 0);
	CHECK(errno == ENOENT);
	free(s);

	/* a read-only directory */
	CHECK(mkdir(ro, 0755) == 0);
	put_file(s = xasprintf("%s/old", ro), "old");
	CHECK(chmod(ro, 0555) == 0);
	rfd = open(ro, O_RDONLY | O_DIRECTORY);
	if (geteuid() == 0) {
		printf("# skipped as root: os_write_atomic in a read-only directory\n");
	} else {
		errno = 0;
		CHECK(os_write_atomic(rfd, "old", "new", 3) < 0);
		CHECK(errno == EACCES);
		CHECK(count_tmp(ro) == 0);
		p = slurp(s);
		CHECK_STR(p, "old");
		free(p);
	}
	free(s);
	close(rfd);
	chmod(ro, 0755);
	close(dfd);
	free(ro);
	free(sub);
	free(inner);
	test_rmtree(dir);
	free(dir);
}

static void
test_read_file_at(void)
{
	char *dir = mktmp();
	char *path = xasprintf("%s/data", dir);
	char *link = xasprintf("%s/link", dir);
	char *sub = xasprintf("%s/sub", dir);
	struct buf b = BUF_INIT;
	char big[100];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	memset(big, 'z', sizeof(big));
	CHECK(os_write_atomic(dfd, "data", big, sizeof(big)) == 0);
	/* exactly max: fine; NUL-terminated */
	CHECK(os_read_file_at(dfd, "data", 100, 0, &b) == 0);
	CHECK(b.len == 100 && b.data && b.data[100] == '\0' && b.data[99] == 'z');
	/* one past max: EFBIG */
	errno = 0;
	CHECK(os_read_file_at(dfd, "data", 99, 0, &b) < 0);
	CHECK(errno == EFBIG);
	/* max 0: no cap; a second read replaces, not appends */
	CHECK(os_read_file_at(dfd, "data", 0, 1, &b) == 0);
	CHECK(b.len == 100);
	/* the path form */
	CHECK(os_read_file(path, 1000, &b) == 0 && b.len == 100);

	/* a symlink: followed by default, refused with nofollow */
	CHECK(symlink("data", link) == 0);
	CHECK(os_read_file_at(dfd, "link", 0, 0, &b) == 0 && b.len == 100);
	errno = 0;
	CHECK(os_read_file_at(dfd, "link", 0, 1, &b) < 0);
	CHECK(errno == ELOOP);
	/* a directory */
	CHECK(mkdir(sub, 0755) == 0);
	errno = 0;
	CHECK(os_read_file_at(dfd, "sub", 0, 0, &b) < 0);
	CHECK(errno == EINVAL || errno == EISDIR);
	/* a device: not a regular file, refused before reading */
	errno = 0;
	CHECK(os_read_file_at(AT_FDCWD, "/dev/null", 0, 0, &b) < 0);
	CHECK(errno == EINVAL);
	/* missing */
	errno = 0;
	CHECK(os_read_file_at(dfd, "nope", 0, 0, &b) < 0);
	CHECK(errno == ENOENT);
	/* empty file: 0 bytes, still a valid string (into a used buf) */
	CHECK(os_write_atomic(dfd, "empty", "", 0) == 0);
	CHECK(os_read_file_at(dfd, "empty", 10, 1, &b) == 0);
	CHECK(b.len == 0 && b.data && b.data[0] == '\0');
	buf_release(&b);
	/* into a fresh buf, an empty file still leaves data NUL-terminated */
	buf_release(&b);
	CHECK(os_read_file_at(dfd, "empty", 10, 1, &b) == 0);
	CHECK(b.len == 0 && b.data && b.data[0] == '\0');
	buf_release(&b);
	close(dfd);
	free(path);
	free(link);
	free(sub);
	test_rmtree(dir);
	free(dir);
}

static void
test_clean_stale_tmp(void)
{
	char *dir = mktmp();
	char *stale, *live, *plain, *hidden, *p;
	pid_t dead = dead_pid();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	stale = xasprintf("%s/.x.tmp.%ld.0", dir, (long)dead);
	live = xasprintf("%s/.x.tmp.%ld.0", dir, (long)getpid());
	plain = xasprintf("%s/x", dir);
	hidden = xasprintf("%s/.hidden", dir);
	put_file(stale, "s");
	put_file(live, "l");
	put_file(plain, "p");
	put_file(hidden, "h");
	/* a temp name without the leading dot is not one of ours */
	put_file(p = xasprintf("%s/x.tmp.%ld.0", dir, (long)dead), "n");
	os_clean_stale_tmp(dfd);
	CHECK(!exists(stale));
	CHECK(exists(live));
	CHECK(exists(plain));
	CHECK(exists(hidden));
	CHECK(exists(p));
	free(p);
	/* pid 1 (init) always runs: kept */
	put_file(p = xasprintf("%s/.y.tmp.1.3", dir), "i");
	os_clean_stale_tmp(dfd);
	CHECK(exists(p));
	free(p);
	close(dfd);

	/* a second call on the same fd still sees every entry (the dup
	 * shares dirfd's offset: it must rewind) */
	put_file(stale, "s");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	os_clean_stale_tmp(dfd);
	put_file(stale, "s");
	os_clean_stale_tmp(dfd);
	CHECK(!exists(stale));
	close(dfd);
	/* not temp files: a dot-file with .tmp. inside, a name not ending in digits */
	{
		char *notes = xasprintf("%s/.notes.tmp.txt", dir);
		char *odd = xasprintf("%s/.x.tmp.1.png", dir);

		put_file(notes, "n");
		put_file(odd, "o");
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		os_clean_stale_tmp(dfd);
		close(dfd);
		CHECK(exists(notes) && exists(odd));
		free(notes);
		free(odd);
	}
	put_file(stale, "s");
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	os_clean_stale_tmp(dfd);
	CHECK(!exists(stale));
	close(dfd);

	free(stale);
	free(live);
	free(plain);
	free(hidden);
	test_rmtree(dir);
	free(dir);
}

static void
test_path_join(void)
{
	char *s;

	CHECK_STR(s = path_join("a", "b"), "a/b");
	free(s);
	CHECK_STR(s = path_join("a/", "b"), "a/b");
	free(s);
	CHECK_STR(s = path_join("/x/y", "z.png"), "/x/y/z.png");
	free(s);
	CHECK_STR(s = path_join("", "b"), "b");
	free(s);
	CHECK_STR(s = path_join("a", "/abs"), "/abs");
	free(s);
	CHECK_STR(s = path_join("/", "etc"), "/etc");
	free(s);
	CHECK_STR(s = path_join("a", "b/c"), "a/b/c");
	free(s);
}

static void
test_mtime_ns(void)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 123456789;
	CHECK(os_mtime_ns(&st) == INT64_C(1700000000123456789));
}

static void
test_own_dir(void)
{
	char *dir = mktmp(), *base = xasprintf("%s/dist", dir), *out = xasprintf("%s/outside", dir);
	char *p, *q;
	int fd;

	/* made component by component, base with mkdir -p */
	fd = os_own_dir(base, "_candidates/a", 1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(is_dir(p = xasprintf("%s/_candidates/a", base)));
	free(p);
	/* without create: missing is ENOENT, nothing made */
	errno = 0;
	CHECK(os_own_dir(base, "_thumbs", 0) < 0 && errno == ENOENT);
	CHECK(!exists(p = xasprintf("%s/_thumbs", base)));
	free(p);
	/* a symlink planted at a component is removed, not followed */
	CHECK(mkdir(out, 0755) == 0);
	p = xasprintf("%s/_candidates/a", base);
	test_rmtree(p);
	CHECK(symlink(out, p) == 0);
	fd = os_own_dir(base, "_candidates/a/deeper", 1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(is_dir(p));
	CHECK(!exists(q = xasprintf("%s/deeper", out)));
	free(q);
	/* and without create it is removed all the same */
	test_rmtree(p);
	CHECK(symlink(out, p) == 0);
	errno = 0;
	CHECK(os_own_dir(base, "_candidates/a", 0) < 0 && errno == ENOENT);
	CHECK(!exists(p) && is_dir(out));
	free(p);
	/* a file in the way; components that are not plain names */
	put_file(p = xasprintf("%s/_thumbs", base), "x");
	free(p);
	errno = 0;
	CHECK(os_own_dir(base, "_thumbs", 1) < 0 && errno == ENOTDIR);
	errno = 0;
	CHECK(os_own_dir(base, "../outside", 0) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(os_own_dir(base, "_candidates//a", 0) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(os_own_dir(base, "./x", 1) < 0 && errno == EINVAL);
	/* the base itself may be a link (a web root) */
	p = xasprintf("%s/web", dir);
	CHECK(symlink(base, p) == 0);
	fd = os_own_dir(p, NULL, 0);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(exists(p));
	free(p);
	free(base);
	free(out);
	test_rmtree(dir);
	free(dir);
}

static void
test_resolve(void)
{
	char *dir = mktmp(), *real = realpath(dir, NULL), *p, *r, *want;

	p = xasprintf("%s/proj/sub", dir);
	CHECK(os_mkdirs(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/proj/up", dir);
	CHECK(symlink("..", p) == 0);
	free(p);
	/* ".." and "." by the text where nothing exists ... */
	r = os_resolve(p = xasprintf("%s/proj/new/../x/./y", dir));
	CHECK_STR(r, want = xasprintf("%s/proj/x/y", real));
	free(r);
	free(p);
	free(want);
	/* ... symlinks followed where something does */
	r = os_resolve(p = xasprintf("%s/proj/up", dir));
	CHECK_STR(r, real);
	free(r);
	free(p);
	r = os_resolve(p = xasprintf("%s/proj/sub/../up/proj", dir));
	CHECK_STR(r, want = xasprintf("%s/proj", real));
	free(r);
	free(p);
	r = os_resolve("/..");
	CHECK_STR(r, "/");
	free(r);
	CHECK(os_path_within(want, want));
	CHECK(os_path_within(want, real));
	CHECK(os_path_within(want, "/"));
	p = xasprintf("%s2", want);
	CHECK(!os_path_within(p, want));
	CHECK(!os_path_within(real, want));
	free(p);
	free(want);
	free(real);
	test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	RUN(test_mkdirs);
	RUN(test_write_atomic);
	RUN(test_write_atomic_symlink);
	RUN(test_write_atomic_fails_cleanly);
	RUN(test_read_file_at);
	RUN(test_clean_stale_tmp);
	RUN(test_path_join);
	RUN(test_mtime_ns);
	RUN(test_own_dir);
	RUN(test_resolve);
	return TEST_DONE();
}
