/* test.h - a tiny unit-test harness: each check prints "ok" or "not ok"
 * lines that tests/run.sh counts.  Include once per test program. */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;     /* failed checks in the current test */
static int test_npassed, test_nfailed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		test_failures++; \
		printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
		test_failures++; \
		printf("#   %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, \
		       a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} \
} while (0)

#define RUN(fn) do { \
	test_failures = 0; \
	fn(); \
	if (test_failures) { \
		test_nfailed++; \
		printf("not ok - %s\n", #fn); \
	} else { \
		test_npassed++; \
		printf("ok - %s\n", #fn); \
	} \
	fflush(stdout); \
} while (0)

/* rm -rf for a test's temporary directory */
#include <ftw.h>
#include <stdio.h>

static int
test_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void
test_rmtree(const char *dir)
{
	nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define TEST_DONE() (test_nfailed ? 1 : 0)

#endif
