/* lazy.h - a shared library loaded the first time one of its functions
 * is called
 *
 * libcurl and libtesseract bring 50 shared libraries between them (TLS,
 * Kerberos, LDAP, the C++ runtime, OpenMP, leptonica, ...).  Mapping and
 * relocating them at every start cost about 5 ms here: more than a no-op
 * build of 1,000 assets needs for its own work (bench/RESULTS.md).  So
 * assetgen is linked with neither: curl_lazy.c and tess_lazy.c define the
 * functions the code calls, and each looks its real self up on first use.
 * A function missing there fails the link ("undefined reference to
 * curl_..."): add one line to that file.
 */
#ifndef LAZY_H
#define LAZY_H

#include <stdatomic.h>

struct lazy_lib {
	const char *soname;     /* "libcurl.so.4" */
	int global;             /* RTLD_GLOBAL: its dependencies' symbols visible to dlsym(RTLD_DEFAULT) */
	int tried;
	void *handle;
};

/* The address of name in lib (opened on first call), cached in *slot;
 * NULL, warned once, when the library or the function is missing. */
void *lazy_sym(struct lazy_lib *lib, _Atomic(void *) *slot, const char *name);

/* The files of the libraries loaded so far (at most max, in out[]; each
 * malloc'd): code that shapes keys may live there (the typography key
 * names the Tesseract version), so a no-op record names them too. */
size_t lazy_loaded(char **out, size_t max);

/* Define ret name(params), calling lib's name with args, or returning
 * fail when it cannot be loaded. */
#define LAZY(lib, ret, name, params, args, fail) \
	ret name params \
	{ \
		static _Atomic(void *) slot; \
		ret (*fn) params = (ret (*) params)lazy_sym(&(lib), &slot, #name); \
		return fn ? fn args : fail; \
	}
#define LAZY_VOID(lib, name, params, args) \
	void name params \
	{ \
		static _Atomic(void *) slot; \
		void (*fn) params = (void (*) params)lazy_sym(&(lib), &slot, #name); \
		if (fn) \
			fn args; \
	}

#endif
