/* site/candidates.c - verdicts on the gallery; candidates left for a person */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os.h"
#include "site.h"
#include "candidates.h"
#include "typography.h"
#include "cache/store.h"
#include "util.h"

int
site_typo_verdict(const struct plan_item *it, const struct key *key, struct index *ix,
		  struct plan_check *out)
{
	struct action act;
	size_t j;

	for (j = 0; j < it->ncands; j++)
		if (key_equal(&it->cands[j].final_key, key))
			break;
	if (j == it->ncands || !ix || index_action_get(ix, &it->cands[j].gen_key, &act) != 1)
		return 0;
	memset(out, 0, sizeof(*out));
	out->cand = j;
	return typo_verdict_get(ix, &act.digest, &it->asset->typo, out);
}

/* Remove DIST/_candidates/NAME/ of every asset not in keep (NULL-ended);
 * dir is DIST/_candidates. */
static void
prune(const char *out_dir, const char *dir, const char *const *keep, size_t nkeep)
{
	int fd = os_own_dir(out_dir, "_candidates", 0);
	struct dirent *de;
	char *path;
	size_t i;
	DIR *d;

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < nkeep; i++)
			if (strcmp(keep[i], de->d_name) == 0)
				break;
		if (i < nkeep)
			continue;
		path = path_join(dir, de->d_name);
		os_rmtree(path);
		free(path);
	}
	closedir(d);
	rmdir(dir);     /* when empty */
}

int
site_typo_candidates(const struct project *p, struct plan_item *items, size_t n,
		     const unsigned char *placed, struct index *ix, const char *out_dir,
		     struct buf *html)
{
	struct store st;
	struct buf png = BUF_INIT, sec = BUF_INIT;
	const char **keep = NULL;
	char *cdir = path_join(out_dir, "_candidates"), *cache, *arel, *file, *path;
	size_t i, j, nkeep = 0, capkeep = 0, shown = 0;
	int rc = 0, have_store, afd;

	cache = path_join(p->cfg.root, p->cfg.cache_dir);
	have_store = ix && access(cache, F_OK) == 0 && store_open(&st, cache) == 0;
	for (i = 0; have_store && i < n; i++) {
		struct plan_item *it = &items[i];
		size_t end = plan_next_model(it, 0), nshown = 0;

		if (!it->checked || placed[i])
			continue;
		for (j = 0; j < end; j++) {
			struct action act;
			struct plan_check v;
			const struct plan_cand *c = &it->cands[j];

			if (index_action_get(ix, &c->gen_key, &act) != 1 ||
			    !site_typo_verdict(it, &c->final_key, ix, &v))
				break;
			if (store_get(&st, &act.digest, &png) != STORE_OK)
				break;
			arel = xasprintf("_candidates/%s", it->asset->name);
			file = xasprintf("%llu.png", (unsigned long long)c->seed);
			path = path_join(cdir, arel + strlen("_candidates/"));
			if ((afd = os_own_dir(out_dir, arel, 1)) < 0) {
				warn("cannot create '%s':", path);
				rc = -1;
			} else {
				struct buf old = BUF_INIT;

				if (!(os_read_file_at(afd, file, (size_t)1 << 30, 1, &old) == 0 &&
				      old.len == png.len && memcmp(old.data, png.data, png.len) == 0) &&
				    os_write_atomic(afd, file, png.data, png.len) < 0) {
					warn("cannot write '%s/%s':", path, file);
					rc = -1;
				}
				buf_release(&old);
				close(afd);
			}
			if (!nshown++) {
				buf_puts(&sec, "<article class=\"pick\" id=\"pick-");
				site_html_escape(&sec, it->asset->name);
				buf_puts(&sec, "\"><h3>");
				site_html_escape(&sec, it->asset->name);
				buf_puts(&sec, " <small>expected \u201c");
				site_html_escape(&sec, it->asset->typo.expect[0]);
				buf_printf(&sec, "\u201d, threshold %.2f</small></h3>\n<div class=\"shots\">",
					   it->asset->typo.threshold);
				keep = xgrow(keep, &capkeep, nkeep + 1, sizeof(*keep));
				keep[nkeep++] = it->asset->name;
			}
			buf_puts(&sec, "<figure><a href=\"_candidates/");
			site_html_escape(&sec, it->asset->name);
			buf_printf(&sec, "/%s\"><img src=\"_candidates/", file);
			site_html_escape(&sec, it->asset->name);
			buf_printf(&sec, "/%s\" alt=\"candidate seed %llu\" width=\"200\" loading=\"lazy\">"
				   "</a><figcaption>seed %llu (%s): read \u201c", file,
				   (unsigned long long)c->seed, (unsigned long long)c->seed, c->model->name);
			site_html_escape(&sec, v.text);
			buf_printf(&sec, "\u201d, distance %.2f<br><code>assetgen pick ", v.distance);
			site_html_escape(&sec, it->asset->name);
			buf_printf(&sec, " %llu</code></figcaption></figure>", (unsigned long long)c->seed);
			free(arel);
			free(file);
			free(path);
		}
		if (nshown) {
			buf_puts(&sec, "</div></article>\n");
			shown++;
		}
	}
	if (have_store)
		store_close(&st);
	prune(out_dir, cdir, keep, nkeep);
	if (shown) {
		buf_printf(html, "<section class=\"picks\" style=\"margin:0 0 24px\"><h2>Needs a "
			   "choice <small>%zu</small></h2>\n<p class=\"neg\">Every candidate failed the "
			   "typography check: pick one, or change the recipe.</p>\n<style>"
			   ".pick figure{display:inline-block;margin:0 12px 12px 0;max-width:200px;"
			   "vertical-align:top;font-size:12px}.pick img{max-width:200px;height:auto;"
			   "border-radius:8px}</style>\n", shown);
		buf_put(html, sec.data, sec.len);
		buf_puts(html, "</section>\n");
	}
	buf_release(&sec);
	buf_release(&png);
	free(keep);
	free(cdir);
	free(cache);
	return rc;
}
