/* c2pa/cbor.h - a small deterministic CBOR encoder and a bounded decoder
 *
 * The encoder writes RFC 8949's core deterministic encoding: the shortest
 * form of every head, definite lengths only, and the keys of a map sorted
 * by their encoded bytes (struct cbor_map does the sorting, so callers add
 * keys in any order).  The same calls give the same bytes.
 *
 * The decoder never trusts its input: every accessor checks bounds,
 * nesting is capped at CBOR_MAX_DEPTH, and indefinite lengths are refused
 * (C2PA's producers write definite lengths).  A value is a view of the
 * encoded bytes of one data item; nothing is copied or allocated.
 */
#ifndef CBOR_H
#define CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CBOR_MAX_DEPTH 32

enum cbor_type {
	CBOR_UINT,      /* major type 0 */
	CBOR_NEGINT,    /* 1 */
	CBOR_BYTES,     /* 2 */
	CBOR_TEXT,      /* 3 */
	CBOR_ARRAY,     /* 4 */
	CBOR_MAP,       /* 5 */
	CBOR_TAG,       /* 6 */
	CBOR_SIMPLE,    /* 7: false, true, null, undefined, floats */
};

/* Encoding: append one item (or one head) to b.  These return 0, or -1
 * when b's cap would be exceeded. */
int cbor_put_uint(struct buf *b, uint64_t v);
int cbor_put_int(struct buf *b, int64_t v);
int cbor_put_bytes(struct buf *b, const void *p, size_t n);
int cbor_put_text(struct buf *b, const char *s);
int cbor_put_textn(struct buf *b, const char *s, size_t n);
int cbor_put_array(struct buf *b, size_t n);      /* then n items */
int cbor_put_tag(struct buf *b, uint64_t tag);    /* then one item */
int cbor_put_bool(struct buf *b, int v);
int cbor_put_null(struct buf *b);

/* A map under construction: add each key, write its value into the buffer
 * returned (valid until the next add), then cbor_map_finish sorts the
 * entries by encoded key and appends the map to out.  Duplicate keys are
 * an error at finish. */
struct cbor_map {
	struct cbor_entry **e;
	size_t n, cap;
};

struct buf *cbor_map_add(struct cbor_map *m, const char *key);
struct buf *cbor_map_add_int(struct cbor_map *m, int64_t key);
/* Appends and releases m; -1 on a duplicate key or the cap (m released). */
int cbor_map_finish(struct cbor_map *m, struct buf *out);
void cbor_map_release(struct cbor_map *m);

/* Decoding */
struct cbor_val {
	const unsigned char *p;   /* the item's first byte */
	size_t len;               /* the whole item's encoded length */
};

/* Check that p[0..n) is exactly one well-formed item (no trailing bytes,
 * definite lengths, depth <= CBOR_MAX_DEPTH) and view it.  0 or -1. */
int cbor_parse(const void *p, size_t n, struct cbor_val *out);
/* The same, and also in deterministic encoding (shortest heads, sorted
 * unique map keys): what cbor_map_finish and the cbor_put_* write. */
int cbor_is_deterministic(const void *p, size_t n);

/* Accessors on a value from cbor_parse (or from another accessor).  Each
 * returns 0, or -1 when the value is not of that type. */
enum cbor_type cbor_type_of(const struct cbor_val *v);
int cbor_get_uint(const struct cbor_val *v, uint64_t *out);
int cbor_get_int(const struct cbor_val *v, int64_t *out);
int cbor_get_bytes(const struct cbor_val *v, const unsigned char **p, size_t *n);
int cbor_get_text(const struct cbor_val *v, const char **s, size_t *n);
/* The text as a malloc'd NUL-terminated string, NULL when v is not text
 * or holds a NUL byte. */
char *cbor_dup_text(const struct cbor_val *v);
int cbor_text_is(const struct cbor_val *v, const char *s);
int cbor_get_bool(const struct cbor_val *v, int *out);
int cbor_is_null(const struct cbor_val *v);
/* Number of items of an array, or of pairs of a map. */
int cbor_count(const struct cbor_val *v, size_t *n);
/* The i-th item of an array. */
int cbor_array_at(const struct cbor_val *v, size_t i, struct cbor_val *out);
/* The i-th key and value of a map. */
int cbor_map_at(const struct cbor_val *v, size_t i, struct cbor_val *key, struct cbor_val *val);
/* The value of a text key, or of an integer key. */
int cbor_map_get(const struct cbor_val *v, const char *key, struct cbor_val *out);
int cbor_map_get_int(const struct cbor_val *v, int64_t key, struct cbor_val *out);
/* A tag's number and the item it tags. */
int cbor_get_tag(const struct cbor_val *v, uint64_t *tag, struct cbor_val *inner);

#endif
