/* cache/buildstate.h - the recorded build state: a no-op build proved without parsing or planning
 *
 * After a full build whose plan found every asset fresh, noop_save() writes
 * CACHE/build-state: what that verdict rested on.  That is every input the
 * loaders noted (inputs.h: assetgen.yaml, each recipe, the list of recipe
 * files, any file a recipe names) with its XXH3-128, assetgen.lock's
 * XXH3-128, the stat signature (type, device, inode, size, mtime, ctime)
 * of the cache index and of every entry of the output directories (the
 * outputs, thumbnails, manifest and gallery), the project root, the
 * --intent, the assetgen binary itself and the libraries it loaded on
 * demand (lazy.h), with LD_LIBRARY_PATH and LD_PRELOAD.  The next build calls
 * noop_check() first: when every one of those is unchanged, the full path
 * would find every asset fresh and write nothing, so it prints the same
 * line and stops, with no YAML parse of a recipe and no sqlite.  Anything
 * else (a differing byte, a stat, a missing or damaged state file) takes
 * the full path.  See "How a build decides" in README.md.
 */
#ifndef NOOP_H
#define NOOP_H

#include <stddef.h>

struct global;

/* What a full build with nothing to do was run with. */
struct noop_build {
	const char *root;       /* absolute project root */
	const char *cache_dir;  /* absolute */
	const char *out_dir;    /* absolute DIST (not DIST/preview) */
	int intent;             /* -1, or enum intent */
	size_t nassets;
};

/* Is this build (every asset, --intent intent; -C and the cwd from g)
 * provably a no-op?  1 when it is: *nassets is set and nothing was
 * printed; 0 otherwise (then run the full path).  debug: say on stderr
 * which, and why not. */
int noop_check(const struct global *g, int intent, int debug, size_t *nassets);

/* Record a full build that found every asset fresh and succeeded; call it
 * after the index is closed.  Skipped (with a reason under debug) when
 * anything was modified too recently to be told apart from a later
 * change, or looks like another build at work. */
void noop_save(const struct noop_build *b, int debug);

/* Remove the record (and a temp file of it a killed writer left): a build
 * that may write is about to run, or clean removes the cache. */
void noop_forget(const char *cache_dir);

#endif
