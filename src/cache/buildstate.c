/* cache/buildstate.c - the recorded build state: a no-op build proved without parsing or planning
 *
 * CACHE/build-state, all integers little-endian:
 *
 *   "assetgen build-state\n"  u32 version
 *   sig   the assetgen binary (/proc/self/exe)
 *   str   project root           u32 intent + 1          u64 assets
 *   u32   inputs, each: u8 kind, str path, 16 bytes XXH3-128
 *   u32   directories, each: str path, u32 entries, each: str name, sig
 *   16 bytes: XXH3-128 of everything before
 *
 * str is a u32 length (NUL included) and the bytes; sig is u8 present,
 * u32 mode, u64 dev, ino, size, mtime_ns, ctime_ns.  A directory's entry
 * "." is the directory itself: a file added, removed or renamed in it
 * changes its mtime and ctime, so the names are not listed again at check
 * time, only stat'ed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd/cmd.h"
#include "inputs.h"
#include "key.h"
#include "lazy.h"
#include "buildstate.h"
#include "os.h"
#include "pool.h"
#include "recipe.h"
#include "util.h"

#define STATE_NAME "build-state"
#define STATE_MAGIC "assetgen build-state\n"
#define STATE_VERSION 2u
#define STATE_MAX (1u << 30)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct sig {
	uint8_t present;
	uint32_t mode;
	uint64_t dev, ino;
	int64_t size, mtime_ns, ctime_ns;
};

static void
sig_of(const struct stat *st, struct sig *s)
{
	memset(s, 0, sizeof(*s));
	s->present = 1;
	s->mode = (uint32_t)st->st_mode;
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = (int64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static int
sig_equal(const struct sig *a, const struct sig *b)
{
	if (a->present != b->present)
		return 0;
	return !a->present || (a->mode == b->mode && a->dev == b->dev && a->ino == b->ino &&
			       a->size == b->size && a->mtime_ns == b->mtime_ns &&
			       a->ctime_ns == b->ctime_ns);
}

/* fstatat(dfd, name) without following a final symlink; "." is dfd itself. */
static void
sig_at(int dfd, const char *name, struct sig *s)
{
	struct stat st;
	int r = strcmp(name, ".") == 0 ? fstat(dfd, &st) : fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);

	if (r == 0)
		sig_of(&st, s);
	else
		memset(s, 0, sizeof(*s));
}

/* The running binary, by the path the kernel knows it by (as readlink
 * gives it: valgrind, for one, answers for its guest there but not to a
 * stat of /proc/self/exe). */
static void
sig_exe(struct sig *s)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	memset(s, 0, sizeof(*s));
	if (n <= 0 || (size_t)n >= sizeof(path) - 1)
		return;
	path[n] = '\0';
	if (stat(path, &st) == 0)
		sig_of(&st, s);
}

/* ---- encoding ---- */

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_put(b, x, sizeof(x));
}

static void
put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_put(b, x, sizeof(x));
}

static void
put_str(struct buf *b, const char *s)
{
	size_t n = strlen(s) + 1;

	put_u32(b, (uint32_t)n);
	buf_put(b, s, n);
}

static void
put_sig(struct buf *b, const struct sig *s)
{
	buf_putc(b, s->present);
	put_u32(b, s->mode);
	put_u64(b, s->dev);
	put_u64(b, s->ino);
	put_u64(b, (uint64_t)s->size);
	put_u64(b, (uint64_t)s->mtime_ns);
	put_u64(b, (uint64_t)s->ctime_ns);
}

struct reader {
	const unsigned char *p, *end;
	int bad;
};

