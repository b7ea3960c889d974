/* curl_lazy.c - libcurl, loaded the first time it is called (lazy.h)
 *
 * libcurl brings 26 shared libraries (TLS, Kerberos, LDAP, SSH, IDN,
 * brotli, ...): a command that never goes to the network, a no-op build
 * among them, never loads them.  The variadic setters pass their one
 * argument on with the type libcurl itself reads for that option number
 * (long, object pointer, function pointer, curl_off_t).
 */
#define CURL_DISABLE_TYPECHECK
#include <stdarg.h>
#include <stddef.h>

#include <curl/curl.h>

#include "lazy.h"

static struct lazy_lib libcurl = { "libcurl.so.4", 0, 0, NULL };

LAZY(libcurl, CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
LAZY_VOID(libcurl, curl_global_cleanup, (void), ())
LAZY(libcurl, CURL *, curl_easy_init, (void), (), NULL)
LAZY_VOID(libcurl, curl_easy_cleanup, (CURL *h), (h))
LAZY_VOID(libcurl, curl_easy_reset, (CURL *h), (h))
LAZY(libcurl, const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl is not loaded")
LAZY(libcurl, CURLcode, curl_easy_pause, (CURL *h, int mask), (h, mask), CURLE_FAILED_INIT)
LAZY(libcurl, char *, curl_easy_escape, (CURL *h, const char *s, int n), (h, s, n), NULL)
LAZY(libcurl, char *, curl_easy_unescape, (CURL *h, const char *s, int n, int *out), (h, s, n, out), NULL)
LAZY_VOID(libcurl, curl_free, (void *p), (p))
LAZY(libcurl, CURLM *, curl_multi_init, (void), (), NULL)
LAZY(libcurl, CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd *fds, unsigned n, int ms, int *num),
     (m, fds, n, ms, num), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_wait, (CURLM *m, struct curl_waitfd *fds, unsigned n, int ms, int *num),
     (m, fds, n, ms, num), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_wakeup, (CURLM *m), (m), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMcode, curl_multi_timeout, (CURLM *m, long *ms), (m, ms), CURLM_BAD_HANDLE)
LAZY(libcurl, CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left), NULL)
LAZY(libcurl, const char *, curl_multi_strerror, (CURLMcode c), (c), "libcurl is not loaded")
LAZY(libcurl, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s), NULL)
LAZY_VOID(libcurl, curl_slist_free_all, (struct curl_slist *l), (l))
LAZY(libcurl, curl_mime *, curl_mime_init, (CURL *h), (h), NULL)
LAZY_VOID(libcurl, curl_mime_free, (curl_mime *m), (m))
LAZY(libcurl, curl_mimepart *, curl_mime_addpart, (curl_mime *m), (m), NULL)
LAZY(libcurl, CURLcode, curl_mime_name, (curl_mimepart *p, const char *s), (p, s), CURLE_FAILED_INIT)
LAZY(libcurl, CURLcode, curl_mime_filename, (curl_mimepart *p, const char *s), (p, s), CURLE_FAILED_INIT)
LAZY(libcurl, CURLcode, curl_mime_type, (curl_mimepart *p, const char *s), (p, s), CURLE_FAILED_INIT)
LAZY(libcurl, CURLcode, curl_mime_data, (curl_mimepart *p, const char *d, size_t n), (p, d, n), CURLE_FAILED_INIT)
LAZY(libcurl, CURLcode, curl_mime_filedata, (curl_mimepart *p, const char *f), (p, f), CURLE_FAILED_INIT)

/* The option's argument, read as libcurl reads it (lib/setopt.c): the
 * option number's range says its type. */
#define PASS_ON(fn, h, opt, ap) \
	((opt) < CURLOPTTYPE_OBJECTPOINT ? fn(h, opt, va_arg(ap, long)) : \
	 (opt) < CURLOPTTYPE_FUNCTIONPOINT ? fn(h, opt, va_arg(ap, void *)) : \
	 (opt) < CURLOPTTYPE_OFF_T ? fn(h, opt, va_arg(ap, void (*)(void))) : \
	 (opt) < CURLOPTTYPE_BLOB ? fn(h, opt, va_arg(ap, curl_off_t)) : \
	 fn(h, opt, va_arg(ap, void *)))

CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	static _Atomic(void *) slot;
	CURLcode (*fn)(CURL *, CURLoption, ...) = (CURLcode (*)(CURL *, CURLoption, ...))
		lazy_sym(&libcurl, &slot, "curl_easy_setopt");
	CURLcode r;
	va_list ap;

	if (!fn)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	r = PASS_ON(fn, h, opt, ap);
	va_end(ap);
	return r;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	static _Atomic(void *) slot;
	CURLMcode (*fn)(CURLM *, CURLMoption, ...) = (CURLMcode (*)(CURLM *, CURLMoption, ...))
		lazy_sym(&libcurl, &slot, "curl_multi_setopt");
	CURLMcode r;
	va_list ap;

	if (!fn)
		return CURLM_BAD_HANDLE;
	va_start(ap, opt);
	r = PASS_ON(fn, m, opt, ap);
	va_end(ap);
	return r;
}

/* Every CURLINFO takes a pointer. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static _Atomic(void *) slot;
	CURLcode (*fn)(CURL *, CURLINFO, ...) = (CURLcode (*)(CURL *, CURLINFO, ...))
		lazy_sym(&libcurl, &slot, "curl_easy_getinfo");
	CURLcode r;
	va_list ap;

	if (!fn)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = fn(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
