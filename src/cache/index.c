/* cache/index.c - the sqlite index */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "index.h"
#include "os.h"
#include "util.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define BUSY_MS 30000           /* how long a write waits for another writer */
#define QUIET_MS 2000           /* how long it waits before saying so */

struct index {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *get_action, *put_action, *put_output;
	int marked;             /* index.sqlite.incomplete written */
	int gave_up;            /* a write waited the whole busy timeout: no more waiting */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS actions ("
	" key TEXT PRIMARY KEY,"
	" digest TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" stage TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" fallback INTEGER NOT NULL DEFAULT 0,"
	" cost REAL NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS leases ("
	" key TEXT PRIMARY KEY,"
	" pid INTEGER NOT NULL,"
	" host TEXT NOT NULL,"
	" acquired INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS actions_digest ON actions(digest);"
	"CREATE TABLE IF NOT EXISTS outputs ("
	" path TEXT PRIMARY KEY,"
	" asset TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" mtime_ns INTEGER NOT NULL,"
	" ino INTEGER NOT NULL,"
	" model TEXT NOT NULL,"
	" prompt TEXT NOT NULL,"
	" negative_prompt TEXT NOT NULL,"
	" seed TEXT NOT NULL,"
	" width INTEGER NOT NULL,"
	" height INTEGER NOT NULL,"
	" params TEXT NOT NULL,"
	" upscale TEXT NOT NULL,"
	" overlay TEXT NOT NULL DEFAULT 'none');"
	"CREATE TABLE IF NOT EXISTS builds ("
	" id INTEGER PRIMARY KEY,"
	" finished INTEGER NOT NULL,"
	" assets INTEGER NOT NULL,"
	" generated INTEGER NOT NULL,"
	" hits INTEGER NOT NULL,"
	" spent REAL NOT NULL,"
	" saved REAL NOT NULL);";

static char *writer(const struct index *ix);

/* A write failed: when it had waited the whole busy timeout for another
 * writer, say who, once, and wait no more in this run (each write would
 * wait as long again; what is missed is recovered from the blobs). */
static void
write_failed(struct index *ix, int rc, const char *msg)
{
	char *who;

	if ((rc & 0xff) != SQLITE_BUSY) {
		warn("cache index '%s': %s", ix->path, msg);
		return;
	}
	if (ix->gave_up)
		return;
	ix->gave_up = 1;
	sqlite3_busy_timeout(ix->db, 0);
	who = writer(ix);
	warn("cache index '%s' stayed locked by %s for %d s; not waiting for it again in this run",
	     ix->path, who ? who : "another process", BUSY_MS / 1000);
	free(who);
}

static int
exec(struct index *ix, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(ix->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		write_failed(ix, rc, msg ? msg : sqlite3_errmsg(ix->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* exec() for the statements of an open.  sqlite returns SQLITE_BUSY
 * without calling the busy handler in a few states (another connection
 * recovering the WAL index, or closing and checkpointing as the last
 * one): that is a moment to wait, never a reason to start over. */
static int
exec_open(struct index *ix, const char *sql)
{
	int i, rc;

	for (i = 0;; i++) {
		rc = sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || i >= 400)
			break;
		nanosleep(&(struct timespec){0, i < 20 ? 5000000 : 25000000}, NULL);  /* ~10 s in all */
	}
	return -1;      /* the caller says why */
}

static int
user_version(struct index *ix)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(ix->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
close_db(struct index *ix)
{
	sqlite3_finalize(ix->get_action);
	sqlite3_finalize(ix->put_action);
	sqlite3_finalize(ix->put_output);
	ix->get_action = ix->put_action = ix->put_output = NULL;
	sqlite3_close(ix->db);
	ix->db = NULL;
}

static void
remove_files(const char *path)
{
	char *p;

	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
}

/* A damaged page anywhere, not only in the header sqlite reads at open.
 * Only damage counts: a busy or locked database is not corrupt. */
static int
quick_check_ok(struct index *ix)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, ok;

	rc = sqlite3_prepare_v2(ix->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ok = (t = sqlite3_column_text(st, 0)) && strcmp((const char *)t, "ok") == 0;
	else
		ok = (rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB;
	sqlite3_finalize(st);
	return ok;
}

/* After a failed query at open: 1 (start over) when the file is damaged;
 * -1, saying why, when it cannot be used as it is (read-only, no
 * permission, locked): starting over would not help, or would throw away
 * a good index. */
static int
unusable(struct index *ix)
{
	int e = sqlite3_errcode(ix->db) & 0xff;

	if (e == SQLITE_CORRUPT || e == SQLITE_NOTADB)
		return 1;
	warn("cannot use cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
	return -1;
}

/* 0 ok, 1 unreadable: start over, 2 other schema: start over, -1 hard error */
static int
try_open(struct index *ix, int *fresh)
{
	static atomic_int checked;      /* by the first open of the process */
	int v;

	if (sqlite3_open_v2(ix->path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		warn("cannot open cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		return -1;
	}
	sqlite3_busy_timeout(ix->db, BUSY_MS);
	sqlite3_extended_result_codes(ix->db, 1);
	/* sqlite opens a write-protected file read-only without a word; a
	 * build on it would record nothing, and pay again for every render */
	if (sqlite3_db_readonly(ix->db, "main") == 1) {
		warn("cannot use cache index '%s': it is read-only (check its owner and"
		     " permissions)", ix->path);
		return -1;
	}
	v = user_version(ix);
	if (v < 0)
		return unusable(ix);    /* not a database, corrupt, or read-only */
	if (v != 0 && v != INDEX_SCHEMA) {
		warn("cache index '%s' has schema %d, this assetgen uses %d; starting over"
		     " (no artifact is lost)", ix->path, v, INDEX_SCHEMA);
		return 2;
	}
	if (v == INDEX_SCHEMA && !atomic_exchange(&checked, 1) && !quick_check_ok(ix))
		return 1;
	/* only damage starts over: a busy or locked index is waited for, and
	 * anything else is an error (starting over would delete the index
	 * under the other processes using it) */
	if (exec_open(ix, "PRAGMA journal_mode=WAL") < 0 || exec_open(ix, "PRAGMA synchronous=NORMAL") < 0)
		return unusable(ix);
	if (v == 0) {
		if (exec_open(ix, "BEGIN IMMEDIATE") < 0)
			return unusable(ix) < 0 ? -1 : 1;
		if (user_version(ix) == 0) {
			if (exec(ix, schema) < 0 || exec(ix, "PRAGMA user_version=" STR(INDEX_SCHEMA)) < 0) {
				int r = unusable(ix);

				exec(ix, "ROLLBACK");
				return r;
			}
			*fresh = 1;
		}
		if (exec(ix, "COMMIT") < 0)
			return -1;
	}
	if (sqlite3_prepare_v2(ix->db, "SELECT digest, size, stage, model, fallback, cost, sha256"
			       " FROM actions WHERE key = ?", -1, &ix->get_action, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO actions"
			       " (key, digest, size, stage, model, fallback, cost, created, sha256)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ix->put_action, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO outputs"
			       " (path, asset, key, digest, size, mtime_ns, ino, model, prompt,"
			       " negative_prompt, seed, width, height, params, upscale, overlay)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
			       &ix->put_output, NULL) != SQLITE_OK) {
		if ((sqlite3_errcode(ix->db) & 0xff) != SQLITE_ERROR)
			return unusable(ix);
		/* the right version but not the tables it promises */
		warn("cache index '%s': %s; starting over", ix->path, sqlite3_errmsg(ix->db));
		return 1;
	}
	return 0;
}

struct index *
index_open(const char *dir, int *fresh)
{
	struct index *ix = xcalloc(1, sizeof(*ix));
	int r;

	*fresh = 0;
	if (os_mkdirs(dir, 0755) < 0) {
		warn("cannot create cache directory '%s':", dir);
		free(ix);
		return NULL;
	}
	ix->path = path_join(dir, "index.sqlite");
	r = try_open(ix, fresh);
	if (r == 1 || r == 2) {
		if (r == 1)
			warn("cache index '%s' is unreadable; starting over (no artifact is lost)", ix->path);
		close_db(ix);
		remove_files(ix->path);
		*fresh = 0;
		r = try_open(ix, fresh);
	}
	if (r != 0) {
		close_db(ix);
		free(ix->path);
		free(ix);
		return NULL;
	}
	{
		char *p = xasprintf("%s.incomplete", ix->path);

		if (access(p, F_OK) == 0)
			*fresh = 1;     /* the caller re-reads the store, then index_recovered() */
		free(p);
	}
	return ix;
}

void
index_recovered(struct index *ix)
{
	char *p = xasprintf("%s.incomplete", ix->path);

	if (unlink(p) < 0 && errno != ENOENT)
		warn("cannot remove '%s':", p);
	free(p);
}

void
index_destroy(const char *dir)
{
	static const char *const suffixes[] = { "-journal", ".incomplete" };
	char *path = path_join(dir, "index.sqlite"), *p;
	size_t i;

	remove_files(path);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		p = xasprintf("%s%s", path, suffixes[i]);
		unlink(p);
		free(p);
	}
	free(path);
}

void
index_close(struct index *ix)
{
	if (!ix)
		return;
	close_db(ix);
	free(ix->path);
	free(ix);
}

void
index_sync_full(struct index *ix)
{
	exec(ix, "PRAGMA synchronous=FULL");
}

int
index_begin(struct index *ix)
{
	return exec(ix, "BEGIN IMMEDIATE");
}

/* "process 1234 (assetgen cache gc)" for the process whose POSIX lock on
 * byte off of path conflicts with a write lock, or NULL. */
static char *
holder_of(const char *path, off_t off)
{
	struct flock fl;
	struct buf cmd = BUF_INIT;
	char *proc;
	size_t i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK || fl.l_pid <= 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	proc = xasprintf("/proc/%ld/cmdline", (long)fl.l_pid);
	if (os_read_file(proc, 0, &cmd) < 0 || !cmd.len) {
		free(proc);
		buf_release(&cmd);
		return xasprintf("process %ld", (long)fl.l_pid);
	}
	free(proc);
	/* its arguments, spaced, printable, and not too many of them */
	while (cmd.len && cmd.data[cmd.len - 1] == '\0')
		cmd.len--;
	if (cmd.len > 80)
		cmd.len = 80;
	for (i = 0; i < cmd.len; i++) {
		if (cmd.data[i] == '\0')
			cmd.data[i] = ' ';
		else if ((unsigned char)cmd.data[i] < 0x20 || (unsigned char)cmd.data[i] >= 0x7f)
			cmd.data[i] = '?';
	}
	cmd.data[cmd.len] = '\0';
	proc = xasprintf("process %ld (%s%s)", (long)fl.l_pid, cmd.data,
			 cmd.len == 80 ? "..." : "");
	buf_release(&cmd);
	return proc;
}

/* Who holds the write lock: in WAL mode, sqlite's WAL_WRITE_LOCK, byte
 * 120 of the -shm file; in a rollback journal, the RESERVED byte, one
 * past the PENDING byte at 1 GiB, of the database. */
static char *
writer(const struct index *ix)
{
	char *shm = xasprintf("%s-shm", ix->path), *who = holder_of(shm, 120);

	free(shm);
	return who ? who : holder_of(ix->path, 0x40000001);
}

int
index_writable(struct index *ix)
{
	char *who;
	int rc;

	/* Another build's commit takes milliseconds: wait quietly that long,
	 * and say who holds the lock only when the wait becomes noticeable. */
	sqlite3_busy_timeout(ix->db, QUIET_MS);
	rc = sqlite3_exec(ix->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(ix->db, BUSY_MS);
	if ((rc & 0xff) == SQLITE_BUSY) {
		who = writer(ix);
		warn("cache index '%s' is locked by %s; waiting up to %d s", ix->path,
		     who ? who : "another process", BUSY_MS / 1000);
		free(who);
		rc = sqlite3_exec(ix->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		return exec(ix, "COMMIT");
	if ((rc & 0xff) == SQLITE_BUSY) {
		who = writer(ix);
		warn("cache index '%s' is still locked by %s after %d s; try again once it is done",
		     ix->path, who ? who : "another process", BUSY_MS / 1000);
		free(who);
	} else {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
	}
	return -1;
}

static int missed(struct index *ix);

int
index_commit(struct index *ix)
{
	if (exec(ix, "COMMIT") == 0)
		return 0;
	/* the transaction's records are lost (a full disk, say): as for a
	 * put that fails, the next open recovers them from the blobs */
	index_rollback(ix);
	return missed(ix);
}

void
index_rollback(struct index *ix)
{
	sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
step_done(struct index *ix, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		write_failed(ix, rc, sqlite3_errmsg(ix->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A record of a stored blob could not be written (a full disk, say): the
 * blob holds its key, so the next open re-reads the store to recover the
 * record rather than pay for the render again.  An empty marker file says
 * so; creating it needs an inode, not a block. */
static int
missed(struct index *ix)
{
	char *p;
	int fd;

	if (ix->marked)
		return -1;
	ix->marked = 1;
	p = xasprintf("%s.incomplete", ix->path);
	fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		warn("cache index '%s' missed a record; the next run recovers it from the blobs",
		     ix->path);
	}
	free(p);
	return -1;
}

static void
bind_key(sqlite3_stmt *st, int i, const struct key *k)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(k, hex);
	sqlite3_bind_text(st, i, hex, KEY_HEX_LEN, SQLITE_TRANSIENT);
}

static int
column_key(sqlite3_stmt *st, int i, struct key *k)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? key_parse(s, k) : -1;
}

static void
copy_text(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

int
index_action_get(struct index *ix, const struct key *key, struct action *out)
{
	sqlite3_stmt *st = ix->get_action;
	int rc, found = 0;

	bind_key(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (column_key(st, 0, &out->digest) == 0) {
			out->size = (uint64_t)sqlite3_column_int64(st, 1);
			copy_text(out->stage, sizeof(out->stage), sqlite3_column_text(st, 2));
			copy_text(out->model, sizeof(out->model), sqlite3_column_text(st, 3));
			out->fallback = sqlite3_column_int(st, 4);
			out->cost = sqlite3_column_double(st, 5);
			copy_text(out->sha256, sizeof(out->sha256), sqlite3_column_text(st, 6));
			found = 1;
		}
	} else if (rc != SQLITE_DONE) {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		found = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return found;
}

int
index_action_put(struct index *ix, const struct key *key, const struct action *a)
{
	sqlite3_stmt *st = ix->put_action;

	bind_key(st, 1, key);
	bind_key(st, 2, &a->digest);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a->size);
	sqlite3_bind_text(st, 4, a->stage, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, a->model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, a->fallback);
	sqlite3_bind_double(st, 7, a->cost);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 9, a->sha256, -1, SQLITE_TRANSIENT);
	return step_done(ix, st) < 0 ? missed(ix) : 0;
}

static int
delete_by(struct index *ix, const char *sql, const char *text)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK) {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	if (step_done(ix, st) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
index_action_delete(struct index *ix, const struct key *key)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(key, hex);
	return delete_by(ix, "DELETE FROM actions WHERE key = ?", hex);
}

int
index_action_delete_digest(struct index *ix, const struct key *d)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(d, hex);
	return delete_by(ix, "DELETE FROM actions WHERE digest = ?", hex);
}

long long
index_action_count(struct index *ix)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(ix->db, "SELECT count(*) FROM actions", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
index_action_each(struct index *ix, void (*fn)(const struct key *key, const struct key *digest,
					     void *arg), void *arg)
{
	sqlite3_stmt *st;
	struct key k, d;
	int rc;

	if (sqlite3_prepare_v2(ix->db, "SELECT key, digest FROM actions", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (column_key(st, 0, &k) == 0 && column_key(st, 1, &d) == 0)
			fn(&k, &d, arg);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
holder_alive(long long pid, const char *host, long long acquired, const char *myhost)
{
	if (strcmp(host, myhost) == 0)
		return !(kill((pid_t)pid, 0) < 0 && errno == ESRCH);
	/* another machine sharing the cache directory: trust it for an hour */
	return time(NULL) - acquired < 3600;
}

int
index_lease_acquire(struct index *ix, const struct key *key)
{
	sqlite3_stmt *st = NULL;
	char hex[KEY_HEX_LEN + 1], host[256] = "";
	int r = -1, rc;

	gethostname(host, sizeof(host) - 1);
	key_hex(key, hex);
	if (index_begin(ix) < 0)
		return -1;
	if (sqlite3_prepare_v2(ix->db, "SELECT pid, host, acquired FROM leases WHERE key = ?", -1, &st,
			       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		long long pid = sqlite3_column_int64(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);

		if (pid != (long long)getpid() || strcmp(h ? h : "", host) != 0) {
			if (holder_alive(pid, h ? h : "", sqlite3_column_int64(st, 2), host)) {
				r = 0;
				goto out;
			}
		}
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO leases (key, pid, host, acquired)"
			       " VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 3, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	r = sqlite3_step(st) == SQLITE_DONE ? 1 : -1;
out:
	sqlite3_finalize(st);
	if (r >= 0)
		index_commit(ix);
	else {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		index_rollback(ix);
	}
	return r;
}

void
index_lease_release(struct index *ix, const struct key *key)
{
	sqlite3_stmt *st;
	char hex[KEY_HEX_LEN + 1];

	key_hex(key, hex);
	if (sqlite3_prepare_v2(ix->db, "DELETE FROM leases WHERE key = ? AND pid = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s ? (const char *)s : "");
}

int
index_outputs_load(struct index *ix, struct output_rec **out, size_t *n)
{
	sqlite3_stmt *st;
	struct output_rec *recs = NULL, *r;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(ix->db, "SELECT path, asset, key, digest, size, mtime_ns, ino,"
			       " model, prompt, negative_prompt, seed, width, height, params, upscale,"
			       " overlay FROM outputs ORDER BY path", -1, &st, NULL) != SQLITE_OK) {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		recs = xgrow(recs, &cap, len + 1, sizeof(*recs));
		r = &recs[len];
		memset(r, 0, sizeof(*r));
		if (column_key(st, 2, &r->key) < 0 || column_key(st, 3, &r->digest) < 0)
			continue;
		r->path = column_dup(st, 0);
		r->asset = column_dup(st, 1);
		r->size = sqlite3_column_int64(st, 4);
		r->mtime_ns = sqlite3_column_int64(st, 5);
		r->ino = sqlite3_column_int64(st, 6);
		r->model = column_dup(st, 7);
		r->prompt = column_dup(st, 8);
		r->negative_prompt = column_dup(st, 9);
		if (parse_u64((const char *)sqlite3_column_text(st, 10), &r->seed) < 0)
			r->seed = 0;
		r->width = (uint32_t)sqlite3_column_int(st, 11);
		r->height = (uint32_t)sqlite3_column_int(st, 12);
		r->params = column_dup(st, 13);
		r->upscale = column_dup(st, 14);
		r->overlay = column_dup(st, 15);
		len++;
	}
	sqlite3_finalize(st);
	*out = recs;
	*n = len;
	if (rc != SQLITE_DONE) {
		warn("cache index '%s': %s", ix->path, sqlite3_errmsg(ix->db));
		return -1;
	}
	return 0;
}

const struct output_rec *
index_outputs_find(const struct output_rec *recs, size_t n, const char *path)
{
	size_t lo = 0, hi = n, mid;
	int c;

	/* sqlite's ORDER BY on TEXT uses memcmp order, as strcmp does */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(path, recs[mid].path);
		if (c == 0)
			return &recs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
index_outputs_free(struct output_rec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(recs[i].path);
		free(recs[i].asset);
		free(recs[i].model);
		free(recs[i].prompt);
		free(recs[i].negative_prompt);
		free(recs[i].params);
		free(recs[i].upscale);
		free(recs[i].overlay);
	}
	free(recs);
}

int
index_output_put(struct index *ix, const struct output_rec *r)
{
	sqlite3_stmt *st = ix->put_output;
	char seed[24];

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
	sqlite3_bind_text(st, 1, r->path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->asset, -1, SQLITE_TRANSIENT);
	bind_key(st, 3, &r->key);
	bind_key(st, 4, &r->digest);
	sqlite3_bind_int64(st, 5, r->size);
	sqlite3_bind_int64(st, 6, r->mtime_ns);
	sqlite3_bind_int64(st, 7, r->ino);
	sqlite3_bind_text(st, 8, r->model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, r->prompt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, r->negative_prompt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, seed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 12, (int)r->width);
	sqlite3_bind_int(st, 13, (int)r->height);
	sqlite3_bind_text(st, 14, r->params, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 15, r->upscale, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 16, r->overlay ? r->overlay : "none", -1, SQLITE_TRANSIENT);
	return step_done(ix, st) < 0 ? missed(ix) : 0;
}

int
index_output_delete(struct index *ix, const char *path)
{
	return delete_by(ix, "DELETE FROM outputs WHERE path = ?", path);
}

int
index_build_record(struct index *ix, long long assets, long long generated,
		   long long hits, double spent, double saved)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(ix->db, "INSERT INTO builds (finished, assets, generated, hits,"
			       " spent, saved) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 2, assets);
	sqlite3_bind_int64(st, 3, generated);
	sqlite3_bind_int64(st, 4, hits);
	sqlite3_bind_double(st, 5, spent);
	sqlite3_bind_double(st, 6, saved);
	r = step_done(ix, st);
	sqlite3_finalize(st);
	return r;
}

int
index_build_totals(struct index *ix, struct index_totals *out)
{
	sqlite3_stmt *st;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(ix->db, "SELECT count(*), total(assets), total(generated),"
			       " total(hits), total(spent), total(saved) FROM builds", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->builds = sqlite3_column_int64(st, 0);
		out->assets = (long long)sqlite3_column_double(st, 1);
		out->generated = (long long)sqlite3_column_double(st, 2);
		out->hits = (long long)sqlite3_column_double(st, 3);
		out->spent = sqlite3_column_double(st, 4);
		out->saved = sqlite3_column_double(st, 5);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- jobs at queued APIs (jobs.c) ---- */

static const char jobs_schema[] =
	"CREATE TABLE IF NOT EXISTS jobs ("
	" key TEXT PRIMARY KEY,"
	" asset TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" provider TEXT NOT NULL,"
	" handle TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" attempt INTEGER NOT NULL,"
	" cost REAL NOT NULL,"
	" submitted INTEGER NOT NULL,"
	" updated INTEGER NOT NULL)";

/* The table, made on first use: an index of an older assetgen gains it
 * without starting over. */
static int
jobs_table(struct index *ix)
{
	return exec(ix, jobs_schema);
}

int
index_job_put(struct index *ix, const struct job_rec *j)
{
	sqlite3_stmt *st;
	int r;

	if (jobs_table(ix) < 0 ||
	    sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO jobs (key, asset, model, provider,"
			       " handle, state, attempt, cost, submitted, updated)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_key(st, 1, &j->key);
	sqlite3_bind_text(st, 2, j->asset, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, j->model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, j->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, j->handle, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, j->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, j->attempt);
	sqlite3_bind_double(st, 8, j->cost);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)j->submitted);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)j->updated);
	r = step_done(ix, st);
	sqlite3_finalize(st);
	return r;
}

int
index_job_state(struct index *ix, const struct key *key, const char *state)
{
	sqlite3_stmt *st;
	int r;

	if (jobs_table(ix) < 0 ||
	    sqlite3_prepare_v2(ix->db, "UPDATE jobs SET state = ?, updated = ? WHERE key = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	bind_key(st, 3, key);
	r = step_done(ix, st);
	sqlite3_finalize(st);
	return r;
}

static void
job_from_row(sqlite3_stmt *st, struct job_rec *j)
{
	memset(j, 0, sizeof(*j));
	column_key(st, 0, &j->key);
	j->asset = column_dup(st, 1);
	j->model = column_dup(st, 2);
	j->provider = column_dup(st, 3);
	j->handle = column_dup(st, 4);
	j->state = column_dup(st, 5);
	j->attempt = sqlite3_column_int(st, 6);
	j->cost = sqlite3_column_double(st, 7);
	j->submitted = sqlite3_column_int64(st, 8);
	j->updated = sqlite3_column_int64(st, 9);
}

#define JOB_COLUMNS "key, asset, model, provider, handle, state, attempt, cost, submitted, updated"

int
index_job_get(struct index *ix, const struct key *key, struct job_rec *out)
{
	sqlite3_stmt *st;
	int rc;

	if (jobs_table(ix) < 0 ||
	    sqlite3_prepare_v2(ix->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE key = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	bind_key(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		job_from_row(st, out);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
index_jobs_load(struct index *ix, struct job_rec **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (jobs_table(ix) < 0 ||
	    sqlite3_prepare_v2(ix->db, "SELECT " JOB_COLUMNS " FROM jobs ORDER BY submitted, asset",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n + 1, sizeof(**out));
		job_from_row(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
index_job_release(struct job_rec *j)
{
	free(j->asset);
	free(j->model);
	free(j->provider);
	free(j->handle);
	free(j->state);
	memset(j, 0, sizeof(*j));
}

void
index_jobs_free(struct job_rec *j, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		index_job_release(&j[i]);
	free(j);
}
