/* test_lock.c - assetgen.lock: loading in any order, duplicates, sorted
 * writing, the size cap */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "key.h"
#include "cache/lock.h"
#include "os.h"
#include "test.h"
#include "util.h"

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_lock.XXXXXX", *dir;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	return xstrdup(dir);
}

static void
put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The key of asset number i: its digest is the XXH3-128 of "i". */
static void
key_of(size_t i, struct key *k)
{
	char s[32];

	snprintf(s, sizeof(s), "%zu", i);
	key_digest(s, strlen(s), k);
}

/* "name key digest sha256 model seed\n" for asset number i */
static void
line_of(struct buf *b, const char *name, size_t i)
{
	char hex[KEY_HEX_LEN + 1];
	struct key k;

	key_of(i, &k);
	key_hex(&k, hex);
	buf_printf(b, "%s %s %s %s local %zu\n", name, hex, hex, SHA, i);
}

/* The entry names of a written lock, in file order, one per line. */
static char *
names_of(const char *path)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	char *line, *next, *sp;

	if (os_read_file(path, 0, &b) < 0)
		return xstrdup("(unreadable)");
	for (line = b.data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#')
			continue;
		sp = strchr(line, ' ');
		buf_put(&out, line, sp ? (size_t)(sp - line) : strlen(line));
		buf_putc(&out, ',');
	}
	buf_release(&b);
	return buf_detach(&out, NULL);
}

static void
test_out_of_order_loads_and_writes_sorted(void)
{
	char *dir = mktmp(), *path = path_join(dir, "assetgen.lock"), *names;
	struct buf b = BUF_INIT;
	struct lockfile l;
	const struct lock_entry *e;
	struct key k;

	buf_puts(&b, "# a comment\n\n");
	line_of(&b, "zeta", 1);
	line_of(&b, "alpha", 2);
	line_of(&b, "mid", 3);
	buf_puts(&b, "beta ");
	{
		char hex[KEY_HEX_LEN + 1];

		key_of(4, &k);
		key_hex(&k, hex);
		buf_printf(&b, "%s %s %s local 4 picked", hex, hex, SHA);   /* no final newline */
	}
	put_file(path, b.data, b.len);
	CHECK(lock_load(&l, path, "assetgen.lock") == 0);
	CHECK(l.n == 4);
	e = lock_find(&l, "mid");
	key_of(3, &k);
	CHECK(e && key_equal(&e->key, &k) && e->seed == 3 && !e->picked);
	CHECK_STR(e ? e->model : NULL, "local");
	e = lock_find(&l, "beta");
	CHECK(e && e->picked && e->seed == 4);
	CHECK(!lock_find(&l, "nope"));
	CHECK(!lock_find(&l, "alph"));

	/* written sorted by name, whatever the order it was read in */
	unlink(path);
	CHECK(lock_write(&l, path) == 0);
	names = names_of(path);
	CHECK_STR(names, "alpha,beta,mid,zeta,");
	free(names);
	lock_release(&l);

	/* and reads back the same */
	CHECK(lock_load(&l, path, "assetgen.lock") == 0);
	CHECK(l.n == 4);
	e = lock_find(&l, "beta");
	CHECK(e && e->picked);
	lock_release(&l);
	buf_release(&b);
	test_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_duplicates_and_bad_lines_rejected(void)
{
	char *dir = mktmp(), *path = path_join(dir, "assetgen.lock");
	struct buf b = BUF_INIT;
	struct lockfile l;

	line_of(&b, "b", 1);
	line_of(&b, "a", 2);
	line_of(&b, "b", 3);       /* pinned twice, far apart */
	put_file(path, b.data, b.len);
	CHECK(lock_load(&l, path, "assetgen.lock") == -1);
	CHECK(l.n == 0 && !l.entries);

	buf_reset(&b);
	line_of(&b, "a", 1);
	buf_puts(&b, "b not enough fields\n");
	put_file(path, b.data, b.len);
	CHECK(lock_load(&l, path, "assetgen.lock") == -1);

	/* a NUL byte inside a line does not hide the rest of the file */
	buf_reset(&b);
	line_of(&b, "a", 1);
	buf_put(&b, "x\0y\n", 4);
	line_of(&b, "c", 3);
	put_file(path, b.data, b.len);
	CHECK(lock_load(&l, path, "assetgen.lock") == -1);

	/* a missing file is an empty lock */
	unlink(path);
	CHECK(lock_load(&l, path, "assetgen.lock") == 0);
	CHECK(l.n == 0);
	lock_release(&l);
	buf_release(&b);
	test_rmtree(dir);
	free(path);
	free(dir);
}

static int
keep_not_b(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "b") != 0;
}

