/* fuzz.h - helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c)
 *
 * Each target gets one private temporary directory per process, made on
 * first use and removed at exit; inputs are written into it as files.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UNUSED __attribute__((unused))

static char fuzz_dir[256];

FUZZ_UNUSED static void
fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

/* Write len bytes to dir/rel, replacing the file. */
FUZZ_UNUSED static void
fuzz_write(const char *rel, const void *data, size_t len)
{
	char path[512];
	const char *p = data;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fuzz_die(path);
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fuzz_die(path);
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0)
		fuzz_die(path);
}

/* The names fuzz_cleanup removes, relative to fuzz_dir, children first. */
FUZZ_UNUSED static const char *const *fuzz_names;

static void
fuzz_cleanup(void)
{
	char path[512];
	size_t i;

	if (!fuzz_dir[0])
		return;
	for (i = 0; fuzz_names && fuzz_names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, fuzz_names[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	rmdir(fuzz_dir);
}

/* Make the directory once; names (NULL-terminated, children before their
 * directories) are what may be left in it, removed at exit. */
FUZZ_UNUSED static const char *
fuzz_tmpdir(const char *const *names)
{
	const char *tmp;

	if (fuzz_dir[0])
		return fuzz_dir;
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/assetgen-fuzz-XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir))
		fuzz_die("mkdtemp");
	fuzz_names = names;
	atexit(fuzz_cleanup);
	return fuzz_dir;
}

#endif
