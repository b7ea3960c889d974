/* cache/lock.c - read and write assetgen.lock */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lock.h"
#include "os.h"
#include "util.h"

static const char header[] =
	"# assetgen.lock - pins each asset's key to the artifact made for it; commit it.\n"
	"# `assetgen build --locked` reproduces exactly these renders without calling a model.\n"
	"# name key digest sha256 model seed [picked]\n";

static void
entry_free(struct lock_entry *e)
{
	free(e->name);
	free(e->model);
}

/* ---- the name -> entry table (open addressing, load factor <= 1/2) ---- */

static size_t
name_hash(const char *name)
{
	struct key k;
	size_t h = 0;

	key_digest(name, strlen(name), &k);
	memcpy(&h, k.b, sizeof(h));
	return h;
}

/* The slot holding name, or the empty one where it would go. */
static size_t *
slot_of(const struct lockfile *l, const char *name)
{
	size_t i = name_hash(name) & (l->nslots - 1);

	while (l->slots[i] && strcmp(l->entries[l->slots[i] - 1].name, name) != 0)
		i = (i + 1) & (l->nslots - 1);
	return &l->slots[i];
}

/* Index every entry again (after a resize, or entries removed). */
static void
reindex(struct lockfile *l, size_t want)
{
	size_t n = 64, i;

	while (n < 2 * want)
		n *= 2;
	free(l->slots);
	l->slots = xcalloc(n, sizeof(*l->slots));
	l->nslots = n;
	for (i = 0; i < l->n; i++)
		*slot_of(l, l->entries[i].name) = i + 1;
}

static struct lock_entry *
find(const struct lockfile *l, const char *name)
{
	size_t s;

	if (!l->n)
		return NULL;
	s = *slot_of(l, name);
	return s ? &l->entries[s - 1] : NULL;
}

/* A new entry for name (not present), zeroed but for its name. */
static struct lock_entry *
add(struct lockfile *l, const char *name)
{
	struct lock_entry *e;

	if (2 * (l->n + 1) > l->nslots)
		reindex(l, 2 * (l->n + 1));
	l->entries = xgrow(l->entries, &l->cap, l->n + 1, sizeof(*l->entries));
	e = &l->entries[l->n];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	*slot_of(l, name) = ++l->n;
	return e;
}

static void
fill(struct lock_entry *e, const struct key *key, const struct key *digest, const char *sha256,
     const char *model, uint64_t seed)
{
	e->key = *key;
	e->digest = *digest;
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha256);
	free(e->model);
	e->model = xstrdup(model);
	e->seed = seed;
}

/* ---- reading ---- */

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
	struct lock_entry *e;
	struct key key, digest;
	uint64_t seed;
	char *line, *end, *next, *f[8];
	size_t lineno = 0, nf, len;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (os_read_file(path, LOCK_MAX_FILE, &b) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EFBIG)
			warn("'%s' is larger than %zu MiB, the most a lock may hold", display,
			     LOCK_MAX_FILE >> 20);
		else
			warn("cannot read '%s':", display);
		buf_release(&b);
		return -1;
	}
	end = b.data + b.len;
	for (line = b.data; line < end; line = next) {
		lineno++;
		next = memchr(line, '\n', (size_t)(end - line));
		len = (size_t)((next ? next : end) - line);
		next = next ? next + 1 : end;
		line[len] = '\0';
		if (strlen(line) != len) {
			fprintf(stderr, "%s:%zu: a NUL byte in the line\n", display, lineno);
			rc = -1;
			continue;
		}
		if (*line == '#' || *line == '\0')
			continue;
		nf = split(line, f, 7);
		if ((nf != 6 && nf != 7) || (nf == 7 && strcmp(f[6], "picked") != 0)) {
			fprintf(stderr, "%s:%zu: expected 'name key digest sha256 model seed [picked]'\n",
				display, lineno);
			rc = -1;
			continue;
		}
		if (key_parse(f[1], &key) < 0 || key_parse(f[2], &digest) < 0 ||
		    !sha256_hex_valid(f[3]) || parse_u64(f[5], &seed) < 0) {
			fprintf(stderr, "%s:%zu: malformed entry for '%s'\n", display, lineno, f[0]);
			rc = -1;
			continue;
		}
		if (find(l, f[0])) {
			fprintf(stderr, "%s:%zu: '%s' is pinned twice (a merge left both sides?)\n",
				display, lineno, f[0]);
			rc = -1;
			continue;
		}
		e = add(l, f[0]);
		fill(e, &key, &digest, f[3], f[4], seed);
		e->picked = nf == 7;
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
	return find(l, name);
}

void
lock_set(struct lockfile *l, const char *name, const struct key *key, const struct key *digest,
	 const char *sha256, const char *model, uint64_t seed)
{
	struct lock_entry *e = find(l, name);

	if (!e)
		e = add(l, name);
	e->picked = 0;
	fill(e, key, digest, sha256, model, seed);
}

void
lock_mark_picked(struct lockfile *l, const char *name)
{
	struct lock_entry *e = find(l, name);

	if (e)
		e->picked = 1;
}

void
lock_retain(struct lockfile *l, int (*keep)(const char *name, void *arg), void *arg)
{
	size_t i, j = 0;

	for (i = 0; i < l->n; i++) {
		if (keep(l->entries[i].name, arg))
			l->entries[j++] = l->entries[i];
		else
			entry_free(&l->entries[i]);
	}
	if (j == l->n)
		return;
	l->n = j;
	reindex(l, l->n);
}

/* ---- writing ---- */

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const struct lock_entry *const *)a)->name,
		      (*(const struct lock_entry *const *)b)->name);
}

int
lock_write(const struct lockfile *l, const char *path)
{
	struct buf b = BUF_INIT, old = BUF_INIT;
	const struct lock_entry **sorted = xcalloc(l->n + 1, sizeof(*sorted));
	char key[KEY_HEX_LEN + 1], dig[KEY_HEX_LEN + 1], seed[24];
	size_t i;
	int r = 0;

	/* one sorted line per asset, whatever order they were set in */
	for (i = 0; i < l->n; i++)
		sorted[i] = &l->entries[i];
	if (l->n > 1)
		qsort(sorted, l->n, sizeof(*sorted), by_name);
	buf_puts(&b, header);
	for (i = 0; i < l->n; i++) {
		const struct lock_entry *e = sorted[i];

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
	free(sorted);
	if (b.len > LOCK_MAX_FILE) {
		/* it could not be read back */
		warn("'%s' not written: its %zu entries would take %zu MiB, more than the %zu MiB"
		     " a lock may hold", path, l->n, b.len >> 20, LOCK_MAX_FILE >> 20);
		buf_release(&b);
		return -1;
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
	free(l->slots);
	memset(l, 0, sizeof(*l));
}
