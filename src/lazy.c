/* lazy.c - shared libraries loaded on first use (see lazy.h) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>

#include "lazy.h"
#include "util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct lazy_lib *loaded[8];
static size_t nloaded;

void *
lazy_sym(struct lazy_lib *lib, _Atomic(void *) *slot, const char *name)
{
	void *p = atomic_load(slot), *h;

	if (p)
		return p;
	pthread_mutex_lock(&mu);
	if (!lib->tried) {
		lib->tried = 1;
		lib->handle = dlopen(lib->soname, RTLD_NOW | (lib->global ? RTLD_GLOBAL : RTLD_LOCAL));
		if (!lib->handle)
			warn("cannot load %s: %s", lib->soname, dlerror());
		else if (nloaded < sizeof(loaded) / sizeof(loaded[0]))
			loaded[nloaded++] = lib;
	}
	h = lib->handle;
	pthread_mutex_unlock(&mu);
	if (!h)
		return NULL;
	if (!(p = dlsym(h, name)))
		warn("%s has no function %s", lib->soname, name);
	atomic_store(slot, p);
	return p;
}

size_t
lazy_loaded(char **out, size_t max)
{
	struct link_map *lm;
	size_t i, n = 0;
	char *path;

	pthread_mutex_lock(&mu);
	for (i = 0; i < nloaded && n < max; i++)
		if (dlinfo(loaded[i]->handle, RTLD_DI_LINKMAP, &lm) == 0 && lm->l_name[0] &&
		    (path = realpath(lm->l_name, NULL)))
			out[n++] = path;
	pthread_mutex_unlock(&mu);
	return n;
}
