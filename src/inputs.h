/* inputs.h - the files a build's decisions rest on, noted as they are read
 *
 * Every loader that reads a project file for a build (assetgen.yaml, each
 * recipe, a file a recipe names such as an overlay's font) calls
 * inputs_note() with the XXH3-128 of the bytes it read, and the recipe
 * loader notes the list of recipe files it found.  After a build with
 * nothing to do, cache/buildstate.c saves this list; the next build re-hashes the same
 * files instead of parsing them (see "How a build decides" in README.md).
 * A file read for a build but not noted here would let that build skip
 * work wrongly: note every one.
 *
 * The list is process-wide and thread-safe; ctx_load() starts it anew
 * and ctx_release() frees it.
 */
#ifndef INPUTS_H
#define INPUTS_H

#include <stddef.h>

#include "key.h"

enum input_kind {
	INPUT_FILE,         /* a file read whole: hash is the XXH3-128 of its bytes */
	INPUT_ABSENT,       /* a file looked for and not there */
	INPUT_RECIPES,      /* a recipe directory: hash covers the sorted file names found */
	INPUT_ENV,          /* an environment variable (path is its name): hash of its value */
};

struct input {
	enum input_kind kind;
	char *path;         /* absolute; for INPUT_ENV, the variable's name */
	struct key hash;    /* zero for INPUT_ABSENT */
};

/* Forget every note (a new build starts). */
void inputs_reset(void);

/* path (absolute, or relative to the current directory) was read and its
 * bytes hash to *hash (key_digest). */
void inputs_note(const char *path, const struct key *hash);
/* The same, hashing data. */
void inputs_note_data(const char *path, const void *data, size_t len);
/* path was looked for and did not exist. */
void inputs_note_absent(const char *path);
/* The recipe directory dir listed as names[0..n) (recipe_list's result). */
void inputs_note_recipes(const char *dir, char *const *names, size_t n);

/* The environment variable name matters to this build (never a secret:
 * its value's hash is kept on disk). */
void inputs_note_env(const char *name);
/* The hash inputs_note_env() keeps for name's current value. */
void inputs_env_hash(const char *name, struct key *out);

/* The hash inputs_note_recipes() keeps for a list of names. */
void inputs_names_hash(char *const *names, size_t n, struct key *out);

/* A copy of the notes so far, in the order made; *complete is 0 when a
 * note could not be kept (then nothing may be concluded from the list).
 * Free with inputs_free(). */
struct input *inputs_get(size_t *n, int *complete);
void inputs_free(struct input *in, size_t n);

#endif
