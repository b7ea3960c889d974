/* cache/lock.c - read and write assetgen.lock */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lock.h"
#include "os.h"
#include "util.h"

#define LOCK_MAX_FILE ((size_t)64 << 20)

static const char header[] =
	"# assetgen.lock - pins each asset's key to the artifact made for it; commit it.\n"
	"# `assetgen build --locked` reproduces exactly these renders without calling a model.\n"
	"# name key digest sha256 model seed [picked]\n";

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lock_entry *)a)->name, ((const struct lock_entry *)b)->name);
}

static void
entry_free(struct lock_entry *e)
{
	free(e->name);
	free(e->model);
}

/* Split line into at most n space-separated fields, in place. */
static size_t
split(char *line, char **f, size_t n)
{
	size_t k = 0;
	char *p = line;

	while (*p && k < n + 1) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (k == n)
			return n + 1;
		f[k++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return k;
}

int
lock_load(struct lockfile *l, const char *path, const char *display)
{
	struct buf b = BUF_INIT;
	struct lock_entry e;
	char *line, *next, *f[8];
	size_t lineno = 0, nf;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (os_read_file(path, LOCK_MAX_FILE, &b) < 0) {
		if (errno == ENOENT)
			return 0;
		warn("cannot read '%s':", display);
		return -1;
	}
	for (line = b.data; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		memset(&e, 0, sizeof(e));
		nf = split(line, f, 7);
		if ((nf != 6 && nf != 7) || (nf == 7 && strcmp(f[6], "picked") != 0)) {
			fprintf(stderr, "%s:%zu: expected 'name key digest sha256 model seed [picked]'\n",
				display, lineno);
			rc = -1;
			continue;
		}
		if (key_parse(f[1], &e.key) < 0 || key_parse(f[2], &e.digest) < 0 ||
		    !sha256_hex_valid(f[3]) || parse_u64(f[5], &e.seed) < 0) {
			fprintf(stderr, "%s:%zu: malformed entry for '%s'\n", display, lineno, f[0]);
			rc = -1;
			continue;
		}
		if (lock_find(l, f[0])) {
			fprintf(stderr, "%s:%zu: '%s' is pinned twice (a merge left both sides?)\n",
				display, lineno, f[0]);
			rc = -1;
			continue;
		}
		lock_set(l, f[0], &e.key, &e.digest, f[3], f[4], e.seed);
		if (nf == 7)
			lock_mark_picked(l, f[0]);
	}
	buf_release(&b);
	if (rc < 0) {
		lock_release(l);
		return -1;
	}
	return 0;
}

const struct lock_entry *
lock_find(const struct lockfile *l, const char *name)
{
	struct lock_entry k = {.name = (char *)name};

	if (!l->n)
		return NULL;
	return bsearch(&k, l->entries, l->n, sizeof(*l->entries), entry_cmp);
}

void
lock_set(struct lockfile *l, const char *name, const struct key *key, const struct key *digest,
	 const char *sha256, const char *model, uint64_t seed)
{
	struct lock_entry *e = (struct lock_entry *)lock_find(l, name);
	size_t i;

	if (e) {
		e->picked = 0;
		if (key_equal(&e->key, key) && key_equal(&e->digest, digest) &&
		    strcmp(e->sha256, sha256) == 0 && strcmp(e->model, model) == 0 && e->seed == seed)
			return;	/* unchanged */
		free(e->model);
	} else {
		l->entries = xgrow(l->entries, &l->cap, l->n + 1, sizeof(*l->entries));
		for (i = l->n; i > 0 && strcmp(l->entries[i - 1].name, name) > 0; i--)
			l->entries[i] = l->entries[i - 1];
		e = &l->entries[i];
		l->n++;
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(name);
	}
	e->key = *key;
	e->digest = *digest;
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha256);
	e->model = xstrdup(model);
	e->seed = seed;
}

void
lock_mark_picked(struct lockfile *l, const char *name)
{
	struct lock_entry *e = (struct lock_entry *)lock_find(l, name);

	if (e)
		e->picked = 1;
}

void
lock_retain(struct lockfile *l, int (*keep)(const char *name, void *arg), void *arg)
{
	size_t i, j = 0;

	for (i = 0; i < l->n; i++) {
		if (keep(l->entries[i].name, arg)) {
			l->entries[j++] = l->entries[i];
		} else {
			entry_free(&l->entries[i]);
		}
	}
	l->n = j;
}

int
lock_write(const struct lockfile *l, const char *path)
{
	struct buf b = BUF_INIT, old = BUF_INIT;
	char key[KEY_HEX_LEN + 1], dig[KEY_HEX_LEN + 1];
	size_t i;
	int r = 0;

	buf_puts(&b, header);
	for (i = 0; i < l->n; i++) {
		const struct lock_entry *e = &l->entries[i];

		char seed[24];

		key_hex(&e->key, key);
		key_hex(&e->digest, dig);
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)e->seed);
		/* plain appends: this runs for every asset on every build */
		buf_puts(&b, e->name);
		buf_putc(&b, ' ');
		buf_put(&b, key, KEY_HEX_LEN);
		buf_putc(&b, ' ');
		buf_put(&b, dig, KEY_HEX_LEN);
		buf_putc(&b, ' ');
		buf_puts(&b, e->sha256);
		buf_putc(&b, ' ');
		buf_puts(&b, e->model);
		buf_putc(&b, ' ');
		buf_puts(&b, seed);
		if (e->picked)
			buf_puts(&b, " picked");
		buf_putc(&b, '\n');
	}
	/* rewrite only when something changed, so a no-op build touches nothing */
	os_clean_stale_tmp_path(path);    /* left by a build killed while writing it */
	if (os_read_file(path, LOCK_MAX_FILE, &old) < 0 || old.len != b.len ||
	    memcmp(old.data, b.data, b.len) != 0) {
		r = os_write_atomic_path(path, b.data, b.len);
		if (r < 0)
			warn("cannot write '%s':", path);
	}
	buf_release(&old);
	buf_release(&b);
	return r;
}

void
lock_release(struct lockfile *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		entry_free(&l->entries[i]);
	free(l->entries);
	memset(l, 0, sizeof(*l));
}
