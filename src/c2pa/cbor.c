/* c2pa/cbor.c - deterministic CBOR encoding, bounded decoding (RFC 8949) */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "util.h"

struct cbor_entry {
	struct buf key;       /* the encoded key */
	struct buf val;       /* the encoded value */
};

/* Encoding */

static int
put_head(struct buf *b, unsigned major, uint64_t v)
{
	unsigned char h[9];
	size_t n, i;

	major <<= 5;
	if (v < 24) {
		h[0] = (unsigned char)(major | v);
		n = 1;
	} else if (v <= 0xff) {
		h[0] = (unsigned char)(major | 24);
		n = 2;
	} else if (v <= 0xffff) {
		h[0] = (unsigned char)(major | 25);
		n = 3;
	} else if (v <= 0xffffffffu) {
		h[0] = (unsigned char)(major | 26);
		n = 5;
	} else {
		h[0] = (unsigned char)(major | 27);
		n = 9;
	}
	for (i = 1; i < n; i++)
		h[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	return buf_put(b, h, n);
}

int
cbor_put_uint(struct buf *b, uint64_t v)
{
	return put_head(b, CBOR_UINT, v);
}

int
cbor_put_int(struct buf *b, int64_t v)
{
	if (v >= 0)
		return put_head(b, CBOR_UINT, (uint64_t)v);
	return put_head(b, CBOR_NEGINT, (uint64_t)(-(v + 1)));
}

int
cbor_put_bytes(struct buf *b, const void *p, size_t n)
{
	size_t old = b->len;

	if (put_head(b, CBOR_BYTES, n) < 0 || buf_put(b, p, n) < 0) {
		b->len = old;
		return -1;
	}
	return 0;
}

int
cbor_put_textn(struct buf *b, const char *s, size_t n)
{
	size_t old = b->len;

	if (put_head(b, CBOR_TEXT, n) < 0 || buf_put(b, s, n) < 0) {
		b->len = old;
		return -1;
	}
	return 0;
}

int
cbor_put_text(struct buf *b, const char *s)
{
	return cbor_put_textn(b, s, strlen(s));
}

int
cbor_put_array(struct buf *b, size_t n)
{
	return put_head(b, CBOR_ARRAY, n);
}

int
cbor_put_tag(struct buf *b, uint64_t tag)
{
	return put_head(b, CBOR_TAG, tag);
}

int
cbor_put_bool(struct buf *b, int v)
{
	return buf_putc(b, v ? 0xf5 : 0xf4);
}

int
cbor_put_null(struct buf *b)
{
	return buf_putc(b, 0xf6);
}

static struct buf *
map_new_entry(struct cbor_map *m)
{
	struct cbor_entry *e = xcalloc(1, sizeof(*e));

	m->e = xgrow(m->e, &m->cap, m->n + 1, sizeof(*m->e));
	m->e[m->n++] = e;
	return &e->key;
}

struct buf *
cbor_map_add(struct cbor_map *m, const char *key)
{
	struct buf *k = map_new_entry(m);

	cbor_put_text(k, key);
	return &m->e[m->n - 1]->val;
}

struct buf *
cbor_map_add_int(struct cbor_map *m, int64_t key)
{
	struct buf *k = map_new_entry(m);

	cbor_put_int(k, key);
	return &m->e[m->n - 1]->val;
}

/* RFC 8949 4.2.1: bytewise lexicographic order of the encoded keys */
static int
key_cmp(const struct buf *a, const struct buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, n);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct cbor_entry *x = *(struct cbor_entry *const *)a;
	const struct cbor_entry *y = *(struct cbor_entry *const *)b;

	return key_cmp(&x->key, &y->key);
}

int
cbor_map_finish(struct cbor_map *m, struct buf *out)
{
	size_t i, old = out->len;
	int rc = 0;

	if (m->n > 1)
		qsort(m->e, m->n, sizeof(*m->e), entry_cmp);
	for (i = 1; i < m->n; i++)
		if (key_cmp(&m->e[i - 1]->key, &m->e[i]->key) == 0)
			rc = -1;
	if (rc == 0 && put_head(out, CBOR_MAP, m->n) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < m->n; i++) {
		/* a value nobody wrote is a caller's bug; write null, not nothing */
		if (m->e[i]->val.len == 0)
			cbor_put_null(&m->e[i]->val);
		if (buf_put(out, m->e[i]->key.data, m->e[i]->key.len) < 0 ||
		    buf_put(out, m->e[i]->val.data, m->e[i]->val.len) < 0)
			rc = -1;
	}
	if (rc < 0)
		out->len = old;
	cbor_map_release(m);
	return rc;
}

