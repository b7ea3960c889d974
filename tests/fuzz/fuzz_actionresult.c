/* fuzz_actionresult.c - ar_decode() on an arbitrary action-cache body
 *
 * A body that decodes names both files by a 64-digit SHA-256, any inline
 * contents lie inside the body, and encoding what it gave back decodes to
 * the same digests, sizes and contents.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "crypto.h"
#include "cache/actionresult.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct action_result ar, again;
	struct buf b = BUF_INIT;
	const char *why = NULL, *end = (const char *)data + size;

	if (ar_decode((const char *)data, size, &ar, &why) < 0) {
		if (!why)
			abort();
		return 0;
	}
	if (!sha256_hex_valid(ar.artifact.sha256) || !sha256_hex_valid(ar.entry.sha256))
		abort();
	if (ar.entry.contents && (ar.entry.contents < (const char *)data ||
				  ar.entry.contents + ar.entry.len > end))
		abort();
	if (!ar.entry.contents)
		return 0;
	ar_encode(ar.artifact.sha256, ar.artifact.size, ar.entry.contents, ar.entry.len, &b);
	if (ar_decode(b.data, b.len, &again, &why) < 0 ||
	    strcmp(again.artifact.sha256, ar.artifact.sha256) != 0 ||
	    again.artifact.size != ar.artifact.size || again.entry.len != ar.entry.len ||
	    memcmp(again.entry.contents, ar.entry.contents, ar.entry.len) != 0)
		abort();
	buf_release(&b);
	return 0;
}
