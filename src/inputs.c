/* inputs.c - the files a build's decisions rest on, noted as they are read */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct input *notes;
static size_t nnotes, cap;
static int incomplete;

void
inputs_reset(void)
{
	pthread_mutex_lock(&mu);
	inputs_free(notes, nnotes);
	notes = NULL;
	nnotes = cap = 0;
	incomplete = 0;
	pthread_mutex_unlock(&mu);
}

static void
add(enum input_kind kind, const char *path, const struct key *hash)
{
	char cwd[PATH_MAX], *abs = NULL;

	if (path[0] == '/' || kind == INPUT_ENV)
		abs = xstrdup(path);
	else if (getcwd(cwd, sizeof(cwd)))
		abs = xasprintf("%s/%s", cwd, path);
	pthread_mutex_lock(&mu);
	if (!abs) {
		incomplete = 1;
	} else {
		notes = xgrow(notes, &cap, nnotes + 1, sizeof(*notes));
		notes[nnotes].kind = kind;
		notes[nnotes].path = abs;
		memset(&notes[nnotes].hash, 0, sizeof(notes[nnotes].hash));
		if (hash)
			notes[nnotes].hash = *hash;
		nnotes++;
	}
	pthread_mutex_unlock(&mu);
}

void
inputs_note(const char *path, const struct key *hash)
{
	add(INPUT_FILE, path, hash);
}

void
inputs_note_data(const char *path, const void *data, size_t len)
{
	struct key k;

	key_digest(data, len, &k);
	add(INPUT_FILE, path, &k);
}

void
inputs_note_absent(const char *path)
{
	add(INPUT_ABSENT, path, NULL);
}

void
inputs_names_hash(char *const *names, size_t n, struct key *out)
{
	struct key_stream *s = key_stream_new();
	size_t i;

	/* each name with its NUL: no two lists hash alike by concatenation */
	for (i = 0; i < n; i++)
		key_stream_update(s, names[i], strlen(names[i]) + 1);
	key_stream_final(s, out);
}

void
inputs_note_recipes(const char *dir, char *const *names, size_t n)
{
	struct key k;

	inputs_names_hash(names, n, &k);
	add(INPUT_RECIPES, dir, &k);
}

void
inputs_env_hash(const char *name, struct key *out)
{
	const char *v = getenv(name);
	struct key_stream *s = key_stream_new();

	/* unset and empty differ: a leading byte says which */
	key_stream_update(s, v ? "=" : "-", 1);
	if (v)
		key_stream_update(s, v, strlen(v));
	key_stream_final(s, out);
}

void
inputs_note_env(const char *name)
{
	struct key k;

	inputs_env_hash(name, &k);
	add(INPUT_ENV, name, &k);
}

struct input *
inputs_get(size_t *n, int *complete)
{
	struct input *out;
	size_t i;

	pthread_mutex_lock(&mu);
	out = xcalloc(nnotes + 1, sizeof(*out));
	for (i = 0; i < nnotes; i++) {
		out[i] = notes[i];
		out[i].path = xstrdup(notes[i].path);
	}
	*n = nnotes;
	*complete = !incomplete;
	pthread_mutex_unlock(&mu);
	return out;
}

void
inputs_free(struct input *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(in[i].path);
	free(in);
}
