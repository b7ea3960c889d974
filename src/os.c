/* os.c - POSIX file helpers */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
os_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int r = 0;

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

int
os_write_atomic(int dirfd, const char *name, const void *data, size_t len)
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
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
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

int
os_write_atomic_path(const char *path, const void *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int dfd, r, err;

	if (!slash)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -1;
	r = os_write_atomic(dfd, slash ? slash + 1 : path, data, len);
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

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (max && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	buf_reset(out);
	out->data = xgrow(out->data, &out->cap, (size_t)st.st_size + 1, 1);
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

void
os_clean_stale_tmp(int dirfd)
{
	DIR *d;
	struct dirent *e;
	const char *p;
	long pid;
	int fd = dup(dirfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.' || !(p = strstr(e->d_name, ".tmp.")))
			continue;
		pid = strtol(p + 5, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			unlinkat(dirfd, e->d_name, 0);
	}
	closedir(d);
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
