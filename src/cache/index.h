/* cache/index.h - the sqlite index of the local cache (cache/index.sqlite)
 *
 * index.c is the only file that includes <sqlite3.h>.  The index is an
 * accelerator: it maps keys to blobs and records what each output file
 * should be, so that a no-op build reads no image.  Losing it loses no
 * artifact (index_rebuild() recovers the key -> blob map from the metadata
 * inside the blobs).  WAL mode and a busy timeout let several builds share
 * one cache; writes use BEGIN IMMEDIATE.  A schema mismatch or a corrupt
 * file is not an error: assetgen warns and starts over.
 */
#ifndef INDEX_H
#define INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"

#define INDEX_SCHEMA 3

struct index;

struct action {
	struct key digest;      /* the blob */
	uint64_t size;
	char stage[16];         /* "gen" or "upscale" */
	char model[128];        /* config name of the model (or upscaler) that made it */
	int fallback;           /* made by a fallback candidate */
	double cost;            /* what it cost to make */
	char sha256[65];        /* of the blob, for lock entries and the remote cache */
};

/* What an output file should be, and the inputs it was made from (so that
 * --explain can say what changed, field by field). */
struct output_rec {
	char *path;             /* absolute */
	char *asset;
	struct key key;         /* final key (upscale key, or generation key) */
	struct key digest;
	int64_t size;
	int64_t mtime_ns;
	int64_t ino;
	char *model;            /* config name */
	char *prompt;
	char *negative_prompt;
	uint64_t seed;
	uint32_t width, height;
	char *params;           /* "name=value\n"... sorted */
	char *upscale;          /* "factor 2 lanczos3", "size 2048x1024 bicubic", "none" */
	char *overlay;          /* artifact_overlay_text(): "none" or "name=value\n"... */
};

/* Open (creating) dir/index.sqlite.  *fresh is set when the index was
 * created anew, or when an earlier run could not write a record (a full
 * disk), so the caller may rebuild it from the blobs.  NULL on an
 * error that starting over could not fix (warned). */
struct index *index_open(const char *dir, int *fresh);
/* After re-reading the store on *fresh: records missed earlier are back. */
void index_recovered(struct index *ix);
void index_close(struct index *ix);
/* Remove the (closed) index in dir: index.sqlite and the files sqlite and
 * assetgen keep beside it (-wal, -shm, -journal, .incomplete). */
void index_destroy(const char *dir);

int index_begin(struct index *ix);      /* BEGIN IMMEDIATE */
/* Commits on this connection wait for the WAL to reach the disk
 * (synchronous=FULL; the default is NORMAL, durable at checkpoints). */
void index_sync_full(struct index *ix);
/* Can this connection write?  0 at once, or after waiting (up to the busy
 * timeout, 30 s) for another writer, said with who it is; -1 when it is
 * still locked (warned, naming the process that holds the lock). */
int index_writable(struct index *ix);
int index_commit(struct index *ix);    /* on failure: rolled back, marked for recovery */
void index_rollback(struct index *ix);

/* 1 found, 0 not found, -1 error. */
int index_action_get(struct index *ix, const struct key *key, struct action *out);
int index_action_put(struct index *ix, const struct key *key, const struct action *a);
int index_action_delete(struct index *ix, const struct key *key);
/* Delete actions whose digest is d (a blob found corrupt or removed). */
int index_action_delete_digest(struct index *ix, const struct key *d);
long long index_action_count(struct index *ix);
/* Visit every action: fn(key, digest, arg). */
int index_action_each(struct index *ix, void (*fn)(const struct key *key, const struct key *digest,
						  void *arg), void *arg);

/* A per-key lease, so that concurrent builds on one cache never generate
 * the same key at once.  1 acquired (or already ours), 0 held by another
 * live process, -1 error.  A lease of a process that died is free. */
int index_lease_acquire(struct index *ix, const struct key *key);
void index_lease_release(struct index *ix, const struct key *key);

/* All output records, sorted by path. */
int index_outputs_load(struct index *ix, struct output_rec **out, size_t *n);
const struct output_rec *index_outputs_find(const struct output_rec *recs, size_t n, const char *path);
void index_outputs_free(struct output_rec *recs, size_t n);
int index_output_put(struct index *ix, const struct output_rec *r);
int index_output_delete(struct index *ix, const char *path);

/* A finished build, for `cache stats`. */
int index_build_record(struct index *ix, long long assets, long long generated,
		       long long hits, double spent, double saved);
struct index_totals {
	long long builds, assets, generated, hits;
	double spent, saved;
};
int index_build_totals(struct index *ix, struct index_totals *out);

/* A job submitted to a queued API (jobs.c): recorded before the build
 * waits on it, so that a build that dies resumes it by its id instead of
 * paying for it again.  The table is created on first use. */
struct job_rec {
	struct key key;         /* the generation key it makes */
	char *asset;
	char *model;            /* config name */
	char *provider;
	char *handle;           /* the provider's record of the job (its id, polling URLs) */
	char *state;            /* submitted, queued, running, ready, downloaded, cached,
	                           failed, moderated, expired, lost, cancelled */
	int attempt;
	double cost;
	int64_t submitted, updated;     /* Unix seconds */
};

/* Record a new job (replacing any for its key).  0 or -1. */
int index_job_put(struct index *ix, const struct job_rec *j);
/* Set the state of the job for key (and its update time).  0 or -1. */
int index_job_state(struct index *ix, const struct key *key, const char *state);
/* 1 and *out (release with index_job_release) when key has a job, 0 if
 * not, -1 on error. */
int index_job_get(struct index *ix, const struct key *key, struct job_rec *out);
/* Every job, oldest first. */
int index_jobs_load(struct index *ix, struct job_rec **out, size_t *n);
void index_job_release(struct job_rec *j);
void index_jobs_free(struct job_rec *j, size_t n);

#endif
