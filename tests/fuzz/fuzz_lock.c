/* fuzz_lock.c - lock_load() on an arbitrary assetgen.lock
 *
 * lock_load() prints a line per malformed entry: the stdio stream stderr
 * is pointed at /dev/null so that the log does not fill with them
 * (ASSETGEN_FUZZ_STDERR=1 keeps them).  libFuzzer and the sanitizers
 * write to their own copy of the stream or to fd 2, so their reports stay.
 * A loaded lock holds each name once (entries keep the file's order; the
 * writer sorts) and every entry can be found by its name.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "cache/lock.h"

static const char *const names[] = { "assetgen.lock", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[512];
	struct lockfile l;
	FILE *null;
	size_t i;

	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/assetgen.lock", fuzz_tmpdir(names));
		if (!getenv("ASSETGEN_FUZZ_STDERR") && (null = fopen("/dev/null", "w")))
			stderr = null;
	}
	fuzz_write("assetgen.lock", data, size);
	if (lock_load(&l, path, "assetgen.lock") == 0) {
		for (i = 0; i < l.n; i++) {
			if (lock_find(&l, l.entries[i].name) != &l.entries[i])
				abort();
		}
		lock_release(&l);
	}
	return 0;
}
