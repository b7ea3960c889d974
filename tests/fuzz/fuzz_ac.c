/* fuzz_ac.c - ac_decode() on an arbitrary action-cache entry
 *
 * Decoded with and without a secret, for the key the entry names (so that
 * the checks past the key comparison are reached) and for a fixed key.  A
 * signed entry that decodes must re-encode to one that decodes the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "key.h"
#include "cache/remote.h"

#define SECRET "fuzz-secret"

static void
check_same(const struct ac_entry *a, const struct ac_entry *b)
{
	if (!key_equal(&a->key, &b->key) || !key_equal(&a->digest, &b->digest) ||
	    strcmp(a->sha256, b->sha256) != 0 || a->size != b->size ||
	    strcmp(a->stage, b->stage) != 0 || strcmp(a->model, b->model) != 0 ||
	    a->fallback != b->fallback)
		abort();
}

static void
decode(const uint8_t *data, size_t size, const struct key *key, const char *secret)
{
	struct ac_entry e, again;
	const char *why = NULL;
	char *text;

	if (ac_decode((const char *)data, size, key, secret, &e, &why) < 0) {
		if (!why)
			abort();
		return;
	}
	if (!key_equal(&e.key, key) || e.cost < 0 || strlen(e.sha256) != SHA256_HEX_LEN)
		abort();
	text = ac_encode(&e, SECRET);
	if (!text || ac_decode(text, strlen(text), key, SECRET, &again, &why) < 0)
		abort();
	check_same(&e, &again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct key fixed = {{0x20, 0xfc, 0xd4, 0x26, 0x0d, 0x84, 0x59, 0xd5,
					  0xe9, 0x90, 0x37, 0x17, 0x19, 0xfd, 0xbc, 0xaa}};
	struct key named = fixed;
	json_t *o;
	const char *k;

	/* the key the entry claims to be for */
	o = json_loadb((const char *)data, size, 0, NULL);
	k = json_string_value(json_object_get(o, "key"));
	if (k && key_parse(k, &named) < 0)
		named = fixed;
	json_decref(o);
	decode(data, size, &named, NULL);
	decode(data, size, &named, SECRET);
	decode(data, size, &fixed, NULL);
	decode(data, size, &fixed, SECRET);
	return 0;
}