static const unsigned char *
take(struct reader *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

static uint32_t
get_u32(struct reader *r)
{
	const unsigned char *x = take(r, 4);
	uint32_t v;

	if (!x)
		return 0;
	memcpy(&v, x, sizeof(v));
	return le32toh(v);
}

static uint64_t
get_u64(struct reader *r)
{
	const unsigned char *x = take(r, 8);
	uint64_t v;

	if (!x)
		return 0;
	memcpy(&v, x, sizeof(v));
	return le64toh(v);
}

/* A NUL-terminated string inside the state buffer, or "" when damaged. */
static const char *
get_str(struct reader *r)
{
	uint32_t n = get_u32(r);
	const unsigned char *s = n ? take(r, n) : NULL;

	if (!s || s[n - 1] != '\0' || memchr(s, '\0', n) != s + n - 1) {
		r->bad = 1;
		return "";
	}
	return (const char *)s;
}

static void
get_sig(struct reader *r, struct sig *s)
{
	const unsigned char *present = take(r, 1);

	s->present = present ? *present : 0;
	s->mode = get_u32(r);
	s->dev = get_u64(r);
	s->ino = get_u64(r);
	s->size = (int64_t)get_u64(r);
	s->mtime_ns = (int64_t)get_u64(r);
	s->ctime_ns = (int64_t)get_u64(r);
	if (s->present > 1)
		r->bad = 1;
}

/* ---- hashing inputs ---- */

/* XXH3-128 of a file's bytes (following symlinks, as the loaders do).
 * 0, or -1 when it cannot be read as a regular file. */
static int
hash_file(const char *path, struct buf *scratch, struct key *out)
{
	struct key_stream *s;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (!scratch->data)
		scratch->data = xgrow(NULL, &scratch->cap, 1 << 18, 1);
	s = key_stream_new();
	while ((n = read(fd, scratch->data, scratch->cap)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			key_stream_final(s, out);
			close(fd);
			return -1;
		}
		key_stream_update(s, scratch->data, (size_t)n);
	}
	key_stream_final(s, out);
	close(fd);
	return 0;
}

/* Does the input still read as noted? */
static int
input_same(enum input_kind kind, const char *path, const struct key *hash, struct buf *scratch)
{
	struct stat st;
	struct key k;
	char **names;
	size_t n, i;

	switch (kind) {
	case INPUT_FILE:
		return hash_file(path, scratch, &k) == 0 && key_equal(&k, hash);
	case INPUT_ABSENT:
		return stat(path, &st) < 0 && errno == ENOENT;
	case INPUT_RECIPES:
		if (recipe_list(path, &names, &n) < 0)
			return 0;
		inputs_names_hash(names, n, &k);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return key_equal(&k, hash);
	case INPUT_ENV:
		inputs_env_hash(path, &k);
		return key_equal(&k, hash);
	}
	return 0;
}

/* ---- where things are ---- */

/* The project root as ctx_load() finds it; malloc'd, or NULL. */
static char *
find_root(const struct global *g)
{
	char *why, *root = ctx_find_root(g, &why);

	if (!root)
		free(why);      /* the full load says it */
	return root;
}

static int
remote_set(const char *cfg_url)
{
	const char *url = getenv("ASSETGEN_REMOTE_CACHE");

	return (url && *url) || (cfg_url && *cfg_url);
}

static void
say(int debug, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(int debug, const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	fputs("assetgen: noop: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the check ---- */

/* One recorded directory entry, to stat again. */
struct want {
	int dfd;                /* -1: the directory is not there */
	const char *dir, *name;
	struct sig sig;
};

struct stat_job {
	const struct want *w;
	size_t n, nparts;       /* part k: w[n * k / nparts .. n * (k + 1) / nparts) */
	_Atomic size_t first;   /* lowest index found changed; n when none */
};

/* pool_fn: stat part k; stop early once a change is known below us. */
static void
stat_range(void *arg, size_t k, int worker)
{
	struct stat_job *j = arg;
	struct sig have;
	size_t i, end = j->n * (k + 1) / j->nparts;

	(void)worker;
	for (i = j->n * k / j->nparts; i < end; i++) {
		if ((i & 255) == 0 && atomic_load(&j->first) < i)
			break;
		if (j->w[i].dfd >= 0)
			sig_at(j->w[i].dfd, j->w[i].name, &have);
		else
			memset(&have, 0, sizeof(have));
		if (!sig_equal(&j->w[i].sig, &have)) {
			size_t cur = atomic_load(&j->first);

			while (i < cur && !atomic_compare_exchange_weak(&j->first, &cur, i))
				;
			break;
		}
	}
}

/* The index of the first entry that changed, or n.  Each stat is a path
 * lookup in the kernel, and most of a no-op's time at scale: with many
 * entries, two threads share them, a half each. */
static size_t
stat_all(const struct want *w, size_t n)
{
	struct stat_job j = { w, n, n >= 4096 && os_cpus() > 1 ? 2 : 1, n };

	pool_run((int)j.nparts, j.nparts, stat_range, &j);
	return atomic_load(&j.first);
}

static int
check_state(const struct buf *b, const char *root, int intent, size_t *nassets, int debug)
{
	struct reader r = { (const unsigned char *)b->data, (const unsigned char *)b->data + b->len, 0 };
	struct buf scratch = BUF_INIT;
	struct want *w = NULL;
	struct sig want, have;
	struct key sum, k;
	const unsigned char *h;
	const char *path;
	size_t nw = 0, capw = 0, bad;
	int *fds = NULL;
	uint32_t i, j, n, m;
	int kind, ok = 0;

	if (b->len < sizeof(STATE_MAGIC) - 1 + 4 + 16) {
		say(debug, "full build: build state damaged");
		return 0;
	}
	key_digest(b->data, b->len - 16, &sum);
	if (memcmp(sum.b, b->data + b->len - 16, 16) != 0) {
		say(debug, "full build: build state damaged");
		return 0;
	}
	r.end -= 16;
	h = take(&r, sizeof(STATE_MAGIC) - 1);
	if (!h || memcmp(h, STATE_MAGIC, sizeof(STATE_MAGIC) - 1) != 0 || get_u32(&r) != STATE_VERSION) {
		say(debug, "full build: build state from another version");
		return 0;
	}
	get_sig(&r, &want);
	sig_exe(&have);
	if (!have.present || !sig_equal(&want, &have)) {
		say(debug, "full build: the assetgen binary changed");
		return 0;
	}
	if (strcmp(get_str(&r), root) != 0 || get_u32(&r) != (uint32_t)(intent + 1)) {
		say(debug, "full build: recorded for another project root or --intent");
		return 0;
	}
	*nassets = (size_t)get_u64(&r);
	n = get_u32(&r);
	for (i = 0; i < n && !r.bad; i++) {
		h = take(&r, 1);
		kind = h ? *h : -1;
		path = get_str(&r);
		if ((h = take(&r, 16)))
			memcpy(k.b, h, 16);
		if (r.bad || kind < INPUT_FILE || kind > INPUT_ENV) {
			r.bad = 1;
			break;
		}
		if (!input_same((enum input_kind)kind, path, &k, &scratch)) {
			say(debug, "full build: input changed: %s", path);
			goto out;
		}
	}
	n = get_u32(&r);
	if (n > 64) {
		r.bad = 1;
		n = 0;
	}
	fds = xcalloc(n + 1, sizeof(*fds));
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n && !r.bad; i++) {
		path = get_str(&r);
		m = get_u32(&r);
		fds[i] = r.bad ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (j = 0; j < m && !r.bad; j++) {
			w = xgrow(w, &capw, nw + 1, sizeof(*w));
			w[nw].dfd = fds[i];
			w[nw].dir = path;
			w[nw].name = get_str(&r);
			get_sig(&r, &w[nw].sig);
			nw++;
		}
	}
	if (r.bad || r.p != r.end) {
		say(debug, "full build: build state damaged");
		goto out;
	}
	if ((bad = stat_all(w, nw)) < nw) {
		say(debug, "full build: changed: %s/%s", w[bad].dir, w[bad].name);
		goto out;
	}
	ok = 1;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(w);
	buf_release(&scratch);
	return ok;
}

int
noop_check(const struct global *g, int intent, int debug, size_t *nassets)
{
	struct project p;
	struct diags d = {0};
	struct buf b = BUF_INIT;
	char *root, *path;
	int ok = 0;

	if (!(root = find_root(g)))
		return 0;
	if (project_load_config(&p, root, &d) < 0) {
		diags_release(&d);
		free(root);
		return 0;
	}
	diags_release(&d);
	if (remote_set(p.cfg.remote_url)) {
		say(debug, "full build: a remote cache is set");
		goto out;
	}
	path = xasprintf("%s/%s/%s", p.cfg.root, p.cfg.cache_dir, STATE_NAME);
	if (os_read_file(path, STATE_MAX, &b) < 0)
		say(debug, "full build: no build state (%s)", strerror(errno));
	else
		ok = check_state(&b, p.cfg.root, intent, nassets, debug);
	free(path);
	if (ok)
		say(debug, "nothing changed since the last build with nothing to do");
out:
	buf_release(&b);
	project_release(&p);
	inputs_reset();         /* assetgen.yaml, noted as it was read */
	free(root);
	return ok;
}

/* ---- saving ---- */

/* Changed too recently to be told apart from a change after now?  A later
 * change gets a ctime >= now (ctime cannot be set by hand); a file system
 * with whole-second times (nsec 0) gets two seconds of margin. */
static int
racy(const struct sig *s, int64_t now)
{
	if (!s->present)
		return 0;
	if (s->ctime_ns % 1000000000 == 0 && s->ctime_ns + 2000000000 > now)
		return 1;
	return s->ctime_ns >= now;
}

struct saver {
	struct buf b;
	int64_t now;
	const char *why_not;    /* set: do not save */
	char *what;             /* the file that made it so */
};

static void
entry(struct saver *sv, int dfd, const char *dir, const char *name)
{
	struct sig s;

	sig_at(dfd, name, &s);
	if (!sv->why_not && racy(&s, sv->now)) {
		sv->why_not = "changed too recently";
		sv->what = xasprintf("%s/%s", dir, name);
	}
	put_str(&sv->b, name);
	put_sig(&sv->b, &s);
}

/* Named entries of dir (which must exist). */
static void
dir_named(struct saver *sv, const char *dir, const char *const *names, size_t n)
{
	size_t i;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		sv->why_not = "cannot open a directory";
		return;
	}
	put_str(&sv->b, dir);
	put_u32(&sv->b, (uint32_t)n);
	for (i = 0; i < n; i++)
		entry(sv, dfd, dir, names[i]);
	close(dfd);
}

/* dir itself and every entry in it (with each; without, dir itself
 * only); only "." (absent) when there is none. */
static void
dir_all(struct saver *sv, const char *dir, int each)
{
	struct dirent *de;
	size_t count_at, n = 1;
	DIR *d;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	put_str(&sv->b, dir);
	count_at = sv->b.len;
	put_u32(&sv->b, 1);
	if (dfd < 0) {
		if (errno != ENOENT)
			sv->why_not = "cannot open a directory";
		put_str(&sv->b, ".");
		put_sig(&sv->b, &(struct sig){0});
		return;
	}
	entry(sv, dfd, dir, ".");
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		sv->why_not = "cannot list a directory";
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* a temp file: another build at work, or one a full build would sweep */
		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp.") && !sv->why_not) {
			sv->why_not = "a temporary file is there";
			sv->what = xasprintf("%s/%s", dir, de->d_name);
		}
		if (each) {
			entry(sv, dirfd(d), dir, de->d_name);
			n++;
		}
	}
	closedir(d);
	sv->b.data[count_at] = (char)(n & 0xff);
	sv->b.data[count_at + 1] = (char)((n >> 8) & 0xff);
	sv->b.data[count_at + 2] = (char)((n >> 16) & 0xff);
	sv->b.data[count_at + 3] = (char)((n >> 24) & 0xff);
}

