/* cache/store.c - content-addressed blobs: atomic write, verified read */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"
#include "store.h"
#include "util.h"

int
store_open(struct store *s, const char *dir)
{
	char *obj = path_join(dir, "objects");

	s->dir = xstrdup(dir);
	s->objfd = -1;
	memset(s->swept, 0, sizeof(s->swept));
	s->objfd = os_own_dir(dir, "objects", 1);
	if (s->objfd < 0) {
		warn("cannot create cache directory '%s':", obj);
		goto fail;
	}
	free(obj);
	return 0;
fail:
	free(obj);
	free(s->dir);
	s->dir = NULL;
	return -1;
}

void
store_close(struct store *s)
{
	if (s->objfd >= 0)
		close(s->objfd);
	s->objfd = -1;
	free(s->dir);
	s->dir = NULL;
}

/* "ab/cdef..." */
static void
blob_name(const struct key *digest, char name[KEY_HEX_LEN + 2])
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(digest, hex);
	name[0] = hex[0];
	name[1] = hex[1];
	name[2] = '/';
	memcpy(name + 3, hex + 2, KEY_HEX_LEN - 2);
	name[KEY_HEX_LEN + 1] = '\0';
}

int
store_has(struct store *s, const struct key *digest, size_t *size)
{
	char name[KEY_HEX_LEN + 2];
	struct stat st;

	blob_name(digest, name);
	if (fstatat(s->objfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (size)
		*size = (size_t)st.st_size;
	return 1;
}

static int put(struct store *s, const void *data, size_t len, const struct key *digest, int sync);

int
store_put(struct store *s, const void *data, size_t len, struct key *digest)
{
	key_digest(data, len, digest);
	return put(s, data, len, digest, 1);
}

int
store_put_batch(struct store *s, const void *data, size_t len, const struct key *digest)
{
	return put(s, data, len, digest, 0);
}

void
store_sync(struct store *s)
{
	if (syncfs(s->objfd) < 0)
		warn("cannot sync the cache '%s':", s->dir);
}

static int
put(struct store *s, const void *data, size_t len, const struct key *digest, int sync)
{
	char name[KEY_HEX_LEN + 2], *shown;
	struct stat st;
	int dfd;

	if (store_has(s, digest, NULL))
		return 0;
	blob_name(digest, name);
	name[2] = '\0';
	shown = path_join(s->dir, "objects");
	dfd = os_own_dir_at(s->objfd, shown, name, 1);
	free(shown);
	if (dfd < 0) {
		warn("cannot create '%s/objects/%s':", s->dir, name);
		return -1;
	}
	/* a directory where the blob belongs would fail this store for
	 * good (a rename cannot replace it), and a paid render with it:
	 * nothing of ours lives there, so it goes */
	if (fstatat(dfd, name + 3, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		char *path = xasprintf("%s/objects/%s/%s", s->dir, name, name + 3);

		warn("removed the directory '%s': a blob belongs there", path);
		os_rmtree(path);
		free(path);
	}
	/* a writer killed here left its hidden temp file: remove it, once per
	 * directory and process (a pull stores hundreds of blobs) */
	{
		unsigned i = (unsigned)digest->b[0];

		if (!__atomic_exchange_n(&s->swept[i], 1, __ATOMIC_RELAXED))
			os_clean_stale_tmp(dfd);
	}
	if ((sync ? os_write_atomic : os_write_atomic_nosync)(dfd, name + 3, data, len) < 0) {
		warn("cannot write blob '%s/objects/%s/%s':", s->dir, name, name + 3);
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}

enum store_status
store_get(struct store *s, const struct key *digest, struct buf *out)
{
	char name[KEY_HEX_LEN + 2];
	struct key got;

	blob_name(digest, name);
	if (os_read_file_at(s->objfd, name, STORE_MAX_BLOB, 1, out) < 0) {
		if (errno == ENOENT)
			return STORE_MISSING;
		warn("cannot read blob '%s/objects/%s':", s->dir, name);
		return STORE_ERROR;
	}
	key_digest(out->data, out->len, &got);
	if (!key_equal(&got, digest)) {
		warn("corrupt blob '%s/objects/%s' removed (contents do not match its name)", s->dir, name);
		unlinkat(s->objfd, name, 0);
		buf_reset(out);
		return STORE_CORRUPT;
	}
	/* a use: `cache gc --older-than` removes what has not been used */
	utimensat(s->objfd, name, NULL, AT_SYMLINK_NOFOLLOW);
	return STORE_OK;
}

int
store_get_raw(struct store *s, const struct key *digest, struct buf *out)
{
	char name[KEY_HEX_LEN + 2];

	blob_name(digest, name);
	return os_read_file_at(s->objfd, name, STORE_MAX_BLOB, 1, out);
}

int
store_remove(struct store *s, const struct key *digest)
{
	char name[KEY_HEX_LEN + 2];

	blob_name(digest, name);
	return unlinkat(s->objfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
}

size_t
store_each(struct store *s,
	   void (*fn)(const struct key *digest, size_t size, long long mtime, void *arg),
	   void *arg)
{
	char hex[KEY_HEX_LEN + 1];
	struct key k;
	struct stat st;
	struct dirent *e, *f;
	DIR *top, *sub;
	size_t n = 0;
	int fd;

	fd = dup(s->objfd);
	if (fd < 0 || !(top = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(top);
	while ((e = readdir(top))) {
		if (strlen(e->d_name) != 2)
			continue;
		fd = openat(s->objfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		sub = fdopendir(fd);
		if (!sub) {
			close(fd);
			continue;
		}
		while ((f = readdir(sub))) {
			if (os_is_stale_tmp(f->d_name)) {
				/* left by a writer that was killed */
				unlinkat(dirfd(sub), f->d_name, 0);
				continue;
			}
			if (strlen(f->d_name) != KEY_HEX_LEN - 2)
				continue;
			memcpy(hex, e->d_name, 2);
			memcpy(hex + 2, f->d_name, KEY_HEX_LEN - 2);
			hex[KEY_HEX_LEN] = '\0';
			if (key_parse(hex, &k) < 0)
				continue;
			if (fstatat(dirfd(sub), f->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			fn(&k, (size_t)st.st_size, (long long)st.st_mtim.tv_sec, arg);
			n++;
		}
		closedir(sub);
	}
	closedir(top);
	return n;
}

/* A name the store makes in objects/ab/: a blob ("cdef...", the 30 hex
 * digits after the first two) or the temp file of one. */
static int
store_made(const char *name)
{
	size_t i, n = name[0] == '.' ? 1 : 0;

	for (i = 0; i < KEY_HEX_LEN - 2; i++)
		if (!name[n + i] || !strchr("0123456789abcdef", name[n + i]))
			return 0;
	return n ? str_has_prefix(name + 1 + i, ".tmp.") : name[i] == '\0';
}

int
store_destroy(const char *dir)
{
	char *obj = path_join(dir, "objects");
	struct dirent *e, *f;
	DIR *top, *sub;
	size_t left = 0;
	int ofd, fd;

	ofd = os_own_dir(dir, "objects", 0);
	if (ofd < 0 || !(top = fdopendir(ofd))) {
		if (ofd >= 0)
			close(ofd);
		else if (errno != ENOENT)
			warn("cannot open '%s':", obj);
		free(obj);
		return errno == ENOENT ? 0 : -1;
	}
	while ((e = readdir(top))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strlen(e->d_name) != 2 || !strchr("0123456789abcdef", e->d_name[0]) ||
		    !strchr("0123456789abcdef", e->d_name[1])) {
			left++;
			continue;
		}
		/* a link planted at objects/ab goes, never followed */
		if ((fd = os_own_dir_at(ofd, obj, e->d_name, 0)) < 0) {
			left += errno != ENOENT;
			continue;
		}
		if (!(sub = fdopendir(fd))) {
			close(fd);
			left++;
			continue;
		}
		while ((f = readdir(sub)))
			if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..") &&
			    (!store_made(f->d_name) || unlinkat(fd, f->d_name, 0) < 0))
				left++;
		closedir(sub);
		if (unlinkat(ofd, e->d_name, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY && errno != EEXIST)
			left++;
	}
	closedir(top);
	if (rmdir(obj) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		left++;
	if (left)
		warn("kept %zu file%s in '%s' that assetgen did not make", left, left == 1 ? "" : "s", obj);
	free(obj);
	return left ? -1 : 0;
}
