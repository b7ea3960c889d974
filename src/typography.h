/* typography.h - what the typography check adds to artifacts and messages
 *
 * The check itself is ocr.c; the plan (plan.c) and the scheduler
 * (build.c) decide which candidate to judge.  Here: the metadata a checked
 * artifact carries, and the words that describe verdicts.
 */
#ifndef TYPO_H
#define TYPO_H

#include "plan.h"
#include "png.h"

/* "assetgen:expect_text", "assetgen:ocr" ("pass distance=0.000
 * threshold=0.200 lang=eng engine=tesseract 5.3.0"), "assetgen:ocr_text". */
void typo_meta_add(struct meta *m, const struct typography *t, const struct plan_check *v);

/* "typography check failed on 3 candidates (seeds 42 to 44): best seed 43
 * read "launch sole" (distance 0.09, threshold 0.05)" */
char *typo_failure(const struct plan_item *it);

/* One line per verdict of the item, for a terminal. */
char *typo_verdict_line(const struct plan_item *it, const struct plan_check *v);

#endif
