/* cache/actionresult.h - the REAPI ActionResult of an action-cache entry
 *
 * What the Bazel HTTP cache protocol stores under /ac/<sha256>: a protobuf
 * build.bazel.remote.execution.v2.ActionResult, encoded here by hand (the
 * few fields used are in tests/proto/remote_execution.proto).  Its
 * output_files name two blobs by SHA-256 digest and size: "artifact", the
 * image, and "entry.json", assetgen's record of the entry (its key, digests,
 * stage, model and HMAC: ac_encode() in remote.h), whose bytes also ride
 * inline in the output file's contents so that a lookup costs one request.
 * Every field read is checked: lengths against the body, hashes as 64
 * lowercase hex digits, sizes non-negative.
 */
#ifndef ACTIONRESULT_H
#define ACTIONRESULT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"

#define AR_ARTIFACT "artifact"
#define AR_ENTRY "entry.json"

struct ar_file {
	char sha256[SHA256_HEX_LEN + 1];   /* "" when the file was absent */
	uint64_t size;
	const char *contents;              /* into the decoded body, or NULL */
	size_t len;
};

struct action_result {
	struct ar_file artifact;
	struct ar_file entry;
};

/* The ActionResult naming the artifact and the entry record (whose bytes
 * go inline), appended to out. */
void ar_encode(const char *artifact_sha256, uint64_t artifact_size, const char *entry,
	       size_t entry_len, struct buf *out);
/* Parse data; 0 with both files found, or -1 with *why set.  Fields and
 * output files assetgen does not use are skipped. */
int ar_decode(const char *data, size_t len, struct action_result *out, const char **why);

#endif
