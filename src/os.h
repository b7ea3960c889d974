/* os.h - POSIX file helpers: atomic writes, bounded reads, directories */
#ifndef OS_H
#define OS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* The number of CPUs online, at least 1. */
int os_cpus(void);

/* mkdir -p; 0 or -1 (errno set). */
int os_mkdirs(const char *path, mode_t mode);

/* Open the directory BASE/REL that assetgen writes into.  BASE is the
 * user's (DIST, or the cache directory): it may itself be a link (to a web
 * root, a bigger disk), and with create it is made as mkdir -p does.  Each
 * component of REL (NULL or "" for BASE itself) is assetgen's own
 * (preview/, _thumbs/, _candidates/NAME/, objects/ab/): a symlink planted
 * at one is removed, with a warning, and never followed; with create the
 * missing ones are made.  An O_DIRECTORY descriptor, or -1 with errno set
 * (ENOENT without create, ENOTDIR for a file in the way, EINVAL for an
 * empty, "." or ".." component).  The _at form starts from an open BASE,
 * shown names it in the warning. */
int os_own_dir(const char *base, const char *rel, int create);
int os_own_dir_at(int dirfd, const char *shown, const char *rel, int create);

/* path made absolute and canonical as far as it exists (symlinks and ".."
 * resolved, as realpath does), the rest normalised by its text; malloc'd. */
char *os_resolve(const char *path);
/* Is dir the directory path or one above it (both canonical)? */
int os_path_within(const char *path, const char *dir);

/* What a file that is not regular is, for messages: "a directory",
 * "a FIFO", "a socket", "a character device", ... */
const char *os_file_kind(mode_t mode);

/* Write data to dirfd/name atomically: a hidden temp file in the same
 * directory (".NAME.tmp.PID.N", created O_EXCL|O_NOFOLLOW), written,
 * fsynced, renamed over name (which replaces, never follows, a symlink
 * already there), then the directory fsynced.  0 or -1 (errno set; the
 * temp file removed). */
int os_write_atomic(int dirfd, const char *name, const void *data, size_t len);
/* The same without the two fsyncs, for a batch the caller makes durable
 * at once with syncfs() (reads verify, so a crash before that loses only
 * what was not yet synced, never correctness).  On Linux the file's
 * writeback is started at once (sync_file_range, not waited for), so the
 * disk works while the batch goes on and the final sync has less to do. */
int os_write_atomic_nosync(int dirfd, const char *name, const void *data, size_t len);

/* os_write_atomic() to a path (relative to the cwd, or absolute). */
int os_write_atomic_path(const char *path, const void *data, size_t len);

/* Read a whole file (not following a final symlink when nofollow) into
 * out, failing with EFBIG beyond max bytes.  0 or -1 (errno set). */
int os_read_file_at(int dirfd, const char *name, size_t max, int nofollow, struct buf *out);
int os_read_file(const char *path, size_t max, struct buf *out);

/* A temp file (".NAME.tmp.PID.N") left by a process that no longer runs? */
int os_is_stale_tmp(const char *name);
/* Remove such temp files from dirfd: all of them (name NULL), or only
 * those of one file (".NAME.tmp.*"). */
void os_clean_stale_tmp(int dirfd);
void os_clean_stale_tmp_of(int dirfd, const char *name);
/* The same for the file at path. */
void os_clean_stale_tmp_path(const char *path);

/* rm -rf: remove path and everything below it (not following symlinks). */
void os_rmtree(const char *path);

/* Nanosecond mtime of a stat result. */
struct stat;
int64_t os_mtime_ns(const struct stat *st);

/* The directory holding the running binary (symlinks resolved), malloc'd,
 * or NULL. */
char *os_exe_dir(void);

/* Join a and b with '/', malloc'd. */
char *path_join(const char *a, const char *b);

#endif
