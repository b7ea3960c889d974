/* typography.h - what the typography check adds to artifacts and messages
 *
 * The check itself is ocr.c; the plan (plan.c) and the scheduler
 * (build.c) decide which candidate to judge.  Here: the verdict (struct
 * plan_check) as it is cached, carried in an artifact's metadata and put
 * into words.  Nothing else reads or writes a verdict's encoding.
 */
#ifndef TYPO_H
#define TYPO_H

#include "plan.h"
#include "png.h"

struct index;

/* The cached verdict on image (the digest the check read) for the check
 * t: 1 found (*v filled, v->cached set, v->cand left as it was), 0 not. */
int typo_verdict_get(struct index *ix, const struct key *image, const struct typography *t,
		     struct plan_check *v);
/* Cache v (a verdict on v->image) for the check t.  The verdict is an
 * action on the image it judged: it has no blob of its own. */
void typo_verdict_put(struct index *ix, const struct typography *t, const struct plan_check *v);

/* "assetgen:expect_text", "assetgen:ocr" ("pass distance=0.000
 * threshold=0.200 lang=eng engine=tesseract 5.3.0"), "assetgen:ocr_text". */
void typo_meta_add(struct meta *m, const struct typography *t, const struct plan_check *v);
/* Those keys of m as lines for a person ("pass distance=... \nexpected
 * "...", read "..."): malloc'd, NULL when m carries no verdict. */
char *typo_meta_describe(const struct meta *m);

/* "typography check failed on 3 candidates (seeds 42 to 44): best seed 43
 * read "launch sole" (distance 0.09, threshold 0.05)" */
char *typo_failure(const struct plan_item *it);

/* One line per verdict of the item, for a terminal. */
char *typo_verdict_line(const struct plan_item *it, const struct plan_check *v);

#endif
