/* os.c - POSIX file helpers */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"
#include "util.h"

int
os_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
}

int
os_mkdirs(const char *path, mode_t mode)
{
	char *p, *s;
	int r = 0;

	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				r = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (r == 0) {
		struct stat st;

		if (stat(p, &st) < 0)
			r = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			r = -1;
		}
	}
	free(p);
	return r;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One component of a directory assetgen owns, in dirfd: made when create
 * is set, a symlink planted there removed (never followed), opened.  shown
 * is its path, for the warning. */
static int
own_component(int dirfd, const char *name, const char *shown, int create)
{
	struct stat st;
	int fd, err;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) {
			err = errno;
			warn("cannot remove the symlink '%s':", shown);
			errno = err;
			return -1;
		}
		warn("removed the symlink '%s': assetgen does not write through links", shown);
	}
	if (create && mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		errno = ENOTDIR;        /* a link planted since: refused */
	return fd;
}

int
os_own_dir_at(int dirfd, const char *shown, const char *rel, int create)
{
	struct buf path = BUF_INIT;
	const char *s = rel ? rel : "", *e;
	char *name;
	int fd = dup(dirfd), next, err;

	if (fd < 0)
		return -1;
	buf_puts(&path, shown);
	while (*s) {
		e = s + strcspn(s, "/");
		name = xstrndup(s, (size_t)(e - s));
		if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
			free(name);
			close(fd);
			buf_release(&path);
			errno = EINVAL;
			return -1;
		}
		buf_putc(&path, '/');
		buf_puts(&path, name);
		next = own_component(fd, name, path.data, create);
		err = errno;
		free(name);
		close(fd);
		if (next < 0) {
			buf_release(&path);
			errno = err;
			return -1;
		}
		fd = next;
		s = *e ? e + 1 : e;
	}
	buf_release(&path);
	return fd;
}

int
os_own_dir(const char *base, const char *rel, int create)
{
	int bfd, fd, err;

	if (create && os_mkdirs(base, 0755) < 0)
		return -1;
	if ((bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	fd = os_own_dir_at(bfd, base, rel, create);
	err = errno;
	close(bfd);
	errno = err;
	return fd;
}

char *
os_resolve(const char *path)
{
	char cwd[PATH_MAX], *res, *next, *real, *slash;
	const char *s = path, *e;

	if (*path == '/')
		res = xstrdup("/");
	else
		res = realpath(getcwd(cwd, sizeof(cwd)) ? cwd : ".", NULL);
	if (!res)
		res = xstrdup("/");
	while (*s) {
		e = s + strcspn(s, "/");
		if (e - s == 2 && !strncmp(s, "..", 2)) {
			/* res is canonical where it exists, so its parent is the
			 * parent; past that, a name not made yet is popped */
			slash = strrchr(res, '/');
			slash[slash == res] = '\0';
		} else if (e > s && !(e - s == 1 && *s == '.')) {
			next = xasprintf("%s%s%.*s", res, strcmp(res, "/") ? "/" : "", (int)(e - s), s);
			real = realpath(next, NULL);
			free(res);
			if (real) {
				free(next);
				res = real;
			} else {
				res = next;
			}
		}
		s = *e ? e + 1 : e;
	}
	return res;
}

int
os_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return *path == '/';
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

const char *
os_file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" :
		S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
		S_ISLNK(mode) ? "a symlink" : S_ISREG(mode) ? "a regular file" : "not a regular file";
}

static int write_atomic(int dirfd, const char *name, const void *data, size_t len, int sync);

int
os_write_atomic(int dirfd, const char *name, const void *data, size_t len)
{
	return write_atomic(dirfd, name, data, len, 1);
}

int
os_write_atomic_nosync(int dirfd, const char *name, const void *data, size_t len)
{
	return write_atomic(dirfd, name, data, len, 0);
}

static int
write_atomic(int dirfd, const char *name, const void *data, size_t len, int sync)
{
	static atomic_uint counter;
	char tmp[512];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld.%u", name, (long)getpid(),
		     atomic_fetch_add(&counter, 1)) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0))
		goto fail;
#ifdef SYNC_FILE_RANGE_WRITE
	/* a batch is made durable by one syncfs() at its end: start writing
	 * this file back now, so that the disk works while the rest arrives
	 * and the final sync has little left to wait for */
	if (!sync)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
	if (sync)
		fsync(dirfd);
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = err;
	return -1;
}

/* Open path's directory; *name is set to its last component.  -1 with
 * errno set. */
static int
open_parent(const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = errno;

	free(dir);
	*name = slash ? slash + 1 : path;
	errno = err;
	return dfd;
}

int
os_write_atomic_path(const char *path, const void *data, size_t len)
{
	const char *name;
	int dfd, r, err;

	if ((dfd = open_parent(path, &name)) < 0)
		return -1;
	r = os_write_atomic(dfd, name, data, len);
	err = errno;
	close(dfd);
	errno = err;
	return r;
}

int
os_read_file_at(int dirfd, const char *name, size_t max, int nofollow, struct buf *out)
{
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int fd, err;

	/* O_NONBLOCK: a FIFO planted here must not hang us before the check */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (max && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	buf_reset(out);
	out->data = xgrow(out->data, &out->cap, (size_t)st.st_size + 1, 1);
	out->data[0] = '\0';
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		if ((max && out->len + (size_t)n > max) || buf_put(out, chunk, (size_t)n) < 0) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int
os_read_file(const char *path, size_t max, struct buf *out)
{
	return os_read_file_at(AT_FDCWD, path, max, 0, out);
}

int
os_is_stale_tmp(const char *name)
{
	const char *p, *q, *last = NULL;
	char *end;
	long pid;

	/* ".NAME.tmp.PID.N": the last ".tmp.", then digits, '.', digits */
	if (name[0] != '.')
		return 0;
	for (p = name; (q = strstr(p, ".tmp.")); p = q + 1)
		last = q;
	if (!last)
		return 0;
	pid = strtol(last + 5, &end, 10);
	if (end == last + 5 || *end != '.' || !end[1])
		return 0;
	for (q = end + 1; *q; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void
os_clean_stale_tmp(int dirfd)
{
	os_clean_stale_tmp_of(dirfd, NULL);
}

void
os_clean_stale_tmp_of(int dirfd, const char *name)
{
	size_t nlen = name ? strlen(name) : 0;
	DIR *d;
	struct dirent *e;
	int fd = dup(dirfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d);     /* the dup shares the offset of dirfd */
	while ((e = readdir(d)))
		if ((!name || (strncmp(e->d_name + 1, name, nlen) == 0 &&
			       strncmp(e->d_name + 1 + nlen, ".tmp.", 5) == 0)) &&
		    os_is_stale_tmp(e->d_name))
			unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

void
os_clean_stale_tmp_path(const char *path)
{
	const char *name;
	int dfd = open_parent(path, &name);

	if (dfd < 0)
		return;
	os_clean_stale_tmp_of(dfd, name);
	close(dfd);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		warn("cannot remove '%s':", path);
	return 0;
}

void
os_rmtree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int64_t
os_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

char *
path_join(const char *a, const char *b)
{
	if (!*a || *b == '/')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, str_has_suffix(a, "/") ? "" : "/", b);
}

char *
os_exe_dir(void)
{
	char buf[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return NULL;
	buf[n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return NULL;
	return xstrndup(buf, (size_t)(slash - buf > 0 ? slash - buf : 1));
}
