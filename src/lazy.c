/* lazy.c - shared libraries loaded on first use (see lazy.h) */
#include <dlfcn.h>
#include <pthread.h>

#include "lazy.h"
#include "util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

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