static void
test_set_replaces_retain_removes(void)
{
	char *dir = mktmp(), *path = path_join(dir, "assetgen.lock"), *names;
	struct lockfile l;
	const struct lock_entry *e;
	struct key k1, k2;

	memset(&l, 0, sizeof(l));
	key_of(1, &k1);
	key_of(2, &k2);
	lock_set(&l, "b", &k1, &k1, SHA, "m1", 1);
	lock_set(&l, "a", &k1, &k1, SHA, "m1", 1);
	lock_mark_picked(&l, "b");
	CHECK(lock_find(&l, "b")->picked);
	lock_set(&l, "b", &k2, &k2, SHA, "m2", 7);     /* replaced, not added */
	CHECK(l.n == 2);
	e = lock_find(&l, "b");
	CHECK(e && key_equal(&e->key, &k2) && e->seed == 7 && !e->picked);
	CHECK_STR(e ? e->model : NULL, "m2");
	lock_set(&l, "c", &k1, &k1, SHA, "m1", 1);
	CHECK(l.n == 3);
	CHECK(lock_write(&l, path) == 0);
	names = names_of(path);
	CHECK_STR(names, "a,b,c,");
	free(names);
	lock_retain(&l, keep_not_b, NULL);
	CHECK(l.n == 2 && !lock_find(&l, "b") && lock_find(&l, "a") && lock_find(&l, "c"));
	lock_set(&l, "b", &k1, &k1, SHA, "m1", 1);      /* back, once */
	CHECK(l.n == 3 && lock_find(&l, "b"));
	lock_release(&l);
	test_rmtree(dir);
	free(path);
	free(dir);
}

static int
keep_odd(const char *name, void *arg)
{
	(void)arg;
	return (strtoul(name + 1, NULL, 10) & 1) != 0;
}

/* 100,000 entries set and loaded in scrambled order: each one found, the
 * file sorted, retain keeps exactly the half asked for. */
static void
test_many_entries(void)
{
	enum { N = 100000 };
	char *dir = mktmp(), *path = path_join(dir, "assetgen.lock");
	struct buf b = BUF_INIT, file = BUF_INIT;
	struct lockfile l;
	const struct lock_entry *e;
	char name[32], prev[32] = "", *line, *next;
	size_t i, j, found = 0, lines = 0, sorted = 1;
	struct key k;

	buf_puts(&file, "# scrambled\n");
	for (i = 0; i < N; i++) {
		j = (i * 7919) % N;      /* a permutation: 7919 is prime, N is not its multiple */
		snprintf(name, sizeof(name), "a%zu", j);
		line_of(&file, name, j);
	}
	put_file(path, file.data, file.len);
	CHECK(lock_load(&l, path, "assetgen.lock") == 0);
	CHECK(l.n == N);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "a%zu", i);
		e = lock_find(&l, name);
		key_of(i, &k);
		found += e && key_equal(&e->key, &k) && e->seed == i;
	}
	CHECK(found == N);

	unlink(path);
	CHECK(lock_write(&l, path) == 0);
	CHECK(os_read_file(path, 0, &b) == 0);
	for (line = b.data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#')
			continue;
		*strchr(line, ' ') = '\0';
		if (strcmp(prev, line) >= 0)
			sorted = 0;
		snprintf(prev, sizeof(prev), "%s", line);
		lines++;
	}
	CHECK(lines == N && sorted);

	lock_retain(&l, keep_odd, NULL);
	CHECK(l.n == N / 2);
	CHECK(lock_find(&l, "a1") && !lock_find(&l, "a2"));
	CHECK(lock_find(&l, "a99999") && !lock_find(&l, "a99998"));
	lock_release(&l);
	buf_release(&b);
	buf_release(&file);
	test_rmtree(dir);
	free(path);
	free(dir);
}

/* A lock over the cap is refused with a clear error, when read and when
 * it would be written. */
static void
test_size_cap(void)
{
	char *dir = mktmp(), *path = path_join(dir, "assetgen.lock"), *name;
	struct lockfile l;
	struct key k;
	size_t i, len = 1 << 20;
	FILE *f;

	f = fopen(path, "wb");
	CHECK(f && ftruncate(fileno(f), (off_t)LOCK_MAX_FILE + 1) == 0);
	if (f)
		fclose(f);
	CHECK(lock_load(&l, path, "assetgen.lock") == -1);
	unlink(path);

	memset(&l, 0, sizeof(l));
	name = xmalloc(len + 8);
	memset(name, 'n', len);
	key_of(0, &k);
	for (i = 0; i < LOCK_MAX_FILE / len + 1; i++) {
		snprintf(name + len, 8, "%zu", i);
		lock_set(&l, name, &k, &k, SHA, "m", 0);
	}
	CHECK(lock_write(&l, path) == -1);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	lock_release(&l);
	free(name);
	test_rmtree(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	RUN(test_out_of_order_loads_and_writes_sorted);
	RUN(test_duplicates_and_bad_lines_rejected);
	RUN(test_set_replaces_retain_removes);
	RUN(test_many_entries);
	RUN(test_size_cap);
	return TEST_DONE();
}