void
cbor_map_release(struct cbor_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		buf_release(&m->e[i]->key);
		buf_release(&m->e[i]->val);
		free(m->e[i]);
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* Decoding */

struct head {
	unsigned major;
	unsigned ai;          /* additional information: 0-27 */
	uint64_t arg;
	size_t hlen;          /* bytes of the head */
};

static int
read_head(const unsigned char *p, size_t n, struct head *h)
{
	size_t k, i;

	if (n < 1)
		return -1;
	h->major = p[0] >> 5;
	h->ai = p[0] & 31;
	if (h->ai < 24) {
		h->arg = h->ai;
		h->hlen = 1;
		return 0;
	}
	if (h->ai > 27)
		return -1;    /* reserved, or indefinite length */
	k = (size_t)1 << (h->ai - 24);
	if (n < 1 + k)
		return -1;
	h->arg = 0;
	for (i = 0; i < k; i++)
		h->arg = h->arg << 8 | p[1 + i];
	h->hlen = 1 + k;
	return 0;
}

static int
head_shortest(const struct head *h)
{
	if (h->major == CBOR_SIMPLE) {
		if (h->ai == 24)
			return h->arg >= 32;
		return 1;     /* floats: left as written */
	}
	switch (h->ai) {
	case 24: return h->arg >= 24;
	case 25: return h->arg > 0xff;
	case 26: return h->arg > 0xffff;
	case 27: return h->arg > 0xffffffffu;
	default: return 1;
	}
}

/* The length of the item at p (at most n bytes), checking it; -1 when it
 * is malformed, too deep, or (strict) not deterministic. */
static int
item_len(const unsigned char *p, size_t n, int depth, int strict, size_t *out)
{
	struct head h;
	size_t off, i, count, prevk = 0, prevklen = 0, l;

	if (depth > CBOR_MAX_DEPTH || read_head(p, n, &h) < 0)
		return -1;
	if (strict && !head_shortest(&h))
		return -1;
	off = h.hlen;
	switch (h.major) {
	case CBOR_UINT:
	case CBOR_NEGINT:
	case CBOR_SIMPLE:
		break;
	case CBOR_BYTES:
	case CBOR_TEXT:
		if (h.arg > n - off)
			return -1;
		off += (size_t)h.arg;
		break;
	case CBOR_TAG:
		if (item_len(p + off, n - off, depth + 1, strict, &l) < 0)
			return -1;
		off += l;
		break;
	case CBOR_ARRAY:
	case CBOR_MAP:
		/* every item takes at least one byte: a count beyond what is
		 * left is a lie, refused before looping on it */
		if (h.arg > (n - off) / (h.major == CBOR_MAP ? 2 : 1))
			return -1;
		count = (size_t)h.arg * (h.major == CBOR_MAP ? 2 : 1);
		for (i = 0; i < count; i++) {
			if (item_len(p + off, n - off, depth + 1, strict, &l) < 0)
				return -1;
			if (strict && h.major == CBOR_MAP && i % 2 == 0) {
				if (i > 0) {
					size_t m = prevklen < l ? prevklen : l;
					int c = memcmp(p + prevk, p + off, m);

					if (c > 0 || (c == 0 && prevklen >= l))
						return -1;
				}
				prevk = off;
				prevklen = l;
			}
			off += l;
		}
		break;
	}
	*out = off;
	return 0;
}

int
cbor_parse(const void *p, size_t n, struct cbor_val *out)
{
	size_t l;

	if (item_len(p, n, 0, 0, &l) < 0 || l != n)
		return -1;
	out->p = p;
	out->len = n;
	return 0;
}

int
cbor_is_deterministic(const void *p, size_t n)
{
	size_t l;

	return item_len(p, n, 0, 1, &l) == 0 && l == n;
}

/* Values handed out were checked by cbor_parse, so re-reading their heads
 * cannot fail; the checks stay for values a caller built by hand. */
enum cbor_type
cbor_type_of(const struct cbor_val *v)
{
	return v->len ? (enum cbor_type)(v->p[0] >> 5) : CBOR_SIMPLE;
}

int
cbor_get_uint(const struct cbor_val *v, uint64_t *out)
{
	struct head h;

	if (read_head(v->p, v->len, &h) < 0 || h.major != CBOR_UINT)
		return -1;
	*out = h.arg;
	return 0;
}

int
cbor_get_int(const struct cbor_val *v, int64_t *out)
{
	struct head h;

	if (read_head(v->p, v->len, &h) < 0 || h.arg > INT64_MAX)
		return -1;
	if (h.major == CBOR_UINT)
		*out = (int64_t)h.arg;
	else if (h.major == CBOR_NEGINT)
		*out = -1 - (int64_t)h.arg;
	else
		return -1;
	return 0;
}

static int
get_string(const struct cbor_val *v, unsigned major, const unsigned char **p, size_t *n)
{
	struct head h;

	if (read_head(v->p, v->len, &h) < 0 || h.major != major || h.arg > v->len - h.hlen)
		return -1;
	*p = v->p + h.hlen;
	*n = (size_t)h.arg;
	return 0;
}

int
cbor_get_bytes(const struct cbor_val *v, const unsigned char **p, size_t *n)
{
	return get_string(v, CBOR_BYTES, p, n);
}

int
cbor_get_text(const struct cbor_val *v, const char **s, size_t *n)
{
	const unsigned char *p;

	if (get_string(v, CBOR_TEXT, &p, n) < 0)
		return -1;
	*s = (const char *)p;
	return 0;
}

char *
cbor_dup_text(const struct cbor_val *v)
{
	const char *s;
	size_t n;

	if (cbor_get_text(v, &s, &n) < 0 || memchr(s, 0, n))
		return NULL;
	return xstrndup(s, n);
}

int
cbor_text_is(const struct cbor_val *v, const char *s)
{
	const char *t;
	size_t n;

	return cbor_get_text(v, &t, &n) == 0 && n == strlen(s) && memcmp(t, s, n) == 0;
}

int
cbor_get_bool(const struct cbor_val *v, int *out)
{
	if (v->len != 1 || (v->p[0] != 0xf4 && v->p[0] != 0xf5))
		return -1;
	*out = v->p[0] == 0xf5;
	return 0;
}

int
cbor_is_null(const struct cbor_val *v)
{
	return v->len == 1 && v->p[0] == 0xf6;
}

int
cbor_count(const struct cbor_val *v, size_t *n)
{
	struct head h;

	if (read_head(v->p, v->len, &h) < 0 || (h.major != CBOR_ARRAY && h.major != CBOR_MAP))
		return -1;
	*n = (size_t)h.arg;
	return 0;
}

/* The item number i of the array or map body (a map's keys and values
 * counted one by one). */
static int
nth_item(const struct cbor_val *v, unsigned major, size_t i, struct cbor_val *out)
{
	struct head h;
	size_t off, k, l, count;

	if (read_head(v->p, v->len, &h) < 0 || h.major != major)
		return -1;
	count = (size_t)h.arg * (major == CBOR_MAP ? 2 : 1);
	if (i >= count)
		return -1;
	off = h.hlen;
	for (k = 0;; k++) {
		if (item_len(v->p + off, v->len - off, 1, 0, &l) < 0)
			return -1;
		if (k == i)
			break;
		off += l;
	}
	out->p = v->p + off;
	out->len = l;
	return 0;
}

int
cbor_array_at(const struct cbor_val *v, size_t i, struct cbor_val *out)
{
	return nth_item(v, CBOR_ARRAY, i, out);
}

int
cbor_map_at(const struct cbor_val *v, size_t i, struct cbor_val *key, struct cbor_val *val)
{
	if (i > SIZE_MAX / 2 - 1)
		return -1;
	if (nth_item(v, CBOR_MAP, 2 * i, key) < 0)
		return -1;
	/* the value follows its key */
	if (item_len(key->p + key->len, (size_t)(v->p + v->len - (key->p + key->len)), 1, 0, &val->len) < 0)
		return -1;
	val->p = key->p + key->len;
	return 0;
}

static int
map_find(const struct cbor_val *v, const char *skey, int64_t ikey, struct cbor_val *out)
{
	struct head h;
	struct cbor_val k;
	size_t off, i, l;
	int64_t iv;

	if (read_head(v->p, v->len, &h) < 0 || h.major != CBOR_MAP)
		return -1;
	off = h.hlen;
	for (i = 0; i < h.arg; i++) {
		if (item_len(v->p + off, v->len - off, 1, 0, &l) < 0)
			return -1;
		k.p = v->p + off;
		k.len = l;
		off += l;
		if (item_len(v->p + off, v->len - off, 1, 0, &l) < 0)
			return -1;
		if (skey ? cbor_text_is(&k, skey) : cbor_get_int(&k, &iv) == 0 && iv == ikey) {
			out->p = v->p + off;
			out->len = l;
			return 0;
		}
		off += l;
	}
	return -1;
}

int
cbor_map_get(const struct cbor_val *v, const char *key, struct cbor_val *out)
{
	return map_find(v, key, 0, out);
}

int
cbor_map_get_int(const struct cbor_val *v, int64_t key, struct cbor_val *out)
{
	return map_find(v, NULL, key, out);
}

int
cbor_get_tag(const struct cbor_val *v, uint64_t *tag, struct cbor_val *inner)
{
	struct head h;
	size_t l;

	if (read_head(v->p, v->len, &h) < 0 || h.major != CBOR_TAG ||
	    item_len(v->p + h.hlen, v->len - h.hlen, 1, 0, &l) < 0)
		return -1;
	*tag = h.arg;
	inner->p = v->p + h.hlen;
	inner->len = l;
	return 0;
}
