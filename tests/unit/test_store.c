/* test_store.c - the content-addressed blob store */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "key.h"
#include "os.h"
#include "cache/store.h"
#include "test.h"
#include "util.h"

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_store.XXXXXX", *dir;

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

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* dir/objects/ab/cdef... for digest d */
static char *
blob_path(const char *dir, const struct key *d)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(d, hex);
	return xasprintf("%s/objects/%.2s/%s", dir, hex, hex + 2);
}

static void
test_open(void)
{
	char *dir = mktmp();
	char *cache = xasprintf("%s/deep/cache", dir);
	char *obj = xasprintf("%s/objects", cache);
	char *file = xasprintf("%s/file", dir);
	struct store s;
	struct stat st;

	CHECK(store_open(&s, cache) == 0);
	CHECK(stat(obj, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(s.objfd >= 0);
	CHECK_STR(s.dir, cache);
	store_close(&s);
	CHECK(s.objfd == -1 && s.dir == NULL);
	/* a file where the cache should be: an error, nothing leaked */
	put_file(file, "x", 1);
	CHECK(store_open(&s, file) < 0);
	CHECK(s.dir == NULL);
	free(cache);
	free(obj);
	free(file);
	test_rmtree(dir);
	free(dir);
}

static void
test_roundtrip(void)
{
	char *dir = mktmp();
	struct store s;
	struct key d, d2, want;
	struct buf b = BUF_INIT;
	char hex[KEY_HEX_LEN + 1];
	const char data[] = "some \0 binary\xff bytes";
	char *path, *tmp;
	struct stat st;

	CHECK(store_open(&s, dir) == 0);
	CHECK(store_put(&s, data, sizeof(data), &d) == 0);
	key_digest(data, sizeof(data), &want);
	CHECK(key_equal(&d, &want));
	/* objects/ab/<30 hex> */
	path = blob_path(dir, &d);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == sizeof(data));
	key_hex(&d, hex);
	tmp = xasprintf("%s/objects/%c%c", dir, hex[0], hex[1]);
	CHECK(strlen(path) == strlen(tmp) + 1 + 30);
	CHECK(strncmp(path, tmp, strlen(tmp)) == 0);
	free(tmp);
	CHECK(store_get(&s, &d, &b) == STORE_OK);
	CHECK(b.len == sizeof(data) && memcmp(b.data, data, sizeof(data)) == 0);
	/* idempotent: same digest, one file, untouched */
	CHECK(store_put(&s, data, sizeof(data), &d2) == 0);
	CHECK(key_equal(&d, &d2));
	CHECK(store_get(&s, &d2, &b) == STORE_OK && b.len == sizeof(data));
	/* the empty blob */
	CHECK(store_put(&s, "", 0, &d2) == 0);
	key_digest("", 0, &want);
	CHECK(key_equal(&d2, &want));
	CHECK(store_get(&s, &d2, &b) == STORE_OK && b.len == 0);
	/* raw read */
	CHECK(store_get_raw(&s, &d, &b) == 0 && b.len == sizeof(data));
	buf_release(&b);
	store_close(&s);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_has_size_remove(void)
{
	char *dir = mktmp();
	struct store s;
	struct key d, other;
	size_t size = 12345;

	CHECK(store_open(&s, dir) == 0);
	key_digest("never stored", 12, &other);
	CHECK(store_has(&s, &other, &size) == 0);
	CHECK(size == 12345);
	CHECK(store_put(&s, "0123456789", 10, &d) == 0);
	CHECK(store_has(&s, &d, NULL) == 1);
	CHECK(store_has(&s, &d, &size) == 1 && size == 10);
	CHECK(store_remove(&s, &d) == 0);
	CHECK(store_has(&s, &d, NULL) == 0);
	/* removing a missing blob is not an error */
	CHECK(store_remove(&s, &d) == 0);
	store_close(&s);
	test_rmtree(dir);
	free(dir);
}

static void
test_corrupt_and_missing(void)
{
	char *dir = mktmp();
	struct store s;
	struct key d, other;
	struct buf b = BUF_INIT;
	char *path;
	FILE *f;

	CHECK(store_open(&s, dir) == 0);
	CHECK(store_put(&s, "good bytes", 10, &d) == 0);
	path = blob_path(dir, &d);
	/* append a byte */
	f = fopen(path, "ab");
	CHECK(f != NULL);
	if (f) {
		fputc('!', f);
		fclose(f);
	}
	/* the raw read sees the corrupt bytes and keeps them */
	CHECK(store_get_raw(&s, &d, &b) == 0 && b.len == 11);
	CHECK(exists(path));
	fprintf(stderr, "(a 'corrupt blob' warning is expected)\n");
	CHECK(store_get(&s, &d, &b) == STORE_CORRUPT);
	CHECK(b.len == 0);
	CHECK(!exists(path));
	CHECK(store_has(&s, &d, NULL) == 0);
	CHECK(store_get(&s, &d, &b) == STORE_MISSING);
	/* put heals it */
	CHECK(store_put(&s, "good bytes", 10, &d) == 0);
	CHECK(store_get(&s, &d, &b) == STORE_OK && b.len == 10);
	/* a blob never stored */
	key_digest("other", 5, &other);
	CHECK(store_get(&s, &other, &b) == STORE_MISSING);
	errno = 0;
	CHECK(store_get_raw(&s, &other, &b) < 0 && errno == ENOENT);
	buf_release(&b);
	store_close(&s);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_symlink_not_followed(void)
{
	char *dir = mktmp();
	static const char data[] = "the real bytes";
	struct store s;
	struct key d;
	struct buf b = BUF_INIT;
	char hex[KEY_HEX_LEN + 1];
	char *path, *sub, *target, *got;
	struct stat st;

	CHECK(store_open(&s, dir) == 0);
	key_digest(data, sizeof(data) - 1, &d);
	key_hex(&d, hex);
	sub = xasprintf("%s/objects/%.2s", dir, hex);
	CHECK(mkdir(sub, 0755) == 0);
	/* a symlink to a file with exactly the right bytes: even so, not read */
	target = xasprintf("%s/outside", dir);
	put_file(target, data, sizeof(data) - 1);
	path = blob_path(dir, &d);
	CHECK(symlink(target, path) == 0);
	CHECK(store_has(&s, &d, NULL) == 0);
	fprintf(stderr, "(a 'cannot read blob' warning is expected)\n");
	CHECK(store_get(&s, &d, &b) != STORE_OK);
	CHECK(store_get_raw(&s, &d, &b) < 0);
	/* put replaces the link with a real blob; the target is unchanged */
	put_file(target, "attacker", 8);
	CHECK(store_put(&s, data, sizeof(data) - 1, &d) == 0);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(store_get(&s, &d, &b) == STORE_OK);
	CHECK(b.len == sizeof(data) - 1 && memcmp(b.data, data, b.len) == 0);
	buf_release(&b);
	CHECK(os_read_file(target, 0, &b) == 0);
	got = buf_detach(&b, NULL);
	CHECK_STR(got, "attacker");
	free(got);
	store_close(&s);
	free(path);
	free(sub);
	free(target);
	test_rmtree(dir);
	free(dir);
}

struct seen {
	struct key keys[16];
	size_t sizes[16];
	size_t n;
};

static void
visit(const struct key *d, size_t size, long long mtime, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->keys[s->n] = *d;
		s->sizes[s->n] = size;
		s->n++;
	}
	(void)mtime;
}

static int
seen_has(const struct seen *s, const struct key *d, size_t size)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (key_equal(&s->keys[i], d))
			return s->sizes[i] == size;
	return 0;
}

static void
test_each(void)
{
	char *dir = mktmp();
	struct store s;
	struct seen seen;
	struct key d[3];
	char hex[KEY_HEX_LEN + 1];
	char *p;
	size_t n;

	CHECK(store_open(&s, dir) == 0);
	memset(&seen, 0, sizeof(seen));
	CHECK(store_each(&s, visit, &seen) == 0 && seen.n == 0);
	CHECK(store_put(&s, "one", 3, &d[0]) == 0);
	CHECK(store_put(&s, "two!", 4, &d[1]) == 0);
	CHECK(store_put(&s, "three", 5, &d[2]) == 0);
	key_hex(&d[0], hex);

	/* junk: wrong lengths, uppercase, non-hex, temp files, a directory
	 * and a symlink with good names, a file at the top level */
	put_file(p = xasprintf("%s/objects/%.2s/short", dir, hex), "x", 1);
	free(p);
	put_file(p = xasprintf("%s/objects/%.2s/%s0", dir, hex, hex + 2), "x", 1);
	free(p);
	put_file(p = xasprintf("%s/objects/%.2s/.%s.tmp.1.0", dir, hex, hex + 2), "x", 1);
	free(p);
	put_file(p = xasprintf("%s/objects/%.2s/ABCDEF0123456789ABCDEF01234567", dir, hex), "x", 1);
	free(p);
	put_file(p = xasprintf("%s/objects/%.2s/zzcdef0123456789abcdef01234567", dir, hex), "x", 1);
	free(p);
	CHECK(mkdir(p = xasprintf("%s/objects/%.2s/00cdef0123456789abcdef01234567", dir, hex),
		    0755) == 0);
	free(p);
	CHECK(symlink("/etc/passwd",
		      p = xasprintf("%s/objects/%.2s/11cdef0123456789abcdef01234567", dir, hex)) == 0);
	free(p);
	CHECK(mkdir(p = xasprintf("%s/objects/zz", dir), 0755) == 0);
	free(p);
	put_file(p = xasprintf("%s/objects/zz/00cdef0123456789abcdef01234567", dir), "x", 1);
	free(p);
	CHECK(mkdir(p = xasprintf("%s/objects/abc", dir), 0755) == 0);
	free(p);
	put_file(p = xasprintf("%s/objects/abc/00cdef0123456789abcdef01234567", dir), "x", 1);
	free(p);
	put_file(p = xasprintf("%s/objects/00", dir), "x", 1);
	free(p);

	memset(&seen, 0, sizeof(seen));
	n = store_each(&s, visit, &seen);
	CHECK(n == 3);
	CHECK(seen.n == 3);
	CHECK(seen_has(&seen, &d[0], 3));
	CHECK(seen_has(&seen, &d[1], 4));
	CHECK(seen_has(&seen, &d[2], 5));
	/* a second walk gives the same (the dir fd's offset is rewound) */
	memset(&seen, 0, sizeof(seen));
	CHECK(store_each(&s, visit, &seen) == 3);
	store_close(&s);
	test_rmtree(dir);
	free(dir);
}

/* store_put_batch from several threads at once, as a remote pull's workers
 * do: every blob lands whole under its name, including blobs two threads
 * store at the same time, and no temp file is left behind */
#define BATCH_THREADS 4
#define BATCH_BLOBS 64

struct batch {
	struct store *s;
	char (*data)[4096];
	size_t *len;
	struct key *digest;
	int fails;
};

static void *
batch_main(void *arg)
{
	struct batch *b = arg;
	size_t i;

	for (i = 0; i < BATCH_BLOBS; i++)
		if (store_put_batch(b->s, b->data[i], b->len[i], &b->digest[i]) < 0)
			__atomic_add_fetch(&b->fails, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void
count_tmp(const struct key *digest, size_t size, long long mtime, void *arg)
{
	(void)digest;
	(void)size;
	(void)mtime;
	(*(size_t *)arg)++;
}

/* dotfiles (temp files) under dir/objects/xx/ */
static size_t
hidden_files(const char *dir)
{
	char *obj = path_join(dir, "objects"), *sub;
	DIR *top = opendir(obj), *d;
	struct dirent *e, *f;
	size_t n = 0;

	while (top && (e = readdir(top))) {
		if (e->d_name[0] == '.')
			continue;
		sub = path_join(obj, e->d_name);
		if ((d = opendir(sub))) {
			while ((f = readdir(d)))
				n += f->d_name[0] == '.' && strcmp(f->d_name, ".") && strcmp(f->d_name, "..");
			closedir(d);
		}
		free(sub);
	}
	if (top)
		closedir(top);
	free(obj);
	return n;
}

static void
test_batch_threads(void)
{
	char *dir = mktmp();
	static char data[BATCH_BLOBS][4096];
	size_t len[BATCH_BLOBS], i, j, n = 0;
	struct key digest[BATCH_BLOBS];
	struct batch b;
	struct store s;
	struct buf got = BUF_INIT;
	pthread_t t[BATCH_THREADS];

	for (i = 0; i < BATCH_BLOBS; i++) {
		len[i] = 1 + (i * 977) % sizeof(data[i]);
		for (j = 0; j < len[i]; j++)
			data[i][j] = (char)(i * 31 + j * 7);
		key_digest(data[i], len[i], &digest[i]);
	}
	CHECK(store_open(&s, dir) == 0);
	b = (struct batch){&s, data, len, digest, 0};
	/* all threads store the same blobs, in the same order: the worst case
	 * for two writers racing on one name */
	for (i = 0; i < BATCH_THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, batch_main, &b) == 0);
	for (i = 0; i < BATCH_THREADS; i++)
		pthread_join(t[i], NULL);
	store_sync(&s);
	CHECK(b.fails == 0);
	for (i = 0; i < BATCH_BLOBS; i++) {
		CHECK(store_get(&s, &digest[i], &got) == STORE_OK);
		CHECK(got.len == len[i] && memcmp(got.data, data[i], len[i]) == 0);
	}
	CHECK(store_each(&s, count_tmp, &n) == BATCH_BLOBS);
	CHECK(hidden_files(dir) == 0);
	buf_release(&got);
	store_close(&s);
	test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	RUN(test_open);
	RUN(test_roundtrip);
	RUN(test_has_size_remove);
	RUN(test_corrupt_and_missing);
	RUN(test_symlink_not_followed);
	RUN(test_each);
	RUN(test_batch_threads);
	return TEST_DONE();
}