void
noop_save(const struct noop_build *nb, int debug)
{
	static const char *const cache_names[] = { "index.sqlite", "index.sqlite-wal", "objects" };
	static const char *const sub[] = { "preview", "_thumbs", "_thumbs/preview" };
	struct saver sv = { BUF_INIT, 0, NULL, NULL };
	struct buf scratch = BUF_INIT;
	struct input *in;
	struct timespec ts;
	struct sig exe;
	struct key k;
	char *lock, *dir, *libs[4];
	size_t i, n, nlibs;
	int complete, dfd;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	sv.now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	/* where the dynamic loader finds libraries loaded on demand */
	inputs_note_env("LD_LIBRARY_PATH");
	inputs_note_env("LD_PRELOAD");
	in = inputs_get(&n, &complete);
	if (!complete) {
		say(debug, "build state not saved: an input could not be noted");
		inputs_free(in, n);
		return;
	}
	sig_exe(&exe);
	if (!exe.present || racy(&exe, sv.now)) {
		say(debug, "build state not saved: cannot identify the assetgen binary");
		inputs_free(in, n);
		return;
	}
	nlibs = lazy_loaded(libs, NELEM(libs));
	buf_put(&sv.b, STATE_MAGIC, sizeof(STATE_MAGIC) - 1);
	put_u32(&sv.b, STATE_VERSION);
	put_sig(&sv.b, &exe);
	put_str(&sv.b, nb->root);
	put_u32(&sv.b, (uint32_t)(nb->intent + 1));
	put_u64(&sv.b, (uint64_t)nb->nassets);

	/* the inputs the loaders noted, and the lock as this build left it */
	lock = path_join(nb->root, "assetgen.lock");
	put_u32(&sv.b, (uint32_t)n + 1);
	for (i = 0; i < n; i++) {
		buf_putc(&sv.b, (int)in[i].kind);
		put_str(&sv.b, in[i].path);
		buf_put(&sv.b, in[i].hash.b, 16);
	}
	if (hash_file(lock, &scratch, &k) == 0) {
		buf_putc(&sv.b, INPUT_FILE);
	} else if (errno == ENOENT) {
		buf_putc(&sv.b, INPUT_ABSENT);
		memset(&k, 0, sizeof(k));
	} else {
		sv.why_not = "cannot read assetgen.lock";
	}
	put_str(&sv.b, lock);
	buf_put(&sv.b, k.b, 16);
	free(lock);
	inputs_free(in, n);
	buf_release(&scratch);

	/* the index and the outputs, as stat sees them; and the libraries
	 * loaded on demand (the typography key names Tesseract's version) */
	put_u32(&sv.b, (uint32_t)(1 + 1 + NELEM(sub) + nlibs));
	dir_named(&sv, nb->cache_dir, cache_names, NELEM(cache_names));
	for (i = 0; i < nlibs; i++) {
		const char *base = strrchr(libs[i], '/') + 1;

		libs[i][base - libs[i] - 1] = '\0';
		dir_named(&sv, libs[i][0] ? libs[i] : "/", &base, 1);
		free(libs[i]);
	}
	/* outputs one by one; thumbnails by their directories: one added,
	 * removed or renamed into place is noticed, one rewritten in place is
	 * not (half the stats of a check; the gallery's own cache, not a
	 * product) */
	dir_all(&sv, nb->out_dir, 1);
	for (i = 0; i < NELEM(sub); i++) {
		dir = path_join(nb->out_dir, sub[i]);
		dir_all(&sv, dir, !str_has_prefix(sub[i], "_thumbs"));
		free(dir);
	}
	key_digest(sv.b.data, sv.b.len, &k);
	buf_put(&sv.b, k.b, 16);

	if (!sv.why_not && (dfd = open(nb->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		/* no fsync: a state lost in a crash costs one full build, and a
		 * torn one fails its checksum */
		if (os_write_atomic_nosync(dfd, STATE_NAME, sv.b.data, sv.b.len) < 0)
			sv.why_not = "cannot write it";
		close(dfd);
	} else if (!sv.why_not) {
		sv.why_not = "cannot open the cache directory";
	}
	if (sv.why_not)
		say(debug, "build state not saved: %s%s%s", sv.why_not, sv.what ? ": " : "",
		    sv.what ? sv.what : "");
	else
		say(debug, "build state saved (%zu bytes)", sv.b.len);
	free(sv.what);
	buf_release(&sv.b);
}

void
noop_forget(const char *cache_dir)
{
	char *path = path_join(cache_dir, STATE_NAME);

	if (unlink(path) < 0 && errno != ENOENT)
		warn("cannot remove '%s':", path);
	os_clean_stale_tmp_path(path);
	free(path);
}
