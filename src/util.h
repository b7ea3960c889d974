/* util.h - diagnostics, allocation wrappers, small string helpers */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses; documented in assetgen.1 */
enum {
	EXIT_OK = 0,
	EXIT_BUILD = 1,     /* a build step failed, or status found stale work */
	EXIT_INPUT = 2,     /* usage error or invalid input */
	EXIT_SIGNAL = 128,  /* + signal number when interrupted */
};

extern const char *argv0;   /* "assetgen" */

/* A format ending in ':' appends ": strerror(errno)". */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Grow *p (an array of *cap elements of size) to hold at least n. */
void *xgrow(void *p, size_t *cap, size_t n, size_t size);

int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);
/* The byte a URL escape "%XX" at s stands for (either case of hex), or -1
 * when s does not hold one, or it is "%00". */
int str_pct_byte(const char *s);
/* Levenshtein distance, capped at 255; for "did you mean". */
unsigned str_distance(const char *a, const char *b);

/* Strict number parsing: whole string, no overflow. 0 ok, -1 bad.  A
 * double too small to represent reads as the nearest (tiny or 0). */
int parse_u64(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);
/* A non-negative number in parse_double's syntax: 0; -1 not a number (or
 * too large); -2 negative (-1e-400 too, though it reads as 0). */
int parse_nonneg(const char *s, double *out);

/* Sort v[n] ascending; the nearest-rank percentile q (0..1) of sorted
 * v[n], 0 when n is 0. */
void doubles_sort(double *v, size_t n);
double doubles_percentile(const double *v, size_t n, double q);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

#endif
