/* cache/actionresult.c - a REAPI ActionResult by hand: the protobuf wire
 * format of the few fields an action-cache entry uses
 *
 *   ActionResult { repeated OutputFile output_files = 2; }
 *   OutputFile   { string path = 1; Digest digest = 2; bytes contents = 5; }
 *   Digest       { string hash = 1; int64 size_bytes = 2; }
 */
#include <string.h>

#include "actionresult.h"
#include "util.h"

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

#define AR_MAX ((size_t)1 << 20)       /* an entry's body: far more than one needs */

static void
put_varint(struct buf *b, uint64_t v)
{
	unsigned char c;

	do {
		c = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		buf_putc(b, c);
	} while (v);
}

static void
put_tag(struct buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

static void
put_bytes(struct buf *b, unsigned field, const void *data, size_t len)
{
	put_tag(b, field, WIRE_LEN);
	put_varint(b, len);
	buf_put(b, data, len);
}

/* OutputFile { path, digest { hash, size_bytes }, contents } */
static void
put_file(struct buf *out, const char *path, const char *sha256, uint64_t size,
	 const char *contents, size_t len)
{
	struct buf digest = BUF_INIT, file = BUF_INIT;

	put_bytes(&digest, 1, sha256, strlen(sha256));
	put_tag(&digest, 2, WIRE_VARINT);
	put_varint(&digest, size);
	put_bytes(&file, 1, path, strlen(path));
	put_bytes(&file, 2, digest.data, digest.len);
	if (contents)
		put_bytes(&file, 5, contents, len);
	put_bytes(out, 2, file.data, file.len);
	buf_release(&digest);
	buf_release(&file);
}

void
ar_encode(const char *artifact_sha256, uint64_t artifact_size, const char *entry,
	  size_t entry_len, struct buf *out)
{
	char sha[SHA256_HEX_LEN + 1];

	sha256_hex(entry, entry_len, sha);
	put_file(out, AR_ARTIFACT, artifact_sha256, artifact_size, NULL, 0);
	put_file(out, AR_ENTRY, sha, entry_len, entry, entry_len);
}

/* ---- decoding ---- */

struct reader {
	const unsigned char *p, *end;
};

static int
get_varint(struct reader *r, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (r->p < r->end && shift < 64) {
		unsigned char c = *r->p++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

/* The next field: its number, wire type, and for WIRE_LEN its bytes (the
 * other types are read past, *v holding a varint).  0, 1 at the end, -1
 * when malformed. */
static int
get_field(struct reader *r, unsigned *field, unsigned *wire, struct reader *sub, uint64_t *v)
{
	uint64_t tag, n;

	if (r->p == r->end)
		return 1;
	if (get_varint(r, &tag) < 0 || tag >> 3 == 0 || tag >> 3 > 536870911u)
		return -1;
	*field = (unsigned)(tag >> 3);
	*wire = (unsigned)(tag & 7);
	switch (*wire) {
	case WIRE_VARINT:
		return get_varint(r, v);
	case WIRE_I64:
	case WIRE_I32:
		n = *wire == WIRE_I64 ? 8 : 4;
		if ((uint64_t)(r->end - r->p) < n)
			return -1;
		r->p += n;
		return 0;
	case WIRE_LEN:
		if (get_varint(r, &n) < 0 || n > (uint64_t)(r->end - r->p))
			return -1;
		sub->p = r->p;
		sub->end = r->p + n;
		r->p += n;
		return 0;
	default:
		return -1;      /* groups are not in proto3 */
	}
}

static int
is_sha256_hex(const unsigned char *s, size_t n)
{
	size_t i;

	if (n != SHA256_HEX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
get_digest(struct reader r, struct ar_file *f)
{
	struct reader sub;
	unsigned field, wire;
	uint64_t v = 0;
	int rc;

	f->sha256[0] = '\0';
	f->size = 0;
	while ((rc = get_field(&r, &field, &wire, &sub, &v)) == 0) {
		if (field == 1 && wire == WIRE_LEN) {
			if (!is_sha256_hex(sub.p, (size_t)(sub.end - sub.p)))
				return -1;
			memcpy(f->sha256, sub.p, SHA256_HEX_LEN);
			f->sha256[SHA256_HEX_LEN] = '\0';
		} else if (field == 2 && wire == WIRE_VARINT) {
			if (v > INT64_MAX)
				return -1;      /* a negative int64 */
			f->size = v;
		}
	}
	return rc < 0 || !f->sha256[0] ? -1 : 0;
}

/* One OutputFile: into out->artifact or out->entry by its path; others
 * are skipped. */
static int
get_file(struct reader r, struct action_result *out)
{
	struct reader sub, path = {NULL, NULL}, digest = {NULL, NULL}, contents = {NULL, NULL};
	struct ar_file *f;
	unsigned field, wire;
	uint64_t v;
	int rc;

	while ((rc = get_field(&r, &field, &wire, &sub, &v)) == 0) {
		if (wire != WIRE_LEN)
			continue;
		if (field == 1)
			path = sub;
		else if (field == 2)
			digest = sub;
		else if (field == 5)
			contents = sub;
	}
	if (rc < 0 || !path.p)
		return -1;
	if ((size_t)(path.end - path.p) == strlen(AR_ARTIFACT) &&
	    !memcmp(path.p, AR_ARTIFACT, strlen(AR_ARTIFACT)))
		f = &out->artifact;
	else if ((size_t)(path.end - path.p) == strlen(AR_ENTRY) &&
		 !memcmp(path.p, AR_ENTRY, strlen(AR_ENTRY)))
		f = &out->entry;
	else
		return 0;
	if (f->sha256[0] || !digest.p || get_digest(digest, f) < 0)
		return -1;      /* named twice, or without a digest */
	if (contents.p) {
		f->contents = (const char *)contents.p;
		f->len = (size_t)(contents.end - contents.p);
	}
	return 0;
}

int
ar_decode(const char *data, size_t len, struct action_result *out, const char **why)
{
	struct reader r = {(const unsigned char *)data, (const unsigned char *)data + len}, sub;
	unsigned field, wire;
	uint64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	*why = "not an ActionResult";
	if (len > AR_MAX)
		return -1;
	while ((rc = get_field(&r, &field, &wire, &sub, &v)) == 0)
		if (field == 2 && wire == WIRE_LEN && get_file(sub, out) < 0)
			return -1;
	if (rc < 0)
		return -1;
	*why = "the ActionResult names no artifact and entry record";
	if (!out->artifact.sha256[0] || !out->entry.sha256[0])
		return -1;
	return 0;
}
