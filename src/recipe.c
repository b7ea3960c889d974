/* recipe.c - assetgen.yaml and recipes/NAME.yaml into struct project
 *
 * The only file that includes <yaml.h>.  Loading is two passes over each
 * file: libyaml's event API builds a small node tree (every node keeps the
 * line and column it starts at), then a schema walk turns the tree into
 * structs and reports each problem it finds as "file:line:col: message",
 * going on to the next asset after an error so that one run shows them all.
 *
 * Hostile input is bounded: a file is at most 4 MiB, a scalar 64 KiB,
 * nesting 64 levels (the tree is built with an explicit stack, so even
 * 100000 '[' cannot overflow ours).  Aliases are supported by sharing the
 * anchored node, but every alias counts the nodes it stands for, and a
 * document that would expand to more than MAX_NODES nodes is refused at
 * the alias that crosses the line: a "billion laughs" file fails at once
 * instead of eating memory and time, and the schema walk over the shared
 * tree is bounded by the same count.  Merge keys ("<<") are not supported.
 *
 * Scalar typing follows the YAML 1.2 core schema, for plain (unquoted,
 * untagged) scalars only: true/false are booleans; decimal integers and
 * floats are numbers (hex, octal, .inf and .nan stay strings); ~, null and
 * the empty scalar are null.  A quoted scalar, or one tagged !!str, is
 * always a string.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700     /* realpath */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "buf.h"
#include "codec.h"
#include "discover.h"
#include "inputs.h"
#include "key.h"
#include "os.h"
#include "overlay.h"
#include "provider/provider.h"
#include "recipe.h"
#include "refs.h"
#include "util.h"

#define MAX_FILE        (4u << 20)      /* bytes in one YAML file */
#define MAX_SCALAR      (64u << 10)     /* bytes in one scalar, and in an expanded string */
#define MAX_DEPTH       64              /* nesting of collections */
#define MAX_NODES       1000000         /* nodes in a document, aliases expanded */
#define MAX_MATRIX      10000           /* assets one matrix may expand to */
#define MAX_ASSETS      100000          /* assets in a project */
#define MAX_NAME        100             /* characters in an asset or model name */
#define MAX_SIDE        8192            /* pixels per side of a generated image */
#define MAX_INPUTS      16              /* inputs per asset (OpenAI's edits take 16) */
#define MAX_INPUT_BYTES (50u << 20)     /* bytes in one input image (OpenAI's limit) */
#define MAX_UPSCALED    16384           /* pixels per side after upscaling */
#define DIAGS_MAX       100             /* diagnostics kept; the rest are counted */
#define MAX_EXPECT      500             /* bytes of one expect_text (edit distance is quadratic) */

static const char *const kernels[] = { "lanczos3", "bicubic", "nearest" };
/* One name table per enum, indexed by its value (recipe.h declares them). */
const char *const intent_names[INTENT_COUNT] = { "final", "preview" };
const char *const criticality_names[CRIT_COUNT] = { "low", "normal", "high" };
const char *const overlay_align_names[ALIGN_COUNT] = { "left", "center", "right" };
const char *const overlay_valign_names[VALIGN_COUNT] = { "top", "middle", "bottom" };

static const char *const config_keys[] = {
	"models", "routes", "budget", "cache", "output", "recipes", "typography", "png",
	"credentials", "outputs", NULL,
};
static const char *const model_keys[] = {
	"provider", "model", "version", "cost", "api_key_env", "endpoint",
	"concurrency", "timeout", "retries", "params", "workflow", NULL,
};
static const char *const route_keys[] = { "match", "use", NULL };
static const char *const match_keys[] = { "intent", "criticality", "tags", NULL };
static const char *const budget_keys[] = { "per_request", "per_build", "per_asset", NULL };
static const char *const typography_keys[] = { "lang", "threshold", "max_attempts", "check", NULL };
/* typography.check, in enum typo_check's order after TYPO_CHECK_DEFAULT */
static const char *const typo_check_names[] = { "generation", "output" };
static const char *const cache_keys[] = { "dir", "remote", NULL };
static const char *const remote_keys[] = { "url", "upload", "bearer_env", "basic_env", "region",
					    "endpoint", NULL };
static const char *const png_keys[] = { "level", "filter", NULL };
static const char *const credentials_keys[] = { "key", "cert", NULL };
static const char *const recipe_keys[] = { "defaults", "assets", NULL };
static const char *const asset_keys[] = {
	"name", "prompt", "negative_prompt", "seed", "size", "intent",
	"criticality", "tags", "model", "params", "upscale", "overlay", "matrix", "expect_text",
	"typography", "fit", "crop", "pad", "inputs", "outputs", NULL,
};
static const char *const input_keys[] = { "file", "asset", "role", "strength", NULL };
const char *const input_role_names[ROLE_COUNT] = { "reference", "init", "mask" };
static const char *const upscale_keys[] = { "factor", "size", "with", NULL };
static const char *const overlay_keys[] = {
	"text", "font", "size", "color", "box", "align", "valign", NULL,
};
static const char *const outputs_keys[] = { "formats", "widths", "quality", "sizes", "base", NULL };
const char *const outf_names[OUTF_COUNT] = { "avif", "webp", "png", "jpeg" };
static const char *const fits[] = { "cover", "contain", "stretch" };     /* enum fit_mode */
static const char *const crops[] = { "center", "top", "bottom", "left", "right" }; /* enum fit_crop */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* diagnostics */

static void
diags_vadd(struct diags *d, const struct srcloc *loc, const char *fmt, va_list ap)
{
	char *msg, *line;

	if (d->nmsgs >= DIAGS_MAX) {
		d->nmore++;
		return;
	}
	msg = xvasprintf(fmt, ap);
	if (loc && loc->file && loc->line > 0)
		line = xasprintf("%s:%d:%d: %s", loc->file, loc->line, loc->col, msg);
	else if (loc && loc->file)
		line = xasprintf("%s: %s", loc->file, msg);
	else
		line = xstrdup(msg);
	free(msg);
	d->msgs = xgrow(d->msgs, &d->cap, d->nmsgs + 1, sizeof(*d->msgs));
	d->msgs[d->nmsgs++] = line;
}

void
diags_add(struct diags *d, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_vadd(d, loc, fmt, ap);
	va_end(ap);
}

void
diags_print(const struct diags *d)
{
	size_t i;

	fflush(stdout);
	for (i = 0; i < d->nmsgs; i++)
		fprintf(stderr, "%s\n", d->msgs[i]);
	if (d->nmore)
		fprintf(stderr, "%zu more problem%s not shown\n", d->nmore,
			d->nmore == 1 ? "" : "s");
}

void
diags_release(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->nmsgs; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}

/* Open-addressing hash tables of (index + 1), 0 marking an empty slot; the
 * key of an index comes from a callback, so the table owns no strings. */

typedef const char *keyof_fn(const void *ctx, size_t i);

static size_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037u;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return (size_t)(h ^ (h >> 32));
}

static size_t *
hash_slot(size_t *slots, size_t cap, const char *key, keyof_fn *keyof, const void *ctx)
{
	size_t i = hash_str(key) & (cap - 1);

	while (slots[i] && strcmp(keyof(ctx, slots[i] - 1), key) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Make room for n entries at load factor 1/2 or less. */
static size_t *
hash_reserve(size_t *slots, size_t *cap, size_t n, keyof_fn *keyof, const void *ctx)
{
	size_t newcap = *cap ? *cap : 64, i, *ns;

	if (n * 2 <= *cap)
		return slots;
	while (newcap < n * 2)
		newcap *= 2;
	ns = xcalloc(newcap, sizeof(*ns));
	for (i = 0; i < *cap; i++)
		if (slots[i])
			*hash_slot(ns, newcap, keyof(ctx, slots[i] - 1), keyof, ctx) = slots[i];
	free(slots);
	*cap = newcap;
	return ns;
}

/* The YAML node tree */

enum node_type { NODE_SCALAR, NODE_SEQ, NODE_MAP };

struct node {
	enum node_type type;
	int line, col;              /* 1-based */
	int plain;                  /* an untagged plain scalar: may be a number, bool or null */
	char *str;                  /* scalar text; never holds a NUL */
	size_t len;
	struct node **kids;         /* sequence items; mapping keys and values, alternating */
	size_t nkids, cap;
	size_t weight;              /* nodes in this subtree, aliases expanded; saturates */
};

struct anchor {
	char *name;
	struct node *node;
};

struct tree {
	struct node **all;          /* every node, once, for freeing (aliases share) */
	size_t nall, capall;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	size_t *anchor_slots;       /* hash of anchors by name */
	size_t anchor_cap;
	size_t total;               /* nodes so far, aliases expanded */
	int bad;                    /* a problem that leaves the tree unusable */
};

/* What the loader is doing: the project being filled and where. */
struct loader {
	struct project *p;
	struct diags *d;
	size_t d0;                  /* problems before this load */
	const char *file;           /* current file, interned in p->files */
	const char *data;           /* its bytes, for positions libyaml doesn't give */
	size_t len;
	char **declared;            /* model names the config declares, valid or not (owned) */
	size_t ndeclared, capdeclared;
	int has_builtin;            /* the config declares a model named builtin */
	size_t capassets, capmodels, caproutes;
	struct buf shown[4];        /* ring of quoted strings for messages */
	unsigned nshown;
	const struct font_file *default_font;   /* font_default()'s, once found */
	char *default_font_err;     /* or why there is none */
	const struct node *cache_dir_at, *output_at;  /* where cache.dir and output are set */
};

static size_t
nproblems(const struct loader *l)
{
	return l->d->nmsgs + l->d->nmore - l->d0;
}

static void
vproblem_at(struct loader *l, int line, int col, const char *fmt, va_list ap)
{
	struct srcloc loc = { l->file, line, col };

	diags_vadd(l->d, &loc, fmt, ap);
}

static void __attribute__((format(printf, 4, 5)))
problem_at(struct loader *l, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem_at(l, line, col, fmt, ap);
	va_end(ap);
}

/* Report a problem at node n, or about the whole file when n is NULL. */
static void __attribute__((format(printf, 3, 4)))
problem(struct loader *l, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem_at(l, n ? n->line : 0, n ? n->col : 0, fmt, ap);
	va_end(ap);
}

/* User text for a message: control characters escaped, long text cut
 * short, so that each diagnostic stays one readable line.  The result
 * lives until four more calls. */
static const char *
q(struct loader *l, const char *s)
{
	struct buf *b = &l->shown[l->nshown++ % NELEM(l->shown)];
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	buf_reset(b);
	buf_puts(b, "");
	for (n = 0; *p; p++, n++) {
		if (n >= 80 && (*p & 0xc0) != 0x80) {
			buf_puts(b, "...");
			break;
		}
		if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_putc(b, *p);
	}
	return b->data;
}

static const char *
anchor_key(const void *ctx, size_t i)
{
	return ((const struct tree *)ctx)->anchors[i].name;
}

static struct node *
anchor_find(struct tree *t, const char *name)
{
	size_t *slot;

	if (!t->anchor_cap)
		return NULL;
	slot = hash_slot(t->anchor_slots, t->anchor_cap, name, anchor_key, t);
	return *slot ? t->anchors[*slot - 1].node : NULL;
}

/* Define or redefine an anchor: the latest definition wins. */
static void
anchor_set(struct tree *t, const char *name, struct node *n)
{
	size_t *slot;

	t->anchor_slots = hash_reserve(t->anchor_slots, &t->anchor_cap, t->nanchors + 1,
				       anchor_key, t);
	slot = hash_slot(t->anchor_slots, t->anchor_cap, name, anchor_key, t);
	if (*slot) {
		t->anchors[*slot - 1].node = n;
		return;
	}
	t->anchors = xgrow(t->anchors, &t->capanchors, t->nanchors + 1, sizeof(*t->anchors));
	t->anchors[t->nanchors].name = xstrdup(name);
	t->anchors[t->nanchors].node = n;
	*slot = ++t->nanchors;
}

static void
tree_release(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->nall; i++) {
		free(t->all[i]->str);
		free(t->all[i]->kids);
		free(t->all[i]);
	}
	free(t->all);
	for (i = 0; i < t->nanchors; i++)
		free(t->anchors[i].name);
	free(t->anchors);
	free(t->anchor_slots);
	memset(t, 0, sizeof(*t));
}

static struct node *
node_new(struct tree *t, enum node_type type, const yaml_mark_t *m)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->weight = 1;
	t->all = xgrow(t->all, &t->capall, t->nall + 1, sizeof(*t->all));
	t->all[t->nall++] = n;
	return n;
}

/* Byte offset of the start of line (1-based); len when there is none. */
static size_t
line_start(const char *data, size_t len, int line)
{
	size_t i = 0;
	int l = 1;

	for (; l < line && i < len; i++) {
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n')))
			l++;
	}
	return i;
}

/* Line and column (in characters, as libyaml counts) of byte offset off. */
static void
offset_pos(const char *data, size_t len, size_t off, int *line, int *col)
{
	size_t i = 0;
	int l = 1, c = 1;
	unsigned char ch;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 && off >= 3)
		i = 3;
	for (; i < off && i < len; i++) {
		ch = (unsigned char)data[i];
		if (ch == '\n' || (ch == '\r' && (i + 1 == len || data[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80 && ch != '\r') {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Offset of the first byte that is not valid UTF-8, or len. */
static size_t
utf8_invalid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned char c, lo, hi;

	while (i < len) {
		c = s[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (n >= len - i)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/* Column of the first tab in the indentation of line (block indicators
 * "- ", "? " and ": " count as indentation), or 0 when there is none. */
static int
indent_tab(const char *data, size_t len, int line)
{
	size_t i = line_start(data, len, line);
	int col = 1;
	char c;

	for (; i < len; i++, col++) {
		c = data[i];
		if (c == '\t')
			return col;
		if (c == ' ')
			continue;
		if ((c == '-' || c == '?' || c == ':') && i + 1 < len
		    && (data[i + 1] == ' ' || data[i + 1] == '\t'))
			continue;
		break;
	}
	return 0;
}

static void
yaml_problem(struct loader *l, const yaml_parser_t *ps)
{
	int line, col, tab;

	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		fatal("out of memory");
	case YAML_READER_ERROR:
		offset_pos(l->data, l->len, ps->problem_offset, &line, &col);
		problem_at(l, line, col, "%s", ps->problem ? ps->problem : "cannot read");
		return;
	default:
		break;
	}
	line = (int)ps->problem_mark.line + 1;
	col = (int)ps->problem_mark.column + 1;
	tab = indent_tab(l->data, l->len, line);
	if (tab) {
		problem_at(l, line, tab, "tab character in indentation; use spaces");
	} else if (ps->context && (ps->context_mark.line != ps->problem_mark.line
				   || ps->context_mark.column != ps->problem_mark.column)) {
		problem_at(l, line, col, "%s (%s at %d:%d)",
			   ps->problem ? ps->problem : "syntax error", ps->context,
			   (int)ps->context_mark.line + 1, (int)ps->context_mark.column + 1);
	} else {
		problem_at(l, line, col, "%s", ps->problem ? ps->problem : "syntax error");
	}
}

/* Tags: "!" and !!str make a scalar a string; the standard collection
 * tags are accepted; anything else is refused. */
static int
tag_ok(struct loader *l, const yaml_mark_t *m, const yaml_char_t *tag, const char *std)
{
	const char *t = (const char *)tag;

	if (!t || strcmp(t, "!") == 0 || strcmp(t, std) == 0)
		return 0;
	problem_at(l, (int)m->line + 1, (int)m->column + 1, "unsupported tag '%s'", q(l, t));
	return -1;
}

struct keyref {
	const struct node *key;
	size_t i;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key->str, y->key->str);

	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Report keys that repeat an earlier key of the mapping, in document
 * order; sorting keeps big mappings linear-ish. */
static int
check_dup_keys(struct loader *l, const struct node *map)
{
	size_t n = map->nkids / 2, i, ndup = 0, *dups;
	struct keyref *refs;

	if (n < 2)
		return 0;
	refs = xreallocarray(NULL, n, sizeof(*refs));
	dups = xreallocarray(NULL, n, sizeof(*dups));
	for (i = 0; i < n; i++) {
		refs[i].key = map->kids[2 * i];
		refs[i].i = i;
	}
	qsort(refs, n, sizeof(*refs), keyref_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(refs[i].key->str, refs[i - 1].key->str) == 0)
			dups[ndup++] = refs[i].i;
	qsort(dups, ndup, sizeof(*dups), size_cmp);
	for (i = 0; i < ndup; i++)
		problem(l, map->kids[2 * dups[i]], "duplicate key '%s'",
			q(l, map->kids[2 * dups[i]]->str));
	free(refs);
	free(dups);
	return ndup ? -1 : 0;
}

/* Count n (weight w) towards the document's size; -1 past the limit. */
static int
count_nodes(struct loader *l, struct tree *t, size_t w, const yaml_mark_t *m, int alias)
{
	t->total += w;
	if (t->total <= MAX_NODES)
		return 0;
	if (alias)
		problem_at(l, (int)m->line + 1, (int)m->column + 1,
			   "aliases expand to more than %d nodes", MAX_NODES);
	else
		problem_at(l, (int)m->line + 1, (int)m->column + 1,
			   "document has more than %d nodes", MAX_NODES);
	return -1;
}

/* Hang n under the innermost open collection, or make it the root. */
static int
attach(struct loader *l, struct node **stack, size_t depth, struct node **root,
       struct node *n, const yaml_mark_t *m)
{
	struct node *parent;

	if (depth == 0) {
		*root = n;
		return 0;
	}
	parent = stack[depth - 1];
	if (parent->type == NODE_MAP && parent->nkids % 2 == 0 && n->type != NODE_SCALAR) {
		problem_at(l, (int)m->line + 1, (int)m->column + 1,
			   "mapping keys must be strings");
		return -1;
	}
	parent->kids = xgrow(parent->kids, &parent->cap, parent->nkids + 1, sizeof(*parent->kids));
	parent->kids[parent->nkids++] = n;
	return 0;
}

/* Parse l->data into t.  Returns 0 and sets *rootp (NULL for an empty
 * file), or -1 after reporting. */
static int
tree_parse(struct loader *l, struct tree *t, struct node **rootp)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct node *stack[MAX_DEPTH], *n, *root = NULL;
	char *anchors[MAX_DEPTH];
	const char *anchor;
	size_t depth = 0, i, bad;
	int ndocs = 0, done = 0, err = 0;
	const yaml_mark_t *m;

	*rootp = NULL;
	bad = utf8_invalid((const unsigned char *)l->data, l->len);
	if (bad < l->len) {
		int line, col;

		offset_pos(l->data, l->len, bad, &line, &col);
		problem_at(l, line, col, "invalid UTF-8");
		return -1;
	}
	if (!yaml_parser_initialize(&ps))
		fatal("out of memory");
	yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&ps, (const unsigned char *)l->data, l->len);
	while (!done && !err) {
		if (!yaml_parser_parse(&ps, &ev)) {
			yaml_problem(l, &ps);
			err = 1;
			break;
		}
		m = &ev.start_mark;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				problem_at(l, (int)m->line + 1, (int)m->column + 1,
					   "more than one YAML document in a file");
				err = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			anchor = (const char *)ev.data.alias.anchor;
			n = anchor_find(t, anchor);
			if (!n) {
				problem_at(l, (int)m->line + 1, (int)m->column + 1,
					   "undefined alias '*%s'", q(l, anchor));
				err = 1;
			} else if (count_nodes(l, t, n->weight, m, 1) < 0
				   || attach(l, stack, depth, &root, n, m) < 0) {
				err = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.length > MAX_SCALAR) {
				problem_at(l, (int)m->line + 1, (int)m->column + 1,
					   "string too long (max %u bytes)", MAX_SCALAR);
				err = 1;
				break;
			}
			if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
				problem_at(l, (int)m->line + 1, (int)m->column + 1,
					   "strings must not contain NUL characters");
				err = 1;
				break;
			}
			if (tag_ok(l, m, ev.data.scalar.tag, YAML_STR_TAG) < 0
			    || count_nodes(l, t, 1, m, 0) < 0) {
				err = 1;
				break;
			}
			n = node_new(t, NODE_SCALAR, m);
			n->str = xstrndup((const char *)ev.data.scalar.value,
					  ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
				&& !ev.data.scalar.tag;
			if (attach(l, stack, depth, &root, n, m) < 0)
				err = 1;
			else if (ev.data.scalar.anchor)
				anchor_set(t, (const char *)ev.data.scalar.anchor, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == MAX_DEPTH) {
				problem_at(l, (int)m->line + 1, (int)m->column + 1,
					   "nesting too deep (max %d levels)", MAX_DEPTH);
				err = 1;
				break;
			}
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				if (tag_ok(l, m, ev.data.sequence_start.tag, YAML_SEQ_TAG) < 0) {
					err = 1;
					break;
				}
				anchor = (const char *)ev.data.sequence_start.anchor;
				n = node_new(t, NODE_SEQ, m);
			} else {
				if (tag_ok(l, m, ev.data.mapping_start.tag, YAML_MAP_TAG) < 0) {
					err = 1;
					break;
				}
				anchor = (const char *)ev.data.mapping_start.anchor;
				n = node_new(t, NODE_MAP, m);
			}
			if (count_nodes(l, t, 1, m, 0) < 0
			    || attach(l, stack, depth, &root, n, m) < 0) {
				err = 1;
				break;
			}
			anchors[depth] = anchor ? xstrdup(anchor) : NULL;
			stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth];
			for (i = 0; i < n->nkids; i++) {
				n->weight += n->kids[i]->weight;
				if (n->weight > MAX_NODES)
					n->weight = MAX_NODES + 1;
			}
			if (n->type == NODE_MAP && check_dup_keys(l, n) < 0)
				t->bad = 1;
			/* an anchor names its node once complete: no cycles */
			if (anchors[depth]) {
				anchor_set(t, anchors[depth], n);
				free(anchors[depth]);
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	while (depth > 0)
		free(anchors[--depth]);
	yaml_parser_delete(&ps);
	if (err || t->bad)
		return -1;
	*rootp = root;
	return 0;
}

/* Scalars */

static int
is_null(const struct node *n)
{
	return n->type == NODE_SCALAR && n->plain
		&& (!*n->str || !strcmp(n->str, "~") || !strcmp(n->str, "null")
		    || !strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* 1 true, 0 false, -1 not a plain boolean */
static int
bool_value(const struct node *n)
{
	if (n->type != NODE_SCALAR || !n->plain)
		return -1;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE"))
		return 1;
	if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE"))
		return 0;
	return -1;
}

/* A YAML 1.2 core-schema decimal:
 * [-+]?(digits(.digits*)?|.digits)([eE][-+]?digits)? */
static int
decimal_syntax(const char *s, int *isint)
{
	const char *p = s;
	int digits = 0, frac = 0, exp = 0;

	if (*p == '-' || *p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.') {
		frac = 1;
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		exp = 1;
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return 0;
	*isint = !frac && !exp;
	return 1;
}

/* The canonical text of a double: integral values below 1e21 as plain
 * integers, others in the shortest %g form that reads back exactly. */
static char *
double_canon(double v)
{
	char tmp[64];
	int prec;

	if (v == 0)
		return xstrdup("0");
	if (v == floor(v) && fabs(v) < 1e21) {
		snprintf(tmp, sizeof(tmp), "%.0f", v);
		return xstrdup(tmp);
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return xstrdup(tmp);
}

/* Canonical text of a plain scalar that is a number, or NULL.  Integer
 * literals keep every digit (no rounding through a double). */
static char *
number_canon(const char *s)
{
	int isint, neg;
	double v;

	if (!decimal_syntax(s, &isint))
		return NULL;
	if (isint) {
		neg = *s == '-';
		if (*s == '-' || *s == '+')
			s++;
		while (*s == '0' && s[1])
			s++;
		if (!strcmp(s, "0"))
			return xstrdup("0");
		return xasprintf("%s%s", neg ? "-" : "", s);
	}
	v = strtod(s, NULL);
	if (!isfinite(v))
		return NULL;
	return double_canon(v);
}

/* A scalar that is a string, not a plain number or boolean. */
static int
is_text(const struct node *n)
{
	int isint;

	if (!n->plain || bool_value(n) >= 0)
		return !n->plain;
	if (!decimal_syntax(n->str, &isint))
		return 1;
	return !isint && !isfinite(strtod(n->str, NULL));
}

/* The typed, canonical value of a scalar (a malloc'd string). */
static char *
scalar_value(const struct node *n, enum value_type *type)
{
	char *num;
	int b;

	if (n->plain) {
		b = bool_value(n);
		if (b >= 0) {
			*type = VAL_BOOL;
			return xstrdup(b ? "true" : "false");
		}
		num = number_canon(n->str);
		if (num) {
			*type = VAL_NUMBER;
			return num;
		}
	}
	*type = VAL_STRING;
	return xstrdup(n->str);
}

/* Schema helpers */

/* The closest candidate within a small edit distance, or NULL. */
static const char *
suggest(const char *word, const char *const *cands, size_t n)
{
	unsigned best = 255, d, max = strlen(word) <= 3 ? 1 : 2;
	const char *pick = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		d = str_distance(word, cands[i]);
		if (d > 0 && d <= max && d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

static size_t
nkeys(const char *const *keys)
{
	size_t n = 0;

	while (keys[n])
		n++;
	return n;
}

static void
unknown_key(struct loader *l, const struct node *key, const char *const *known)
{
	const char *best = suggest(key->str, known, nkeys(known));

	if (!strcmp(key->str, "<<"))
		problem(l, key, "merge keys ('<<') are not supported");
	else if (best)
		problem(l, key, "unknown key '%s' (did you mean '%s'?)", q(l, key->str), best);
	else
		problem(l, key, "unknown key '%s'", q(l, key->str));
}

/* A mapping, or null standing for an empty one; else report. */
static int
want_map(struct loader *l, const struct node *v, const char *msg)
{
	if (v->type == NODE_MAP || is_null(v))
		return 0;
	problem(l, v, "%s", msg);
	return -1;
}

static int
want_string(struct loader *l, const struct node *v, const char *key)
{
	if (v->type == NODE_SCALAR && !is_null(v))
		return 0;
	problem(l, v, "'%s' must be a string", key);
	return -1;
}

/* A non-negative number; one too small for a double (1e-320) is the tiny
 * number it reads as. */
static int
want_number(struct loader *l, const struct node *v, const char *key, double *out)
{
	int isint, rc = -1;

	if (v->type == NODE_SCALAR && decimal_syntax(v->str, &isint)
	    && (rc = parse_nonneg(v->str, out)) == 0)
		return 0;
	if (rc == -1 && v->type == NODE_SCALAR && decimal_syntax(v->str, &isint))
		problem(l, v, "'%s' is too large (numbers go up to 1.8e308)", key);
	else
		problem(l, v, "'%s' must be a non-negative number", key);
	return -1;
}

static int
want_int(struct loader *l, const struct node *v, const char *key, int lo, int hi, int *out)
{
	uint64_t u;

	if (v->type == NODE_SCALAR && parse_u64(v->str, &u) == 0 && u >= (uint64_t)lo
	    && u <= (uint64_t)hi) {
		*out = (int)u;
		return 0;
	}
	problem(l, v, "'%s' must be an integer from %d to %d", key, lo, hi);
	return -1;
}

/* file_ok: a file:///absolute/dir is allowed too (the remote cache on a
 * shared filesystem) */
static int
want_url(struct loader *l, const struct node *v, const char *key, int file_ok)
{
	if (v->type == NODE_SCALAR && (str_has_prefix(v->str, "http://")
				       || str_has_prefix(v->str, "https://")
				       || (file_ok && str_has_prefix(v->str, "file:///"))
				       || (file_ok && str_has_prefix(v->str, "s3://")))
	    && !strpbrk(v->str, " \t\r\n"))
		return 0;
	if (file_ok)
		problem(l, v, "'%s' must be an http://, https://, s3:// or file:/// URL", key);
	else
		problem(l, v, "'%s' must be an http:// or https:// URL", key);
	return -1;
}

static int
want_enum(struct loader *l, const struct node *v, const char *what,
	  const char *const *names, size_t n, const char *expected, int *out)
{
	const char *best;
	size_t i;

	if (v->type != NODE_SCALAR || is_null(v)) {
		problem(l, v, "'%s' must be %s", what, expected);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(v->str, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	best = suggest(v->str, names, n);
	if (best)
		problem(l, v, "unknown %s '%s' (did you mean '%s'?)", what, q(l, v->str), best);
	else
		problem(l, v, "unknown %s '%s' (expected %s)", what, q(l, v->str), expected);
	return -1;
}

/* A list of strings (null: empty). */
static int
want_strings(struct loader *l, const struct node *v, const char *key)
{
	size_t i;

	if (is_null(v))
		return 0;
	if (v->type == NODE_SEQ) {
		for (i = 0; i < v->nkids; i++)
			if (v->kids[i]->type != NODE_SCALAR || is_null(v->kids[i]))
				break;
		if (i == v->nkids)
			return 0;
	}
	problem(l, v, "'%s' must be a list of strings", key);
	return -1;
}

static char **
strings_dup(const struct node *v, size_t *n)
{
	char **out;
	size_t i;

	*n = 0;
	if (v->type != NODE_SEQ || !v->nkids)
		return NULL;
	out = xreallocarray(NULL, v->nkids, sizeof(*out));
	for (i = 0; i < v->nkids; i++)
		out[i] = xstrdup(v->kids[i]->str);
	*n = v->nkids;
	return out;
}

/* Parse "WxH"; each side saturates at UINT32_MAX.  -1 when malformed. */
static int
parse_size(const char *s, uint64_t *w, uint64_t *h)
{
	uint64_t *side[2] = { w, h };
	int i;

	for (i = 0; i < 2; i++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		for (*side[i] = 0; isdigit((unsigned char)*s); s++) {
			*side[i] = *side[i] * 10 + (uint64_t)(*s - '0');
			if (*side[i] > UINT32_MAX)
				*side[i] = UINT32_MAX;
		}
		if (i == 0 && *s++ != 'x')
			return -1;
	}
	return *s ? -1 : 0;
}

static int
want_size(struct loader *l, const struct node *v, const char *what, uint32_t max,
	  uint32_t *w, uint32_t *h)
{
	uint64_t x, y;

	if (v->type != NODE_SCALAR || parse_size(v->str, &x, &y) < 0) {
		problem(l, v, "'%s' must be WIDTHxHEIGHT, like 1024x1024", what);
		return -1;
	}
	if (x < 1 || y < 1 || x > max || y > max) {
		problem(l, v, "%s %s out of range (each side 1..%u)", what, q(l, v->str), max);
		return -1;
	}
	*w = (uint32_t)x;
	*h = (uint32_t)y;
	return 0;
}

/* Names of assets and models: [a-z0-9][a-z0-9._-]*, no "..". */
static int
name_ok(const char *s)
{
	const char *p;

	if (!((*s >= 'a' && *s <= 'z') || isdigit((unsigned char)*s)))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || isdigit((unsigned char)*p)
		      || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return !strstr(s, "..");
}

static int
check_name(struct loader *l, const struct node *at, const char *name, const char *what)
{
	if (!name_ok(name)) {
		if (!strcmp(what, "asset"))
			problem(l, at, "invalid asset name '%s': names are [a-z0-9][a-z0-9._-]* "
				"and stay inside dist/", q(l, name));
		else
			problem(l, at, "invalid %s name '%s': names are [a-z0-9][a-z0-9._-]*",
				what, q(l, name));
		return -1;
	}
	if (strlen(name) > MAX_NAME) {
		problem(l, at, "%s name '%s' too long (max %d characters)", what,
			q(l, name), MAX_NAME);
		return -1;
	}
	return 0;
}

/* A map of params: names to plain scalars (null: empty). */
static int
check_params(struct loader *l, const struct node *v)
{
	size_t i;
	int err = 0;

	if (want_map(l, v, "'params' must be a mapping of names to strings, numbers or booleans") < 0)
		return -1;
	if (v->type != NODE_MAP)
		return 0;
	for (i = 0; i < v->nkids; i += 2) {
		if (!*v->kids[i]->str) {
			problem(l, v->kids[i], "param names must not be empty");
			err = -1;
		} else if (v->kids[i + 1]->type != NODE_SCALAR || is_null(v->kids[i + 1])) {
			problem(l, v->kids[i + 1], "param '%s' must be a string, number or boolean",
				q(l, v->kids[i]->str));
			err = -1;
		}
	}
	return err;
}

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

static void
params_from_map(const struct loader *l, const struct node *v, struct param **out, size_t *nout)
{
	size_t i, n = v->type == NODE_MAP ? v->nkids / 2 : 0;

	*out = NULL;
	*nout = 0;
	if (!n)
		return;
	*out = xcalloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		(*out)[i].name = xstrdup(v->kids[2 * i]->str);
		(*out)[i].value = scalar_value(v->kids[2 * i + 1], &(*out)[i].type);
		(*out)[i].loc = (struct srcloc){ l->file, v->kids[2 * i]->line, v->kids[2 * i]->col };
	}
	qsort(*out, n, sizeof(**out), param_cmp);
	*nout = n;
}

static void
params_free(struct param *ps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ps[i].name);
		free(ps[i].value);
	}
	free(ps);
}

static void
strings_free(char **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* Models named in the config */

static int
declared(const struct loader *l, const char *name)
{
	size_t i;

	if (!strcmp(name, "builtin"))
		return 1;
	for (i = 0; i < l->ndeclared; i++)
		if (!strcmp(l->declared[i], name))
			return 1;
	return 0;
}

/* Check that v names a model (or, with kernels, an upscale kernel). */
static int
want_model(struct loader *l, const struct node *v, const char *key, int with_kernels)
{
	const char **cands;
	const char *best;
	size_t n = 0, i;
	struct buf known = BUF_INIT;

	if (want_string(l, v, key) < 0)
		return -1;
	if (with_kernels)
		for (i = 0; i < NELEM(kernels); i++)
			if (!strcmp(v->str, kernels[i]))
				return 0;
	if (declared(l, v->str))
		return 0;
	cands = xreallocarray(NULL, l->ndeclared + 1 + NELEM(kernels), sizeof(*cands));
	if (with_kernels)
		for (i = 0; i < NELEM(kernels); i++)
			cands[n++] = kernels[i];
	for (i = 0; i < l->ndeclared; i++)
		cands[n++] = l->declared[i];
	if (!l->has_builtin)
		cands[n++] = "builtin";
	best = suggest(v->str, cands, n);
	if (best) {
		problem(l, v, "unknown model '%s' (did you mean '%s'?)", q(l, v->str), best);
	} else {
		for (i = 0; i < n; i++)
			buf_printf(&known, "%s%s", i ? ", " : "", cands[i]);
		problem(l, v, "unknown model '%s' (known: %s)", q(l, v->str), known.data);
	}
	buf_release(&known);
	free(cands);
	return -1;
}

/* The config: assetgen.yaml */

static int
is_env_name(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static void
model_free(struct model *m)
{
	free(m->name);
	free(m->provider);
	free(m->model);
	free(m->version);
	free(m->api_key_env);
	free(m->endpoint);
	free(m->workflow);
	free(m->workflow_json);
	params_free(m->params, m->nparams);
}

#define WORKFLOW_MAX (4 << 20)

/* A model's workflow file (comfyui), relative to the project root: read
 * whole, its content keyed like a font's and noted as an input. */
static void
workflow_read(struct loader *l, const struct node *v, struct model *m)
{
	char *abs = v->str[0] == '/' ? xstrdup(v->str) : path_join(l->p->cfg.root, v->str);
	struct buf b = BUF_INIT;
	struct key k;

	if (os_read_file(abs, WORKFLOW_MAX, &b) < 0) {
		problem(l, v, "cannot read workflow '%s': %s", q(l, v->str), strerror(errno));
		inputs_note_absent(abs);
	} else {
		key_digest(b.data ? b.data : "", b.len, &k);
		key_hex(&k, m->workflow_digest);
		inputs_note(abs, &k);
		m->workflow = xstrdup(v->str);
		m->workflow_json = buf_detach(&b, NULL);
	}
	buf_release(&b);
	free(abs);
}

static void
parse_model(struct loader *l, const struct node *k, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	struct model m = {0};
	const struct node *key, *val, *provider = NULL, *model = NULL, *apikey = NULL;
	size_t i, n0 = nproblems(l), npnames;
	const char *const *pnames = provider_names(&npnames);
	char *plist;
	int prov = -1, hosted;

	m.retries = -1;
	check_name(l, k, k->str, "model");
	for (i = 0; i < NELEM(kernels); i++)
		if (!strcmp(k->str, kernels[i]))
			problem(l, k, "model name '%s' is taken by an upscale kernel", k->str);
	if (v->type != NODE_MAP) {
		problem(l, v, "model '%s' must be a mapping, like {provider: builtin}", q(l, k->str));
		return;
	}
	plist = provider_name_list(pnames, npnames);
	for (i = 0; i < v->nkids; i += 2) {
		key = v->kids[i];
		val = v->kids[i + 1];
		if (!strcmp(key->str, "provider")) {
			provider = val;
			if (want_enum(l, val, "provider", pnames, npnames, plist, &prov) == 0)
				m.provider = xstrdup(val->str);
		} else if (!strcmp(key->str, "model")) {
			model = val;
			if (want_string(l, val, "model") == 0)
				m.model = xstrdup(val->str);
		} else if (!strcmp(key->str, "version")) {
			if (want_string(l, val, "version") == 0)
				m.version = xstrdup(val->str);
		} else if (!strcmp(key->str, "cost")) {
			want_number(l, val, "cost", &m.cost);
		} else if (!strcmp(key->str, "api_key_env")) {
			apikey = val;
			/* never echo the value: it may be the key itself */
			if (val->type != NODE_SCALAR || !is_env_name(val->str))
				problem(l, val, "'api_key_env' must be an environment variable "
					"name, like OPENAI_API_KEY");
			else
				m.api_key_env = xstrdup(val->str);
		} else if (!strcmp(key->str, "endpoint")) {
			if (want_url(l, val, "endpoint", 0) == 0)
				m.endpoint = xstrdup(val->str);
		} else if (!strcmp(key->str, "concurrency")) {
			want_int(l, val, "concurrency", 1, 1024, &m.concurrency);
		} else if (!strcmp(key->str, "timeout")) {
			if (want_number(l, val, "timeout", &m.timeout) == 0 &&
			    (m.timeout < 0.001 || m.timeout > 86400))
				problem(l, val, "'timeout' must be from 0.001 to 86400 seconds");
		} else if (!strcmp(key->str, "retries")) {
			want_int(l, val, "retries", 0, 100, &m.retries);
		} else if (!strcmp(key->str, "params")) {
			if (check_params(l, val) == 0)
				params_from_map(l, val, &m.params, &m.nparams);
		} else if (!strcmp(key->str, "workflow")) {
			if (want_string(l, val, "workflow") == 0)
				workflow_read(l, val, &m);
		} else {
			unknown_key(l, key, model_keys);
		}
	}
	if (!provider) {
		problem(l, v, "model '%s' has no 'provider' (one of %s)", q(l, k->str), plist);
	} else if (prov >= 0) {
		/* hosted services need a model id and a key; builtin, http
		 * and a1111 run whatever their endpoint serves */
		hosted = provider_find(pnames[prov])->needs_key;
		if (hosted && !model)
			problem(l, v, "model '%s' has no 'model' (provider '%s' needs a model id)",
				q(l, k->str), pnames[prov]);
		if (hosted && !apikey)
			problem(l, v, "model '%s' has no 'api_key_env' (provider '%s' needs an API key)",
				q(l, k->str), pnames[prov]);
	}
	if (m.workflow && m.provider && strcmp(m.provider, "comfyui") != 0)
		problem(l, v, "model '%s': 'workflow' is for provider comfyui only", q(l, k->str));
	free(plist);
	if (nproblems(l) != n0) {
		model_free(&m);
		return;
	}
	m.name = xstrdup(k->str);
	if (!m.model)
		m.model = xstrdup("");
	if (!m.version)
		m.version = xstrdup("");
	m.loc.file = l->file;
	m.loc.line = v->line;
	m.loc.col = v->col;
	cfg->models = xgrow(cfg->models, &l->capmodels, cfg->nmodels + 1, sizeof(*cfg->models));
	cfg->models[cfg->nmodels++] = m;
}

static void
parse_models(struct loader *l, const struct node *v)
{
	size_t i;

	if (want_map(l, v, "'models' must map model names to settings, like "
		     "{local: {provider: builtin}}") < 0 || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2)
		parse_model(l, v->kids[i], v->kids[i + 1]);
}

static void
route_free(struct route *r)
{
	strings_free(r->tags, r->ntags);
	strings_free(r->use, r->nuse);
}

static void
parse_route(struct loader *l, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	struct route r = {0};
	const struct node *key, *val, *use = NULL, *mk, *mv;
	size_t i, j, n0 = nproblems(l);

	r.intent = -1;
	r.criticality = -1;
	if (v->type != NODE_MAP) {
		problem(l, v, "each route must be a mapping, like {match: {intent: preview}, use: [local]}");
		return;
	}
	for (i = 0; i < v->nkids; i += 2) {
		key = v->kids[i];
		val = v->kids[i + 1];
		if (!strcmp(key->str, "match")) {
			if (want_map(l, val, "'match' must be a mapping, like {intent: preview}") < 0
			    || val->type != NODE_MAP)
				continue;
			for (j = 0; j < val->nkids; j += 2) {
				mk = val->kids[j];
				mv = val->kids[j + 1];
				if (!strcmp(mk->str, "intent"))
					want_enum(l, mv, "intent", intent_names, INTENT_COUNT,
						  "preview or final", &r.intent);
				else if (!strcmp(mk->str, "criticality"))
					want_enum(l, mv, "criticality", criticality_names, CRIT_COUNT,
						  "low, normal or high", &r.criticality);
				else if (!strcmp(mk->str, "tags")) {
					if (want_strings(l, mv, "tags") == 0) {
						strings_free(r.tags, r.ntags);
						r.tags = strings_dup(mv, &r.ntags);
					}
				} else
					unknown_key(l, mk, match_keys);
			}
		} else if (!strcmp(key->str, "use")) {
			use = val;
			if (val->type != NODE_SEQ || !val->nkids) {
				problem(l, val, "'use' must be a non-empty list of model names");
				continue;
			}
			for (j = 0; j < val->nkids; j++)
				want_model(l, val->kids[j], "use", 0);
		} else {
			unknown_key(l, key, route_keys);
		}
	}
	if (!use)
		problem(l, v, "route has no 'use' (the models to try, in order)");
	if (nproblems(l) != n0) {
		route_free(&r);
		return;
	}
	r.use = strings_dup(use, &r.nuse);
	r.loc.file = l->file;
	r.loc.line = v->line;
	r.loc.col = v->col;
	cfg->routes = xgrow(cfg->routes, &l->caproutes, cfg->nroutes + 1, sizeof(*cfg->routes));
	cfg->routes[cfg->nroutes++] = r;
}

static void
parse_budget(struct loader *l, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	size_t i;

	if (want_map(l, v, "'budget' must be a mapping, like {per_request: 0.10, per_build: 20}") < 0
	    || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2) {
		if (!strcmp(v->kids[i]->str, "per_request"))
			want_number(l, v->kids[i + 1], "per_request", &cfg->per_request);
		else if (!strcmp(v->kids[i]->str, "per_build"))
			want_number(l, v->kids[i + 1], "per_build", &cfg->per_build);
		else if (!strcmp(v->kids[i]->str, "per_asset"))
			want_number(l, v->kids[i + 1], "per_asset", &cfg->per_asset);
		else
			unknown_key(l, v->kids[i], budget_keys);
	}
}

static void
parse_cache(struct loader *l, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	const struct node *r;
	size_t i, j;
	int b;

	if (want_map(l, v, "'cache' must be a mapping, like {dir: cache}") < 0
	    || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2) {
		r = v->kids[i + 1];
		if (!strcmp(v->kids[i]->str, "dir")) {
			if (want_string(l, r, "dir") == 0) {
				free(cfg->cache_dir);
				cfg->cache_dir = xstrdup(r->str);
				l->cache_dir_at = r;
			}
		} else if (!strcmp(v->kids[i]->str, "remote")) {
			if (want_map(l, r, "'remote' must be a mapping, like {url: https://cache.example.com}") < 0
			    || r->type != NODE_MAP)
				continue;
			for (j = 0; j < r->nkids; j += 2) {
				if (!strcmp(r->kids[j]->str, "url")) {
					if (want_url(l, r->kids[j + 1], "url", 1) == 0) {
						free(cfg->remote_url);
						cfg->remote_url = xstrdup(r->kids[j + 1]->str);
					}
				} else if (!strcmp(r->kids[j]->str, "bearer_env") ||
					   !strcmp(r->kids[j]->str, "basic_env")) {
					char **dst = r->kids[j]->str[1] == 'e' ? &cfg->remote_bearer_env :
						&cfg->remote_basic_env;

					/* never echo the value: it may be the credential itself */
					if (r->kids[j + 1]->type != NODE_SCALAR || !is_env_name(r->kids[j + 1]->str)) {
						problem(l, r->kids[j + 1], "'%s' must be an environment variable"
							" name, like ASSETGEN_CACHE_TOKEN", r->kids[j]->str);
					} else {
						free(*dst);
						*dst = xstrdup(r->kids[j + 1]->str);
					}
				} else if (!strcmp(r->kids[j]->str, "region")) {
					if (want_string(l, r->kids[j + 1], "region") == 0) {
						free(cfg->remote_region);
						cfg->remote_region = xstrdup(r->kids[j + 1]->str);
					}
				} else if (!strcmp(r->kids[j]->str, "endpoint")) {
					if (want_url(l, r->kids[j + 1], "endpoint", 0) == 0) {
						free(cfg->remote_endpoint);
						cfg->remote_endpoint = xstrdup(r->kids[j + 1]->str);
					}
				} else if (!strcmp(r->kids[j]->str, "upload")) {
					b = bool_value(r->kids[j + 1]);
					if (b < 0)
						problem(l, r->kids[j + 1], "'upload' must be true or false");
					else
						cfg->upload = b;
				} else {
					unknown_key(l, r->kids[j], remote_keys);
				}
			}
		} else {
			unknown_key(l, v->kids[i], cache_keys);
		}
	}
}

/* png: {level, filter} for every PNG the build encodes; not in any key */
static void
parse_png(struct loader *l, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	const struct node *k, *x;
	size_t i;

	if (want_map(l, v, "'png' must be a mapping, like {level: 3, filter: sub}") < 0
	    || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2) {
		k = v->kids[i];
		x = v->kids[i + 1];
		if (!strcmp(k->str, "level"))
			want_int(l, x, "level", 0, 9, &cfg->png.level);
		else if (x->type == NODE_SCALAR && !strcmp(k->str, "filter")) {
			if (pngio_filter_parse(x->str, &cfg->png.filter) < 0)
				problem(l, x, "unknown PNG filter '%s' (expected none, sub, up, avg, paeth or adaptive)",
					x->str);
		} else if (!strcmp(k->str, "filter"))
			problem(l, x, "'filter' must be a string: none, sub, up, avg, paeth or adaptive");
		else
			unknown_key(l, k, png_keys);
	}
}

/* credentials: {key: FILE | {env: VAR}, cert: FILE | {env: VAR}}: the
 * signing key and certificate chain; read when a build signs, never here */
static void
parse_cred_source(struct loader *l, const struct node *key, const struct node *v,
		  struct cred_source *out)
{
	const char *what = key->str;

	out->loc.file = l->file;
	out->loc.line = v->line;
	out->loc.col = v->col;
	if (v->type == NODE_SCALAR && !is_null(v)) {
		if (!*v->str)
			problem(l, v, "'%s' must name a file, or {env: VAR}", what);
		else
			out->file = v->str[0] == '/' ? xstrdup(v->str) : path_join(l->p->cfg.root, v->str);
		return;
	}
	if (v->type == NODE_MAP && v->nkids == 2 && !strcmp(v->kids[0]->str, "env") &&
	    v->kids[1]->type == NODE_SCALAR && !is_null(v->kids[1])) {
		const char *e = v->kids[1]->str;
		size_t i;

		for (i = 0; e[i]; i++)
			if (!(e[i] == '_' || (e[i] >= 'A' && e[i] <= 'Z') || (e[i] >= 'a' && e[i] <= 'z') ||
			      (i > 0 && e[i] >= '0' && e[i] <= '9')))
				break;
		if (!*e || e[i]) {
			problem(l, v->kids[1], "'%s' env must name an environment variable, like %s",
				what, !strcmp(what, "key") ? "ASSETGEN_SIGNING_KEY" : "ASSETGEN_SIGNING_CERT");
			return;
		}
		out->env = xstrdup(e);
		return;
	}
	problem(l, v, "'%s' must be a file name or {env: VAR} (the variable holding the PEM text)", what);
}

static void
parse_credentials(struct loader *l, const struct node *v)
{
	struct config *cfg = &l->p->cfg;
	const struct node *k;
	size_t i;

	if (want_map(l, v, "'credentials' must be a mapping, like {key: FILE, cert: FILE}") < 0
	    || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2) {
		k = v->kids[i];
		if (!strcmp(k->str, "key"))
			parse_cred_source(l, k, v->kids[i + 1], &cfg->cred_key);
		else if (!strcmp(k->str, "cert"))
			parse_cred_source(l, k, v->kids[i + 1], &cfg->cred_cert);
		else
			unknown_key(l, k, credentials_keys);
	}
	if (!!(cfg->cred_key.file || cfg->cred_key.env) != !!(cfg->cred_cert.file || cfg->cred_cert.env) &&
	    nproblems(l) == 0)
		problem(l, v, "'credentials' needs both 'key' and 'cert'");
}

/* output and recipes: a subdirectory of the project, normalized ("a//b/"
 * is "a/b"); never absolute, never "..", never the project itself. */
static void
parse_subdir(struct loader *l, const struct node *v, const char *key, char **out)
{
	struct buf b = BUF_INIT;
	const char *s, *e;

	if (want_string(l, v, key) < 0)
		return;
	s = v->str;
	if (*s == '/') {
		problem(l, v, "'%s' must be a directory inside the project, not an absolute path", key);
		return;
	}
	while (*s) {
		e = strchr(s, '/');
		if (!e)
			e = s + strlen(s);
		if (e - s == 2 && !strncmp(s, "..", 2)) {
			problem(l, v, "'%s' must be a directory inside the project, without '..'", key);
			buf_release(&b);
			return;
		}
		if (e > s && !(e - s == 1 && *s == '.')) {
			if (b.len)
				buf_putc(&b, '/');
			buf_put(&b, s, (size_t)(e - s));
		}
		s = *e ? e + 1 : e;
	}
	if (!b.len) {
		problem(l, v, "'%s' must name a subdirectory of the project", key);
		return;
	}
	free(*out);
	*out = buf_detach(&b, NULL);
}

/* Tesseract language codes: "eng", "chi_sim", "eng+deu". */
static int
lang_ok(const char *s)
{
	const char *p = s;

	for (;;) {
		const char *w = p;

		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		if (p == w || p - w > 32)
			return 0;
		if (!*p)
			return p - s <= 100;
		if (*p++ != '+')
			return 0;
	}
}

/* The typography settings of a recipe's asset (or defaults: t non-NULL),
 * or of the project (t NULL: into the config).  A recipe may tighten the
 * project's threshold, never loosen it. */
struct typo_spec {
	const char *lang;
	double threshold;
	int max_attempts;
	enum typo_check check;
	const struct node *thr_node;
};

static int
parse_typography(struct loader *l, const struct node *v, struct typo_spec *t)
{
	struct config *cfg = &l->p->cfg;
	const struct node *key, *val;
	size_t i, n0 = nproblems(l);
	double d;
	int n;

	if (want_map(l, v, "'typography' must be a mapping, like {threshold: 0.2, max_attempts: 3}") < 0
	    || v->type != NODE_MAP)
		return -1;
	for (i = 0; i < v->nkids; i += 2) {
		key = v->kids[i];
		val = v->kids[i + 1];
		if (!strcmp(key->str, "lang")) {
			if (want_string(l, val, "lang") < 0)
				continue;
			if (!lang_ok(val->str)) {
				problem(l, val, "invalid Tesseract language '%s' (codes like eng, "
					"chi_sim or eng+deu)", q(l, val->str));
				continue;
			}
			if (t) {
				t->lang = val->str;
			} else {
				free(cfg->typo_lang);
				cfg->typo_lang = xstrdup(val->str);
			}
		} else if (!strcmp(key->str, "threshold")) {
			if (want_number(l, val, "threshold", &d) < 0)
				continue;
			if (d > 1) {
				problem(l, val, "'threshold' must be from 0 to 1 (the share of the "
					"expected text's characters that may be wrong)");
				continue;
			}
			if (t && d > cfg->typo_threshold + 1e-12) {
				problem(l, val, "threshold %g is looser than the project's "
					"typography.threshold (%g): a recipe may only tighten it", d,
					cfg->typo_threshold);
			} else if (t) {
				t->threshold = d;
				t->thr_node = val;
			} else {
				cfg->typo_threshold = d;
			}
		} else if (!strcmp(key->str, "max_attempts")) {
			if (want_int(l, val, "max_attempts", 1, TYPO_MAX_ATTEMPTS, &n) < 0)
				continue;
			if (t)
				t->max_attempts = n;
			else
				cfg->typo_max_attempts = n;
		} else if (!strcmp(key->str, "check")) {
			if (want_enum(l, val, "typography check", typo_check_names,
				      NELEM(typo_check_names), "generation or output", &n) < 0)
				continue;
			if (t)
				t->check = (enum typo_check)(n + 1);
			else
				cfg->typo_check = (enum typo_check)(n + 1);
		} else {
			unknown_key(l, key, typography_keys);
		}
	}
	return nproblems(l) == n0 ? 0 : -1;
}

/* expect_text: a string or a list of strings, each with a letter or digit. */
static int
check_expect_text(struct loader *l, const struct node *v)
{
	const struct node *const *items = &v;
	size_t n = 1, i;
	const char *p;

	if (v->type == NODE_SEQ) {
		if (!v->nkids) {
			problem(l, v, "'expect_text' must be a string or a non-empty list of strings");
			return -1;
		}
		items = (const struct node *const *)v->kids;
		n = v->nkids;
	}
	for (i = 0; i < n; i++) {
		if (items[i]->type != NODE_SCALAR || is_null(items[i])) {
			problem(l, items[i], "'expect_text' must be a string or a list of strings, "
				"like \"Launch Sale\"");
			return -1;
		}
		if (items[i]->len > MAX_EXPECT) {
			problem(l, items[i], "'expect_text' is longer than %d bytes: the check reads "
				"copy on an image, not a page", MAX_EXPECT);
			return -1;
		}
		for (p = items[i]->str; *p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80); p++)
			;
		if (!*p) {
			problem(l, items[i], "'expect_text' '%s' has no letters or digits to check",
				q(l, items[i]->str));
			return -1;
		}
	}
	return 0;
}

/* `clean` empties the cache and output directories, and builds fill
 * them: neither may be the project directory or one above it, however it
 * is reached ("..", a symlink).  at is where the setting is written, or
 * NULL for the default. */
static void
own_dir_check(struct loader *l, const struct node *at, const char *what, const char *rel,
	      const char *whose, const char *like)
{
	char *path = path_join(l->p->cfg.root, rel), *real = os_resolve(path);

	if (os_path_within(l->p->cfg.root, real)) {
		if (at)
			problem(l, at, "%s ('%s') is the project directory or one above it; "
				"give %s a directory of its own, like '%s'", what, q(l, rel), whose, like);
		else
			problem_at(l, 0, 0, "%s ('%s', the default) is the project directory or one "
				   "above it; give %s a directory of its own", what, q(l, rel), whose);
	}
	free(real);
	free(path);
}

/* outputs: {formats, widths, quality, sizes}: the fields written, into o
 * (o->set and each field's flag); what is not written stays as it was */
static int
outf_parse(const char *s, int *out)
{
	size_t i;

	if (!strcmp(s, "jpg"))
		s = "jpeg";
	for (i = 0; i < OUTF_COUNT; i++) {
		if (!strcmp(s, outf_names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return -1;
}

static void
parse_output_formats(struct loader *l, const struct node *v, struct outputs *o)
{
	const struct node *x;
	size_t i;
	int f;

	o->formats_set = 1;
	o->formats = 0;
	if (is_null(v))
		return;
	if (v->type != NODE_SEQ) {
		problem(l, v, "'formats' must be a list, like [avif, webp, jpeg]");
		return;
	}
	for (i = 0; i < v->nkids; i++) {
		x = v->kids[i];
		if (x->type != NODE_SCALAR || outf_parse(x->str, &f) < 0)
			problem(l, x, "unknown output format '%s' (expected avif, webp, png or jpeg)",
				x->type == NODE_SCALAR ? q(l, x->str) : "?");
		else if (o->formats & (1u << f))
			problem(l, x, "output format '%s' is listed twice", outf_names[f]);
		else
			o->formats |= 1u << f;
	}
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
parse_output_widths(struct loader *l, const struct node *v, struct outputs *o)
{
	const struct node *x;
	size_t i, j;
	uint64_t u;

	o->widths_set = 1;
	o->nwidths = 0;
	if (is_null(v))
		return;
	if (v->type != NODE_SEQ) {
		problem(l, v, "'widths' must be a list of pixel widths, like [480, 960, 1920]");
		return;
	}
	if (v->nkids > OUTPUTS_MAX_WIDTHS) {
		problem(l, v, "'widths' lists %zu widths (at most %d)", v->nkids, OUTPUTS_MAX_WIDTHS);
		return;
	}
	for (i = 0; i < v->nkids; i++) {
		x = v->kids[i];
		if (x->type != NODE_SCALAR || parse_u64(x->str, &u) < 0 || u < 1 || u > MAX_SIDE) {
			problem(l, x, "a width must be an integer from 1 to %d", MAX_SIDE);
			continue;
		}
		for (j = 0; j < o->nwidths; j++)
			if (o->widths[j] == u)
				break;
		if (j < o->nwidths)
			problem(l, x, "width %llu is listed twice", (unsigned long long)u);
		else
			o->widths[o->nwidths++] = (uint32_t)u;
	}
	qsort(o->widths, o->nwidths, sizeof(o->widths[0]), u32_cmp);
}

static void
parse_output_quality(struct loader *l, const struct node *v, struct outputs *o)
{
	const struct node *k;
	size_t i;
	int f;

	if (want_map(l, v, "'quality' must be a mapping by format, like {avif: 50, webp: 80}") < 0
	    || v->type != NODE_MAP)
		return;
	for (i = 0; i < v->nkids; i += 2) {
		k = v->kids[i];
		if (outf_parse(k->str, &f) < 0)
			problem(l, k, "unknown output format '%s' (expected avif, webp or jpeg)",
				q(l, k->str));
		else if (f == OUTF_PNG)
			problem(l, k, "png is lossless: it takes no quality");
		else
			want_int(l, v->kids[i + 1], "quality", 1, 100, &o->quality[f]);
	}
}

static void
parse_outputs(struct loader *l, const struct node *v, struct outputs *o)
{
	const struct node *k, *x;
	size_t i;

	if (want_map(l, v, "'outputs' must be a mapping, like {formats: [avif, webp, jpeg], "
		     "widths: [480, 960]}") < 0 || v->type != NODE_MAP)
		return;
	o->set = 1;
	for (i = 0; i < v->nkids; i += 2) {
		k = v->kids[i];
		x = v->kids[i + 1];
		if (!strcmp(k->str, "formats")) {
			parse_output_formats(l, x, o);
		} else if (!strcmp(k->str, "widths")) {
			parse_output_widths(l, x, o);
		} else if (!strcmp(k->str, "quality")) {
			parse_output_quality(l, x, o);
		} else if (!strcmp(k->str, "sizes")) {
			if (want_string(l, x, "sizes") < 0)
				continue;
			if (!*x->str || x->len > OUTPUTS_SIZES_MAX)
				problem(l, x, "'sizes' must be 1 to %d characters", OUTPUTS_SIZES_MAX);
			else if (strpbrk(x->str, "\"<>&\r\n\t"))
				problem(l, x, "'sizes' cannot hold quotes, '<', '>', '&' or line breaks "
					"(it goes into an HTML attribute)");
			else {
				memcpy(o->sizes, x->str, x->len + 1);
				o->sizes_set = 1;
			}
		} else if (!strcmp(k->str, "base")) {
			if (want_string(l, x, "base") < 0)
				continue;
			if (x->len > OUTPUTS_SIZES_MAX || strpbrk(x->str, "\"<>&' \\\r\n\t,"))
				problem(l, x, "'base' must be a URL prefix of at most %d characters, "
					"with no spaces, quotes, commas or '<', '>', '&'", OUTPUTS_SIZES_MAX);
			else {
				memcpy(o->base, x->str, x->len + 1);
				o->base_set = 1;
			}
		} else {
			unknown_key(l, k, outputs_keys);
		}
	}
}

/* The fields set in over, over base. */
static void
outputs_over(struct outputs *base, const struct outputs *over)
{
	size_t i;

	if (!over->set)
		return;
	base->set = 1;
	if (over->formats_set) {
		base->formats_set = 1;
		base->formats = over->formats;
	}
	if (over->widths_set) {
		base->widths_set = 1;
		memcpy(base->widths, over->widths, sizeof(base->widths));
		base->nwidths = over->nwidths;
	}
	if (over->base_set) {
		base->base_set = 1;
		memcpy(base->base, over->base, sizeof(base->base));
	}
	if (over->sizes_set) {
		base->sizes_set = 1;
		memcpy(base->sizes, over->sizes, sizeof(base->sizes));
	}
	for (i = 0; i < OUTF_COUNT; i++)
		if (over->quality[i])
			base->quality[i] = over->quality[i];
}

static void
load_config(struct loader *l, const struct node *root)
{
	struct config *cfg = &l->p->cfg;
	const struct node *key, *val;
	size_t i, j;

	if (!root || is_null(root))
		return;
	if (root->type != NODE_MAP) {
		problem(l, root, "assetgen.yaml must be a mapping, like {models: ..., routes: ...}");
		return;
	}
	/* routes may come before models: learn the names first */
	for (i = 0; i < root->nkids; i += 2) {
		val = root->kids[i + 1];
		if (strcmp(root->kids[i]->str, "models") != 0 || val->type != NODE_MAP)
			continue;
		for (j = 0; j < val->nkids; j += 2) {
			l->declared = xgrow(l->declared, &l->capdeclared, l->ndeclared + 1,
					    sizeof(*l->declared));
			l->declared[l->ndeclared++] = xstrdup(val->kids[j]->str);
			if (!strcmp(val->kids[j]->str, "builtin"))
				l->has_builtin = 1;
		}
	}
	for (i = 0; i < root->nkids; i += 2) {
		key = root->kids[i];
		val = root->kids[i + 1];
		if (!strcmp(key->str, "models")) {
			parse_models(l, val);
		} else if (!strcmp(key->str, "routes")) {
			if (is_null(val))
				continue;
			if (val->type != NODE_SEQ) {
				problem(l, val, "'routes' must be a list, like [{use: [local]}]");
				continue;
			}
			for (j = 0; j < val->nkids; j++)
				parse_route(l, val->kids[j]);
		} else if (!strcmp(key->str, "budget")) {
			parse_budget(l, val);
		} else if (!strcmp(key->str, "cache")) {
			parse_cache(l, val);
		} else if (!strcmp(key->str, "output")) {
			parse_subdir(l, val, "output", &cfg->output_dir);
			l->output_at = val;
		} else if (!strcmp(key->str, "recipes")) {
			parse_subdir(l, val, "recipes", &cfg->recipes_dir);
		} else if (!strcmp(key->str, "typography")) {
			parse_typography(l, val, NULL);
		} else if (!strcmp(key->str, "png")) {
			parse_png(l, val);
		} else if (!strcmp(key->str, "credentials")) {
			parse_credentials(l, val);
		} else if (!strcmp(key->str, "outputs")) {
			parse_outputs(l, val, &cfg->outputs);
		} else {
			unknown_key(l, key, config_keys);
		}
	}
	if (nproblems(l) == 0) {
		own_dir_check(l, l->cache_dir_at, "cache 'dir'", cfg->cache_dir, "the cache", "cache");
		own_dir_check(l, l->output_at, "'output'", cfg->output_dir, "the outputs", "dist");
	}
}

/* Recipes */

/* An asset's fields as written (or a file's defaults), checked one by one;
 * node pointers are NULL for absent fields.  A field that failed its check
 * is present (so it is not also reported missing) and sets bad. */
/* `overlay:` as written and checked; text is NULL for none */
struct ovspec {
	const struct node *text, *box;
	const struct font_file *font;
	uint32_t size;
	uint8_t rgba[4];
	uint32_t x, y, w, h;
	int align, valign;
	int line, col;
};

struct spec {
	const struct node *map;
	const struct node *name, *prompt, *negative_prompt, *seed, *size, *intent,
		*criticality, *tags, *model, *params, *upscale, *overlay, *matrix, *expect_text,
		*typography, *fit, *crop, *pad, *inputs, *outputs;
	struct ovspec ov;
	struct outputs out_v;       /* the fields written here (spec_merge: over the defaults') */
	struct typo_spec ty;
	uint64_t seed_v;
	uint32_t width, height;
	int intent_v, crit_v, fit_v, crop_v;
	uint8_t pad_v[4];
	enum upscale_kind up_kind;
	uint32_t up_factor, up_width, up_height;
	const char *up_with;
	int bad;
};

static int
parse_upscale(struct loader *l, struct spec *s, const struct node *v)
{
	const struct node *factor = NULL, *size = NULL, *key, *val;
	size_t i;
	int f, err = 0;

	s->up_kind = UPSCALE_NONE;
	s->up_with = NULL;
	if (is_null(v) || (v->type == NODE_SCALAR && !strcmp(v->str, "none")))
		return 0;
	if (v->type != NODE_MAP) {
		problem(l, v, "'upscale' must be none or a mapping, like {factor: 2, with: lanczos3}");
		return -1;
	}
	s->up_with = "lanczos3";
	for (i = 0; i < v->nkids; i += 2) {
		key = v->kids[i];
		val = v->kids[i + 1];
		if (!strcmp(key->str, "factor")) {
			factor = val;
			if (want_int(l, val, "factor", 2, 4, &f) < 0)
				err = -1;
			else
				s->up_factor = (uint32_t)f;
		} else if (!strcmp(key->str, "size")) {
			size = val;
			if (want_size(l, val, "upscale size", MAX_UPSCALED, &s->up_width,
				      &s->up_height) < 0)
				err = -1;
		} else if (!strcmp(key->str, "with")) {
			if (want_model(l, val, "with", 1) < 0)
				err = -1;
			else
				s->up_with = val->str;
		} else {
			unknown_key(l, key, upscale_keys);
			err = -1;
		}
	}
	if (factor && size) {
		problem(l, v, "'upscale' takes 'factor' or 'size', not both");
		err = -1;
	} else if (!factor && !size) {
		problem(l, v, "'upscale' needs 'factor' or 'size'");
		err = -1;
	}
	s->up_kind = factor ? UPSCALE_FACTOR : UPSCALE_SIZE;
	return err;
}

/* The font file abs, named path in messages, read once per load; NULL
 * when it is bad (reported at v, once). */
static const struct font_file *
font_read(struct loader *l, const struct node *v, const char *path, const char *abs)
{
	struct project *p = l->p;
	struct font_file *f;
	char *err = NULL;
	size_t i;

	for (i = 0; i < p->nfonts; i++)
		if (!strcmp(p->fonts[i]->path, path))
			return p->fonts[i]->data ? p->fonts[i] : NULL;
	f = xcalloc(1, sizeof(*f));
	if (overlay_font_load(abs, f, &err) < 0) {
		problem(l, v, "font '%s': %s", q(l, path), err);
		free(err);
		/* no build follows a failed load: the note only lets `watch`
		 * see the missing or broken font arrive */
		inputs_note_absent(abs);
	} else {
		struct key k;

		/* an input of the build: a no-op build re-hashes it (inputs.h) */
		memcpy(k.b, f->digest, sizeof(k.b));
		inputs_note(abs, &k);
	}
	f->path = xstrdup(path);
	p->fonts = xreallocarray(p->fonts, p->nfonts + 1, sizeof(*p->fonts));
	p->fonts[p->nfonts++] = f;
	return f->data ? f : NULL;      /* a bad font is reported once */
}

/* The font at path (relative to the project root, or absolute). */
static const struct font_file *
font_get(struct loader *l, const struct node *v)
{
	char *abs = v->str[0] == '/' ? xstrdup(v->str) : path_join(l->p->cfg.root, v->str);
	const struct font_file *f = font_read(l, v, v->str, abs);

	free(abs);
	return f;
}

/* The font of an overlay without 'font' (the overlay mapping v): the
 * DejaVu Sans shipped with assetgen, installed beside the binary
 * (PREFIX/bin/assetgen, PREFIX/share/assetgen/fonts/) or, run from a
 * source checkout (build/assetgen), the checkout's fonts/.  Looked for
 * once per load; each place tried is an input of the build. */
static const struct font_file *
font_default(struct loader *l, const struct node *v)
{
	static const char *const rel[] = {
		"../share/assetgen/fonts/" OVERLAY_DEFAULT_FONT,
		"../fonts/" OVERLAY_DEFAULT_FONT,
	};
	struct buf tried = BUF_INIT;
	char *dir, *abs, *real;
	size_t i;

	if (l->default_font || l->default_font_err) {
		if (l->default_font_err)
			problem(l, v, "%s", l->default_font_err);
		return l->default_font;
	}
	if (!(dir = os_exe_dir())) {
		l->default_font_err = xstrdup("'overlay' has no 'font', and the default font cannot be "
					      "found (the assetgen binary's directory is unknown): name "
					      "a .ttf or .otf file, relative to the project root");
		problem(l, v, "%s", l->default_font_err);
		return NULL;
	}
	for (i = 0; i < NELEM(rel); i++) {
		abs = path_join(dir, rel[i]);
		if ((real = realpath(abs, NULL))) {
			l->default_font = font_read(l, v, real, real);
			free(real);
			free(abs);
			free(dir);
			buf_release(&tried);
			if (!l->default_font)
				l->default_font_err = xstrdup("'overlay' has no 'font', and the default "
							      "font is unusable: name a .ttf or .otf file");
			return l->default_font;
		}
		inputs_note_absent(abs);
		buf_printf(&tried, "%s%s", i ? " or " : "", abs);
		free(abs);
	}
	l->default_font_err = xasprintf("'overlay' has no 'font', and the default font is not "
					"installed (no %s): name a .ttf or .otf file, relative to "
					"the project root", tried.data);
	problem(l, v, "%s", l->default_font_err);
	buf_release(&tried);
	free(dir);
	return NULL;
}

/* Encode code point c as UTF-8 into out (at least 5 bytes, NUL-terminated). */
static void
utf8_put(char *out, uint32_t c)
{
	unsigned char *o = (unsigned char *)out;

	if (c < 0x80) {
		*o++ = (unsigned char)c;
	} else if (c < 0x800) {
		*o++ = (unsigned char)(0xc0 | c >> 6);
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (unsigned char)(0xe0 | c >> 12);
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | c >> 18);
		*o++ = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (c & 0x3f));
	}
	*o = '\0';
}

static int
hexdigit(int c)
{
	return isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "#rgb", "#rrggbb" or "#rrggbbaa" */
static int
parse_color(const char *s, uint8_t rgba[4])
{
	size_t n = strlen(s), i;
	int d[8];

	if (s[0] != '#' || (n != 4 && n != 7 && n != 9))
		return -1;
	for (i = 1; i < n; i++)
		if ((d[i - 1] = hexdigit((unsigned char)s[i])) < 0)
			return -1;
	rgba[3] = 255;
	for (i = 0; i < (n == 4 ? 3u : (n - 1) / 2); i++)
		rgba[i] = (uint8_t)(n == 4 ? d[i] * 17 : d[2 * i] * 16 + d[2 * i + 1]);
	return 0;
}

/* An overlay's words within the caps (overlay.h): at the text node, as
 * written and again once its placeholders are expanded. */
static int
check_overlay_text(struct loader *l, const struct node *at, const char *text, int expanded)
{
	size_t len = strlen(text);
	uint32_t marks;

	if (len > OVERLAY_MAX_TEXT) {
		problem(l, at, "overlay 'text' is %zu bytes%s, more than %u: an overlay draws copy "
			"on an image, not a page", len, expanded ? " once placeholders are expanded" : "",
			OVERLAY_MAX_TEXT);
		return -1;
	}
	if ((marks = overlay_text_marks(text)) > OVERLAY_MAX_MARKS) {
		problem(l, at, "overlay 'text' stacks %u combining marks on one character "
			"(at most %u)", marks, OVERLAY_MAX_MARKS);
		return -1;
	}
	return 0;
}

/* One number of an overlay's box [x, y, width, height]: whole pixels,
 * 0..MAX_SIDE, a width or height at least 1; -1 when reported. */
static int
box_side(struct loader *l, const struct node *v, size_t i, uint64_t *out)
{
	static const char *const names[] = { "x", "y", "width", "height" };
	const char *s = v->type == NODE_SCALAR && !is_null(v) ? v->str : NULL;
	size_t digits = s ? strspn(s + (*s == '-'), "0123456789") : 0;

	if (!s || !digits || s[(*s == '-') + digits]) {
		problem(l, v, "'box' %s must be a whole number of pixels, in [x, y, width, height]",
			names[i]);
		return -1;
	}
	if (*s == '-' && strspn(s + 1, "0") != digits) {
		problem(l, v, "'box' %s %s is negative: the box is [x, y, width, height] in pixels "
			"from the image's top-left corner", names[i], q(l, s));
		return -1;
	}
	if (*s == '-' || parse_u64(s, out) < 0)
		*out = *s == '-' ? 0 : UINT64_MAX;      /* "-0"; or past 64 bits */
	if (*out > MAX_SIDE) {
		problem(l, v, "'box' %s %s is larger than any image (sides are at most %d pixels)",
			names[i], q(l, s), MAX_SIDE);
		return -1;
	}
	if (i >= 2 && *out == 0) {
		problem(l, v, "'box' %s is 0: a box is at least 1 pixel wide and high", names[i]);
		return -1;
	}
	return 0;
}

static int
parse_overlay(struct loader *l, struct spec *s, const struct node *v)
{
	struct ovspec *o = &s->ov;
	const struct node *key, *val, *font = NULL, *size = NULL;
	size_t i, j, n0 = nproblems(l);
	uint64_t u[4];
	int e;

	memset(o, 0, sizeof(*o));
	if (is_null(v) || (v->type == NODE_SCALAR && !strcmp(v->str, "none")))
		return 0;
	if (v->type != NODE_MAP) {
		problem(l, v, "'overlay' must be none or a mapping, like {text: \"Launch Sale\", "
			"font: fonts/DejaVuSans.ttf, size: 96}");
		return -1;
	}
	o->line = v->line;
	o->col = v->col;
	o->rgba[0] = o->rgba[1] = o->rgba[2] = o->rgba[3] = 255;
	o->align = ALIGN_CENTER;
	o->valign = VALIGN_MIDDLE;
	for (i = 0; i < v->nkids; i += 2) {
		key = v->kids[i];
		val = v->kids[i + 1];
		if (!strcmp(key->str, "text")) {
			o->text = val;
			if (want_string(l, val, "text") < 0)
				continue;
			if (!*val->str)
				problem(l, val, "'text' is empty: write the words to draw");
			else
				check_overlay_text(l, val, val->str, 0);
		} else if (!strcmp(key->str, "font")) {
			font = val;
			if (want_string(l, val, "font") == 0)
				o->font = font_get(l, val);
		} else if (!strcmp(key->str, "size")) {
			size = val;
			if (want_int(l, val, "size", OVERLAY_MIN_SIZE, OVERLAY_MAX_SIZE, &e) == 0)
				o->size = (uint32_t)e;
		} else if (!strcmp(key->str, "color")) {
			if (val->type != NODE_SCALAR || is_null(val) || parse_color(val->str, o->rgba) < 0)
				problem(l, val, "'color' must be \"#rgb\", \"#rrggbb\" or \"#rrggbbaa\", "
					"quoted (an unquoted # starts a YAML comment)");
		} else if (!strcmp(key->str, "box")) {
			o->box = val;
			if (val->type != NODE_SEQ || val->nkids != 4) {
				problem(l, val, "'box' must be [x, y, width, height] in pixels");
				continue;
			}
			for (j = 0; j < 4; j++)
				if (box_side(l, val->kids[j], j, &u[j]) < 0)
					break;
			if (j == 4) {
				o->x = (uint32_t)u[0];
				o->y = (uint32_t)u[1];
				o->w = (uint32_t)u[2];
				o->h = (uint32_t)u[3];
			}
		} else if (!strcmp(key->str, "align")) {
			want_enum(l, val, "align", overlay_align_names, ALIGN_COUNT, "left, center or right",
				  &o->align);
		} else if (!strcmp(key->str, "valign")) {
			want_enum(l, val, "valign", overlay_valign_names, VALIGN_COUNT, "top, middle or bottom",
				  &o->valign);
		} else {
			unknown_key(l, key, overlay_keys);
		}
	}
	if (!o->text)
		problem(l, v, "'overlay' needs 'text'");
	if (!font)
		o->font = font_default(l, v);
	if (!size)
		problem(l, v, "'overlay' needs 'size' (pixels per em)");
	if (nproblems(l) != n0) {
		o->text = NULL;
		return -1;
	}
	return 0;
}

/* Matrix variables: [A-Za-z0-9_-]+, as in a {placeholder}. */
static int
var_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

static int
check_matrix(struct loader *l, const struct node *v)
{
	const struct node *vals;
	const char *p;
	uint64_t count = 1;
	size_t i, j;
	int err = 0, over = 0;

	if (v->type != NODE_MAP) {
		problem(l, v, "'matrix' must map variables to lists of values, like {style: [a, b]}");
		return -1;
	}
	for (i = 0; i < v->nkids; i += 2) {
		for (p = v->kids[i]->str; *p && var_char((unsigned char)*p); p++)
			;
		if (*p || p == v->kids[i]->str) {
			problem(l, v->kids[i], "invalid matrix variable '%s': use letters, digits, "
				"'_' and '-'", q(l, v->kids[i]->str));
			err = -1;
		}
		vals = v->kids[i + 1];
		if (vals->type != NODE_SEQ || !vals->nkids) {
			problem(l, vals, "matrix variable '%s' must be a non-empty list of values",
				q(l, v->kids[i]->str));
			err = -1;
			continue;
		}
		for (j = 0; j < vals->nkids; j++) {
			if (vals->kids[j]->type != NODE_SCALAR || is_null(vals->kids[j])) {
				problem(l, vals->kids[j], "matrix values must be strings, numbers "
					"or booleans");
				err = -1;
				break;
			}
		}
		if (count > MAX_MATRIX || vals->nkids > MAX_MATRIX)
			over = 1;
		else
			count *= vals->nkids;
	}
	if (!err && (over || count > MAX_MATRIX)) {
		if (over)
			problem(l, v, "matrix expands to more than %d assets", MAX_MATRIX);
		else
			problem(l, v, "matrix expands to %llu assets (max %d)",
				(unsigned long long)count, MAX_MATRIX);
		err = -1;
	}
	return err;
}

/* One entry of `inputs:`: its file or asset value, role and strength
 * (per mille); -1 after reporting.  A bare string is a file. */
static int
input_entry(struct loader *l, const struct node *e, const struct node **file,
	    const struct node **asset, int *role, uint32_t *strength)
{
	const struct node *key, *val, *st = NULL;
	size_t i;
	double d;
	int err = 0;

	*file = *asset = NULL;
	*role = ROLE_REFERENCE;
	*strength = 750;            /* A1111's default denoising strength */
	if (e->type == NODE_SCALAR && !is_null(e)) {
		*file = e;
		return 0;
	}
	if (e->type != NODE_MAP) {
		problem(l, e, "each input must be a file or a mapping, like {asset: hero-bg} or "
			"{file: products/mug.png, role: init, strength: 0.6}");
		return -1;
	}
	for (i = 0; i < e->nkids; i += 2) {
		key = e->kids[i];
		val = e->kids[i + 1];
		if (!strcmp(key->str, "file") || !strcmp(key->str, "asset")) {
			if (want_string(l, val, key->str) < 0) {
				err = -1;
			} else if (!*val->str) {
				problem(l, val, "'%s' is empty", key->str);
				err = -1;
			}
			if (key->str[0] == 'f')
				*file = val;
			else
				*asset = val;
		} else if (!strcmp(key->str, "role")) {
			if (want_enum(l, val, "role", input_role_names, ROLE_COUNT,
				      "reference, init or mask", role) < 0)
				err = -1;
		} else if (!strcmp(key->str, "strength")) {
			st = val;
			if (want_number(l, val, "strength", &d) < 0) {
				err = -1;
			} else if (!(d >= 0 && d <= 1)) {
				problem(l, val, "'strength' must be between 0 and 1");
				err = -1;
			} else {
				*strength = (uint32_t)(d * 1000 + 0.5);
			}
		} else {
			unknown_key(l, key, input_keys);
			err = -1;
		}
	}
	if (err)
		return -1;
	if (*file && *asset) {
		problem(l, e, "an input takes 'file' or 'asset', not both");
		return -1;
	}
	if (!*file && !*asset) {
		problem(l, e, "an input needs 'file' or 'asset'");
		return -1;
	}
	if (st && *role != ROLE_INIT) {
		problem(l, st, "'strength' is for role: init (this input's role is %s)",
			input_role_names[*role]);
		return -1;
	}
	return 0;
}

/* `inputs:` as written: a list of entries, at most one init and one mask. */
static int
check_inputs(struct loader *l, const struct node *v)
{
	const struct node *file, *asset;
	size_t i, ninit = 0, nmask = 0, nimage = 0;
	uint32_t strength;
	int role, err = 0;

	if (is_null(v))
		return 0;
	if (v->type != NODE_SEQ) {
		problem(l, v, "'inputs' must be a list, like [products/mug.png, {asset: hero-bg}]");
		return -1;
	}
	if (v->nkids > MAX_INPUTS) {
		problem(l, v, "too many inputs (%zu; at most %d)", v->nkids, MAX_INPUTS);
		return -1;
	}
	for (i = 0; i < v->nkids; i++) {
		if (input_entry(l, v->kids[i], &file, &asset, &role, &strength) < 0) {
			err = -1;
			continue;
		}
		if (role == ROLE_INIT && ++ninit > 1) {
			problem(l, v->kids[i], "only one input may have role: init");
			err = -1;
		} else if (role == ROLE_MASK && ++nmask > 1) {
			problem(l, v->kids[i], "only one input may have role: mask");
			err = -1;
		}
		if (role != ROLE_MASK)
			nimage++;
	}
	if (!err && nmask && !nimage) {
		problem(l, v, "a mask needs an image to edit: add an input with role init or reference");
		err = -1;
	}
	return err;
}

/* The input image at path (relative to the project root, or absolute),
 * read and decoded once per load; NULL when it is bad (reported at v, the
 * first time).  Its bytes' hash is an input of the build (inputs.h). */
static const struct image_file *
image_get(struct loader *l, const struct node *v, const char *path)
{
	static const struct codec_limits lim = { MAX_INPUT_BYTES, MAX_SIDE, CODEC_MAX_PIXELS };
	struct project *p = l->p;
	struct image_file *f;
	struct codec_info info;
	struct image img = {0};
	struct buf b = BUF_INIT;
	struct stat st;
	struct key k;
	char *abs, *err = NULL;
	enum codec_format fmt;
	size_t i;

	for (i = 0; i < p->nimages; i++)
		if (!strcmp(p->images[i]->path, path))
			return p->images[i]->data ? p->images[i] : NULL;
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	p->images = xreallocarray(p->images, p->nimages + 1, sizeof(*p->images));
	p->images[p->nimages++] = f;
	abs = path[0] == '/' ? xstrdup(path) : path_join(p->cfg.root, path);
	if (os_read_file(abs, MAX_INPUT_BYTES, &b) < 0) {
		if (errno == ENOENT)
			problem(l, v, "input '%s': no such file", q(l, path));
		else if (errno == EFBIG)
			problem(l, v, "input '%s': file too large (max %u MiB)", q(l, path),
				MAX_INPUT_BYTES >> 20);
		else if (stat(abs, &st) == 0 && !S_ISREG(st.st_mode))
			problem(l, v, "input '%s': not a regular file (it is %s)", q(l, path),
				os_file_kind(st.st_mode));
		else
			problem(l, v, "input '%s': cannot read: %s", q(l, path), strerror(errno));
		inputs_note_absent(abs);    /* `watch` sees it arrive */
		goto out;
	}
	key_digest(b.data ? b.data : "", b.len, &k);
	inputs_note(abs, &k);
	fmt = codec_sniff(b.data, b.len);
	if (fmt != CODEC_PNG && fmt != CODEC_JPEG && fmt != CODEC_WEBP) {
		problem(l, v, "input '%s': not a PNG, JPEG or WebP image", q(l, path));
		goto out;
	}
	if (codec_decode(b.data, b.len, &lim, &img, &info, &err) < 0) {
		problem(l, v, "input '%s': %s", q(l, path), err);
		free(err);
		goto out;
	}
	f->width = img.width;
	f->height = img.height;
	f->format = (int)fmt;
	memcpy(f->digest, k.b, sizeof(f->digest));
	f->data = (unsigned char *)buf_detach(&b, &f->len);
	image_release(&img);
out:
	buf_release(&b);
	free(abs);
	return f->data ? f : NULL;
}

static void
parse_spec(struct loader *l, const struct node *map, int is_defaults, struct spec *s)
{
	const struct node *key, *val;
	size_t i, n0 = nproblems(l);
	uint64_t u;

	memset(s, 0, sizeof(*s));
	s->map = map;
	s->ty.threshold = -1;
	for (i = 0; i < map->nkids; i += 2) {
		key = map->kids[i];
		val = map->kids[i + 1];
		if (!strcmp(key->str, "name")) {
			s->name = val;
			if (is_defaults)
				problem(l, key, "'name' is not allowed in defaults");
			else
				want_string(l, val, "name");
		} else if (!strcmp(key->str, "prompt")) {
			s->prompt = val;
			if (want_string(l, val, "prompt") == 0 && !*val->str)
				problem(l, val, "'prompt' is empty: describe the image");
		} else if (!strcmp(key->str, "negative_prompt")) {
			s->negative_prompt = val;
			want_string(l, val, "negative_prompt");
		} else if (!strcmp(key->str, "seed")) {
			s->seed = val;
			if (val->type != NODE_SCALAR || parse_u64(val->str, &u) < 0)
				problem(l, val, "'seed' must be a non-negative integer");
			else
				s->seed_v = u;
		} else if (!strcmp(key->str, "size")) {
			s->size = val;
			want_size(l, val, "size", MAX_SIDE, &s->width, &s->height);
		} else if (!strcmp(key->str, "intent")) {
			s->intent = val;
			want_enum(l, val, "intent", intent_names, INTENT_COUNT, "preview or final",
				  &s->intent_v);
		} else if (!strcmp(key->str, "criticality")) {
			s->criticality = val;
			want_enum(l, val, "criticality", criticality_names, CRIT_COUNT,
				  "low, normal or high", &s->crit_v);
		} else if (!strcmp(key->str, "tags")) {
			s->tags = val;
			want_strings(l, val, "tags");
		} else if (!strcmp(key->str, "model")) {
			s->model = val;
			want_model(l, val, "model", 0);
		} else if (!strcmp(key->str, "params")) {
			s->params = val;
			check_params(l, val);
		} else if (!strcmp(key->str, "upscale")) {
			s->upscale = val;
			parse_upscale(l, s, val);
		} else if (!strcmp(key->str, "overlay")) {
			s->overlay = val;
			parse_overlay(l, s, val);
		} else if (!strcmp(key->str, "expect_text")) {
			s->expect_text = val;
			if (is_defaults)
				problem(l, key, "'expect_text' is not allowed in defaults (copy belongs "
					"to one asset)");
			else
				check_expect_text(l, val);
		} else if (!strcmp(key->str, "typography")) {
			s->typography = val;
			parse_typography(l, val, &s->ty);
		} else if (!strcmp(key->str, "fit")) {
			s->fit = val;
			want_enum(l, val, "fit", fits, NELEM(fits), "cover, contain or stretch", &s->fit_v);
		} else if (!strcmp(key->str, "crop")) {
			s->crop = val;
			want_enum(l, val, "crop", crops, NELEM(crops),
				  "center, top, bottom, left or right", &s->crop_v);
		} else if (!strcmp(key->str, "pad")) {
			s->pad = val;
			if (val->type != NODE_SCALAR || is_null(val) || parse_color(val->str, s->pad_v) < 0)
				problem(l, val, "'pad' must be a colour: \"#rgb\", \"#rrggbb\" or \"#rrggbbaa\"");
		} else if (!strcmp(key->str, "inputs")) {
			s->inputs = val;
			check_inputs(l, val);
		} else if (!strcmp(key->str, "outputs")) {
			s->outputs = val;
			parse_outputs(l, val, &s->out_v);
		} else if (!strcmp(key->str, "matrix")) {
			s->matrix = val;
			if (is_defaults)
				problem(l, key, "'matrix' is not allowed in defaults");
			else if (!is_null(val))
				check_matrix(l, val);
		} else {
			unknown_key(l, key, asset_keys);
		}
	}
	if (s->matrix && (is_null(s->matrix) || !s->matrix->nkids))
		s->matrix = NULL;
	s->bad = nproblems(l) != n0;
}

/* The asset as written over the file's defaults. */
static void
spec_merge(struct spec *m, const struct spec *a, const struct spec *def)
{
	*m = *a;
	if (!m->prompt)
		m->prompt = def->prompt;
	if (!m->negative_prompt)
		m->negative_prompt = def->negative_prompt;
	if (!m->seed) {
		m->seed = def->seed;
		m->seed_v = def->seed_v;
	}
	if (!m->size) {
		m->size = def->size;
		m->width = def->width;
		m->height = def->height;
	}
	if (!m->intent) {
		m->intent = def->intent;
		m->intent_v = def->intent_v;
	}
	if (!m->criticality) {
		m->criticality = def->criticality;
		m->crit_v = def->crit_v;
	}
	if (!m->tags)
		m->tags = def->tags;
	if (!m->model)
		m->model = def->model;
	if (!m->ty.lang)
		m->ty.lang = def->ty.lang;
	if (m->ty.threshold < 0) {
		m->ty.threshold = def->ty.threshold;
		m->ty.thr_node = def->ty.thr_node;
	}
	if (!m->ty.max_attempts)
		m->ty.max_attempts = def->ty.max_attempts;
	if (!m->ty.check)
		m->ty.check = def->ty.check;
	if (!m->upscale) {
		m->upscale = def->upscale;
		m->up_kind = def->up_kind;
		m->up_factor = def->up_factor;
		m->up_width = def->up_width;
		m->up_height = def->up_height;
		m->up_with = def->up_with;
	}
	if (!m->overlay) {
		m->overlay = def->overlay;
		m->ov = def->ov;
	}
	if (!m->fit) {
		m->fit = def->fit;
		m->fit_v = def->fit_v;
	}
	if (!m->crop) {
		m->crop = def->crop;
		m->crop_v = def->crop_v;
	}
	if (!m->inputs)
		m->inputs = def->inputs;       /* an asset's list replaces the defaults' */
	if (!m->pad) {
		m->pad = def->pad;
		memcpy(m->pad_v, def->pad_v, sizeof(m->pad_v));
	}
	m->out_v = def->out_v;
	outputs_over(&m->out_v, &a->out_v);
	if (!m->outputs)
		m->outputs = def->outputs;
	m->bad |= def->bad;
}

/* A param as written: defaults' and the asset's, merged by name. */
struct pnode {
	const struct node *key, *val;
	size_t order;
};

static int
pnode_cmp(const void *a, const void *b)
{
	const struct pnode *x = a, *y = b;
	int c = strcmp(x->key->str, y->key->str);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static struct pnode *
params_merged(const struct node *dp, const struct node *ap, size_t *nout)
{
	const struct node *maps[2] = { dp, ap };
	struct pnode *ps;
	size_t n = 0, i, j, k, total = 0;

	for (k = 0; k < 2; k++)
		if (maps[k] && maps[k]->type == NODE_MAP)
			total += maps[k]->nkids / 2;
	*nout = 0;
	if (!total)
		return NULL;
	ps = xreallocarray(NULL, total, sizeof(*ps));
	for (k = 0; k < 2; k++) {
		if (!maps[k] || maps[k]->type != NODE_MAP)
			continue;
		for (i = 0; i < maps[k]->nkids; i += 2) {
			ps[n].key = maps[k]->kids[i];
			ps[n].val = maps[k]->kids[i + 1];
			ps[n].order = n;
			n++;
		}
	}
	qsort(ps, n, sizeof(*ps), pnode_cmp);
	/* keep the last of each name: the asset's over the defaults' */
	for (i = 0, j = 0; i < n; i++) {
		if (i + 1 < n && !strcmp(ps[i].key->str, ps[i + 1].key->str))
			continue;
		ps[j++] = ps[i];
	}
	*nout = j;
	return ps;
}

/* A matrix made ready for expansion: values as canonical text. */
struct mvar {
	const char *name;
	char **vals;
	enum value_type *types;
	size_t nvals;
};

struct matrix {
	struct mvar *vars;          /* in the order written */
	size_t nvars;
};

static void
matrix_init(struct matrix *mx, const struct node *v)
{
	const struct node *vals;
	size_t i, j;

	memset(mx, 0, sizeof(*mx));
	if (!v)
		return;
	mx->nvars = v->nkids / 2;
	mx->vars = xcalloc(mx->nvars, sizeof(*mx->vars));
	for (i = 0; i < mx->nvars; i++) {
		vals = v->kids[2 * i + 1];
		mx->vars[i].name = v->kids[2 * i]->str;
		mx->vars[i].nvals = vals->nkids;
		mx->vars[i].vals = xcalloc(vals->nkids, sizeof(char *));
		mx->vars[i].types = xcalloc(vals->nkids, sizeof(enum value_type));
		for (j = 0; j < vals->nkids; j++)
			mx->vars[i].vals[j] = scalar_value(vals->kids[j], &mx->vars[i].types[j]);
	}
}

static void
matrix_release(struct matrix *mx)
{
	size_t i;

	for (i = 0; i < mx->nvars; i++) {
		strings_free(mx->vars[i].vals, mx->vars[i].nvals);
		free(mx->vars[i].types);
	}
	free(mx->vars);
}

static int
matrix_var(const struct matrix *mx, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < mx->nvars; i++)
		if (strlen(mx->vars[i].name) == len && !strncmp(mx->vars[i].name, name, len))
			return (int)i;
	return -1;
}

/* Check the {placeholders} of a string; mark the variables used. */
static int
tpl_check(struct loader *l, const struct node *n, const struct matrix *mx, unsigned char *used)
{
	struct buf names = BUF_INIT;
	const char *p, *e;
	size_t i;
	int v, err = 0;

	for (p = n->str; *p; p++) {
		if (*p == '}') {
			if (p[1] != '}') {
				problem(l, n, "unmatched '}' (write '}}' for a literal brace)");
				return -1;
			}
			p++;
			continue;
		}
		if (*p != '{')
			continue;
		if (p[1] == '{') {
			p++;
			continue;
		}
		for (e = p + 1; var_char((unsigned char)*e); e++)
			;
		if (*e != '}' || e == p + 1) {
			problem(l, n, "unmatched '{' (write '{{' for a literal brace)");
			return -1;
		}
		v = matrix_var(mx, p + 1, (size_t)(e - p - 1));
		if (v >= 0) {
			if (used)
				used[v] = 1;
		} else if (!err) {
			for (i = 0; i < mx->nvars; i++)
				buf_printf(&names, "%s%s", i ? ", " : "", mx->vars[i].name);
			if (mx->nvars)
				problem(l, n, "undefined placeholder '%.*s' (matrix defines: %s)",
					(int)(e - p + 1), p, names.data);
			else
				problem(l, n, "undefined placeholder '%.*s' (this asset has no matrix)",
					(int)(e - p + 1), p);
			buf_release(&names);
			err = -1;
		}
		p = e;
	}
	return err;
}

/* Expand a checked template for one combination (pick[i]: the value of
 * variable i); NULL when the result would be too long. */
static char *
tpl_expand(const char *s, const struct matrix *mx, const size_t *pick)
{
	struct buf b;
	const char *p, *e;
	int v;

	buf_init(&b, MAX_SCALAR);
	for (p = s; *p; p++) {
		if ((*p == '{' && p[1] == '{') || (*p == '}' && p[1] == '}')) {
			p++;
		} else if (*p == '{') {
			for (e = p + 1; *e != '}'; e++)
				;
			v = matrix_var(mx, p + 1, (size_t)(e - p - 1));
			if (buf_puts(&b, mx->vars[v].vals[pick[v]]) < 0)
				goto toolong;
			p = e;
			continue;
		}
		if (buf_putc(&b, *p) < 0)
			goto toolong;
	}
	return buf_detach(&b, NULL);
toolong:
	buf_release(&b);
	return NULL;
}

static const char *
asset_key(const void *ctx, size_t i)
{
	return ((const struct project *)ctx)->assets[i].name;
}

static void
asset_free(struct asset *a)
{
	free(a->name);
	free(a->prompt);
	free(a->negative_prompt);
	strings_free(a->tags, a->ntags);
	free(a->model);
	params_free(a->params, a->nparams);
	free(a->upscale.with);
	if (a->overlay) {
		free(a->overlay->text);
		free(a->overlay);
	}
	strings_free(a->typo.expect, a->typo.nexpect);
	free(a->typo.lang);
	strings_free(a->matrix_vars, a->nmatrix_vars);
	free(a->group);
	for (size_t i = 0; i < a->ninputs; i++)
		free(a->inputs[i].asset);
	free(a->inputs);
}

static int
mvar_cmp(const void *a, const void *b)
{
	const struct mvar *x = *(const struct mvar *const *)a;
	const struct mvar *y = *(const struct mvar *const *)b;

	return strcmp(x->name, y->name);
}

/* The file or asset value of a checked input entry. */
static const struct node *
input_value(const struct node *e)
{
	size_t i;

	if (e->type == NODE_SCALAR)
		return e;
	for (i = 0; e->type == NODE_MAP && i < e->nkids; i += 2)
		if (!strcmp(e->kids[i]->str, "file") || !strcmp(e->kids[i]->str, "asset"))
			return e->kids[i + 1];
	return NULL;
}

/* a's inputs for one combination of the matrix: files read and decoded,
 * asset names expanded (resolved once every recipe is loaded: refs.h). */
static int
inputs_fill(struct loader *l, struct asset *a, const struct node *v, const struct matrix *mx,
	    const size_t *pick)
{
	const struct node *file, *asset, *val;
	struct asset_input *in;
	uint32_t strength;
	size_t i;
	char *s;
	int role;

	if (!v || v->type != NODE_SEQ || !v->nkids)
		return 0;
	a->inputs = xcalloc(v->nkids, sizeof(*a->inputs));
	for (i = 0; i < v->nkids; i++) {
		if (input_entry(l, v->kids[i], &file, &asset, &role, &strength) < 0)
			return -1;
		val = file ? file : asset;
		in = &a->inputs[a->ninputs++];
		in->role = (enum input_role)role;
		in->strength = role == ROLE_INIT ? strength : 0;
		in->loc = (struct srcloc){ l->file, val->line, val->col };
		s = tpl_expand(val->str, mx, pick);
		if (!s) {
			problem(l, val, "string longer than %u bytes once placeholders are expanded",
				MAX_SCALAR);
			return -1;
		}
		if (asset) {
			in->asset = s;
			continue;
		}
		in->file = image_get(l, val, s);
		free(s);
		if (!in->file)
			return -1;
	}
	return 0;
}

/* Fill a's strings for one combination of the matrix; -1 (reported) when
 * an expanded string is too long. */
static int
asset_fill(struct loader *l, struct asset *a, const struct spec *s, const struct matrix *mx,
	   const size_t *pick, const struct pnode *ps, size_t nps)
{
	const struct node *strs[2] = { s->prompt, s->negative_prompt };
	char **outs[2] = { &a->prompt, &a->negative_prompt };
	const struct node *v;
	const char *p;
	size_t i;
	int var;

	for (i = 0; i < 2; i++) {
		if (!strs[i]) {
			*outs[i] = xstrdup("");
			continue;
		}
		*outs[i] = tpl_expand(strs[i]->str, mx, pick);
		if (!*outs[i]) {
			problem(l, strs[i], "string longer than %u bytes once placeholders "
				"are expanded", MAX_SCALAR);
			return -1;
		}
	}
	if (s->tags && s->tags->type == NODE_SEQ && s->tags->nkids) {
		a->tags = xcalloc(s->tags->nkids, sizeof(*a->tags));
		for (i = 0; i < s->tags->nkids; i++) {
			a->ntags = i + 1;
			a->tags[i] = tpl_expand(s->tags->kids[i]->str, mx, pick);
			if (!a->tags[i]) {
				problem(l, s->tags->kids[i], "string longer than %u bytes once "
					"placeholders are expanded", MAX_SCALAR);
				return -1;
			}
		}
	}
	if (s->expect_text) {
		const struct node *ev = s->expect_text;
		size_t ne = ev->type == NODE_SEQ ? ev->nkids : 1;

		a->typo.expect = xcalloc(ne, sizeof(*a->typo.expect));
		for (i = 0; i < ne; i++) {
			v = ev->type == NODE_SEQ ? ev->kids[i] : ev;
			a->typo.nexpect = i + 1;
			a->typo.expect[i] = tpl_expand(v->str, mx, pick);
			if (!a->typo.expect[i]) {
				problem(l, v, "string longer than %u bytes once placeholders "
					"are expanded", MAX_SCALAR);
				return -1;
			}
		}
		/* the candidates are seed, seed+1, ...: none may wrap to 0 */
		if (s->seed && a->seed > UINT64_MAX - (uint64_t)(a->typo.max_attempts - 1)) {
			problem(l, s->seed, "seed %llu leaves no room for its %d typography "
				"candidates (seed, seed+1, ...): use a seed up to %llu",
				(unsigned long long)a->seed, a->typo.max_attempts,
				(unsigned long long)(UINT64_MAX - (uint64_t)(a->typo.max_attempts - 1)));
			return -1;
		}
	}
	if (nps) {
		a->params = xcalloc(nps, sizeof(*a->params));
		for (i = 0; i < nps; i++) {
			a->nparams = i + 1;
			v = ps[i].val;
			a->params[i].name = xstrdup(ps[i].key->str);
			a->params[i].loc = (struct srcloc){ l->file, ps[i].key->line, ps[i].key->col };
			a->params[i].value = scalar_value(v, &a->params[i].type);
			if (a->params[i].type != VAL_STRING)
				continue;
			free(a->params[i].value);
			/* a param that is one placeholder takes the value's type */
			p = v->str;
			if (v->len >= 3 && p[0] == '{' && p[1] != '{' && p[v->len - 1] == '}'
			    && (var = matrix_var(mx, p + 1, v->len - 2)) >= 0) {
				a->params[i].value = xstrdup(mx->vars[var].vals[pick[var]]);
				a->params[i].type = mx->vars[var].types[pick[var]];
				continue;
			}
			a->params[i].value = tpl_expand(p, mx, pick);
			if (!a->params[i].value) {
				problem(l, v, "string longer than %u bytes once placeholders "
					"are expanded", MAX_SCALAR);
				return -1;
			}
		}
	}
	if (s->ov.text) {
		const struct ovspec *o = &s->ov;
		struct overlay *ov = xcalloc(1, sizeof(*ov));
		uint32_t c;

		a->overlay = ov;
		ov->text = tpl_expand(o->text->str, mx, pick);
		if (!ov->text) {
			problem(l, o->text, "string longer than %u bytes once placeholders "
				"are expanded", MAX_SCALAR);
			return -1;
		}
		if (check_overlay_text(l, o->text, ov->text, 1) < 0)
			return -1;
		ov->font = o->font;
		ov->size = o->size;
		memcpy(ov->rgba, o->rgba, sizeof(ov->rgba));
		ov->x = o->box ? o->x : 0;
		ov->y = o->box ? o->y : 0;
		ov->w = o->box ? o->w : a->width;
		ov->h = o->box ? o->h : a->height;
		ov->align = (enum overlay_align)o->align;
		ov->valign = (enum overlay_valign)o->valign;
		ov->loc = (struct srcloc){ l->file, o->line, o->col };
		if ((c = overlay_font_missing(ov->font, ov->text))) {
			char utf8[8] = {0};

			if (c >= 0x20 && c != 0x7f)
				utf8_put(utf8, c);
			problem(l, o->text, "font '%s' has no glyph for U+%04X%s%s%s", ov->font->path,
				(unsigned)c, *utf8 ? " ('" : "", utf8, *utf8 ? "')" : "");
			return -1;
		}
	}
	if (inputs_fill(l, a, s->inputs, mx, pick) < 0)
		return -1;
	if (mx->nvars) {
		const struct mvar **sorted = xcalloc(mx->nvars, sizeof(*sorted));

		for (i = 0; i < mx->nvars; i++)
			sorted[i] = &mx->vars[i];
		qsort(sorted, mx->nvars, sizeof(*sorted), mvar_cmp);
		a->matrix_vars = xcalloc(mx->nvars, sizeof(*a->matrix_vars));
		for (i = 0; i < mx->nvars; i++)
			a->matrix_vars[i] = xasprintf("%s=%s", sorted[i]->name,
						      sorted[i]->vals[pick[sorted[i] - mx->vars]]);
		a->nmatrix_vars = mx->nvars;
		a->group = xstrdup(s->name->str);
		free(sorted);
	}
	return 0;
}

/* Add one asset per combination of the matrix (one without a matrix). */
static void
expand_asset(struct loader *l, const struct spec *s, const struct matrix *mx,
	     const struct pnode *ps, size_t nps)
{
	struct project *p = l->p;
	struct asset a;
	const struct asset *first;
	struct buf vars = BUF_INIT;
	size_t *pick, *slot, i;

	pick = xcalloc(mx->nvars + 1, sizeof(*pick));
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.name = tpl_expand(s->name->str, mx, pick);
		if (!a.name) {
			problem(l, s->name, "asset name longer than %d characters", MAX_NAME);
			break;
		}
		if (check_name(l, s->name, a.name, "asset") < 0)
			break;
		if (p->nassets >= MAX_ASSETS) {
			problem(l, s->map, "too many assets (max %d)", MAX_ASSETS);
			break;
		}
		p->byname = hash_reserve(p->byname, &p->nbyname, p->nassets + 1, asset_key, p);
		slot = hash_slot(p->byname, p->nbyname, a.name, asset_key, p);
		if (*slot) {
			first = &p->assets[*slot - 1];
			vars.len = 0;
			for (i = 0; i < first->nmatrix_vars; i++)
				buf_printf(&vars, "%s%s", i ? ", " : " by ", first->matrix_vars[i]);
			problem(l, s->map, "duplicate asset name '%s' (first defined at %s:%d:%d%s)",
				a.name, first->loc.file, first->loc.line, first->loc.col,
				vars.len ? vars.data : "");
		} else {
			a.seed = s->seed_v;
			a.width = s->size ? s->width : 1024;
			a.height = s->size ? s->height : 1024;
			a.intent = s->intent ? (enum intent)s->intent_v : INTENT_FINAL;
			a.criticality = s->criticality ? (enum criticality)s->crit_v : CRIT_NORMAL;
			a.model = s->model ? xstrdup(s->model->str) : NULL;
			a.fit.mode = s->fit ? (enum fit_mode)s->fit_v : FIT_COVER;
			a.fit.crop = s->crop ? (enum fit_crop)s->crop_v : CROP_CENTER;
			a.fit.pad[3] = 255;
			a.outputs = p->cfg.outputs;
			outputs_over(&a.outputs, &s->out_v);
			if (a.outputs.set && !a.outputs.formats_set)
				a.outputs.formats = 1u << OUTF_AVIF | 1u << OUTF_WEBP | 1u << OUTF_JPEG;
			if (s->pad)
				memcpy(a.fit.pad, s->pad_v, sizeof(a.fit.pad));
			a.upscale.kind = s->up_kind;
			a.upscale.factor = s->up_kind == UPSCALE_FACTOR ? s->up_factor : 0;
			if (s->up_kind == UPSCALE_SIZE) {
				a.upscale.width = s->up_width;
				a.upscale.height = s->up_height;
			}
			a.upscale.with = s->up_kind != UPSCALE_NONE ? xstrdup(s->up_with) : NULL;
			a.typo.lang = xstrdup(s->ty.lang ? s->ty.lang : p->cfg.typo_lang);
			a.typo.threshold = s->ty.threshold >= 0 ? s->ty.threshold : p->cfg.typo_threshold;
			a.typo.max_attempts = s->ty.max_attempts ? s->ty.max_attempts :
				p->cfg.typo_max_attempts;
			a.loc.file = l->file;
			a.loc.line = s->map->line;
			a.loc.col = s->map->col;
			if (asset_fill(l, &a, s, mx, pick, ps, nps) < 0)
				break;
			/* without an overlay the output is the generation */
			a.typo.on_output = a.overlay &&
				(s->ty.check ? s->ty.check : p->cfg.typo_check) != TYPO_CHECK_GENERATION;
			p->assets = xgrow(p->assets, &l->capassets, p->nassets + 1,
					  sizeof(*p->assets));
			p->assets[p->nassets] = a;
			*slot = ++p->nassets;
			memset(&a, 0, sizeof(a));
		}
		asset_free(&a);
		memset(&a, 0, sizeof(a));
		/* next combination: the last variable varies fastest */
		for (i = mx->nvars; i > 0; i--) {
			if (++pick[i - 1] < mx->vars[i - 1].nvals)
				break;
			pick[i - 1] = 0;
		}
		if (i == 0)
			break;
	}
	asset_free(&a);
	buf_release(&vars);
	free(pick);
}

static void
load_asset(struct loader *l, const struct node *v, const struct spec *def)
{
	struct spec a, s;
	struct matrix mx;
	struct pnode *ps;
	const char *label;
	unsigned char *used;
	const struct node *iv;
	size_t i, nps, n0 = nproblems(l);
	uint64_t w, h;

	if (v->type != NODE_MAP) {
		problem(l, v, "each asset must be a mapping, like {name: hero, prompt: ..., seed: 1}");
		return;
	}
	parse_spec(l, v, 0, &a);
	spec_merge(&s, &a, def);
	label = s.name && s.name->type == NODE_SCALAR ? q(l, s.name->str) : NULL;
	if (!s.name)
		problem(l, v, "asset has no 'name'");
	if (!s.prompt) {
		if (label)
			problem(l, v, "asset '%s' has no 'prompt'", label);
		else
			problem(l, v, "asset has no 'prompt'");
	}
	if (!s.seed) {
		if (label)
			problem(l, v, "asset '%s' has no 'seed' (assetgen has no hidden randomness)", label);
		else
			problem(l, v, "asset has no 'seed' (assetgen has no hidden randomness)");
	}
	if (nproblems(l) != n0 || s.bad)
		return;
	if (s.crop && s.fit && s.fit_v != FIT_COVER)
		problem(l, s.crop, "'crop' is for fit: cover (this asset's fit is %s)", fits[s.fit_v]);
	if (s.pad && (!s.fit || s.fit_v != FIT_CONTAIN))
		problem(l, s.pad, "'pad' is for fit: contain (this asset's fit is %s)",
			fits[s.fit ? s.fit_v : FIT_COVER]);
	if (nproblems(l) != n0)
		return;
	w = s.size ? s.width : 1024;
	h = s.size ? s.height : 1024;
	if (s.up_kind == UPSCALE_FACTOR && (w * s.up_factor > MAX_UPSCALED
					    || h * s.up_factor > MAX_UPSCALED)) {
		problem(l, s.upscale, "upscaled size %llux%llu too large (each side at most %d)",
			(unsigned long long)(w * s.up_factor),
			(unsigned long long)(h * s.up_factor), MAX_UPSCALED);
		return;
	}
	if (s.ov.text && s.ov.box && ((uint64_t)s.ov.x + s.ov.w > w || (uint64_t)s.ov.y + s.ov.h > h)) {
		problem(l, s.ov.box, "overlay box [%u, %u, %u, %u] does not fit in the %llux%llu image",
			s.ov.x, s.ov.y, s.ov.w, s.ov.h, (unsigned long long)w, (unsigned long long)h);
		return;
	}
	matrix_init(&mx, s.matrix);
	used = xcalloc(mx.nvars + 1, 1);
	ps = params_merged(def->params, a.params, &nps);
	tpl_check(l, s.name, &mx, used);
	if (s.prompt)
		tpl_check(l, s.prompt, &mx, NULL);
	if (s.negative_prompt)
		tpl_check(l, s.negative_prompt, &mx, NULL);
	if (s.tags && s.tags->type == NODE_SEQ)
		for (i = 0; i < s.tags->nkids; i++)
			tpl_check(l, s.tags->kids[i], &mx, NULL);
	for (i = 0; i < nps; i++)
		if (is_text(ps[i].val))
			tpl_check(l, ps[i].val, &mx, NULL);
	if (s.ov.text)
		tpl_check(l, s.ov.text, &mx, NULL);
	if (s.expect_text && s.expect_text->type == NODE_SEQ)
		for (i = 0; i < s.expect_text->nkids; i++)
			tpl_check(l, s.expect_text->kids[i], &mx, NULL);
	else if (s.expect_text)
		tpl_check(l, s.expect_text, &mx, NULL);
	if (s.inputs && s.inputs->type == NODE_SEQ)
		for (i = 0; i < s.inputs->nkids; i++)
			if ((iv = input_value(s.inputs->kids[i])))
				tpl_check(l, iv, &mx, NULL);
	if (nproblems(l) == n0) {
		for (i = 0; i < mx.nvars; i++) {
			if (!used[i]) {
				problem(l, s.name, "name '%s' must use every matrix variable "
					"('{%s}' is missing)", q(l, s.name->str), mx.vars[i].name);
				break;
			}
		}
	}
	if (nproblems(l) == n0)
		expand_asset(l, &s, &mx, ps, nps);
	free(ps);
	free(used);
	matrix_release(&mx);
}

static void
load_recipe(struct loader *l, const struct node *root)
{
	const struct node *key, *defaults = NULL, *assets = NULL;
	struct spec def;
	size_t i;

	memset(&def, 0, sizeof(def));
	def.ty.threshold = -1;
	if (!root || is_null(root))
		return;
	if (root->type != NODE_MAP) {
		problem(l, root, "a recipe file must be a mapping, like {assets: [...]}");
		return;
	}
	for (i = 0; i < root->nkids; i += 2) {
		key = root->kids[i];
		if (!strcmp(key->str, "defaults"))
			defaults = root->kids[i + 1];
		else if (!strcmp(key->str, "assets"))
			assets = root->kids[i + 1];
		else
			unknown_key(l, key, recipe_keys);
	}
	if (defaults && want_map(l, defaults, "'defaults' must be a mapping of asset fields") == 0
	    && defaults->type == NODE_MAP)
		parse_spec(l, defaults, 1, &def);
	else if (defaults && !is_null(defaults))
		def.bad = 1;
	if (!assets || is_null(assets))
		return;
	if (assets->type != NODE_SEQ) {
		problem(l, assets, "'assets' must be a list of assets");
		return;
	}
	for (i = 0; i < assets->nkids; i++)
		load_asset(l, assets->kids[i], &def);
}

/* Files */

static const char *
intern_file(struct project *p, const char *rel, size_t *cap)
{
	p->files = xgrow(p->files, cap, p->nfiles + 1, sizeof(*p->files));
	p->files[p->nfiles] = xstrdup(rel);
	return p->files[p->nfiles++];
}

/* Read root/rel whole; NULL after reporting (or, with missing set, when
 * the file does not exist).  Only a regular file is read: a FIFO would
 * hang the load, and /dev/zero never end. */
static char *
read_file(struct loader *l, const char *rel, size_t *len, int *missing)
{
	char *path = xasprintf("%s/%s", l->p->cfg.root, rel), *data = NULL;
	struct srcloc loc = { rel, 0, 0 };
	struct buf b = BUF_INIT;
	struct stat st;
	int err = 0;

	*missing = 0;
	if (os_read_file(path, MAX_FILE, &b) < 0)
		err = errno;
	if (!err) {
		data = buf_detach(&b, len);
		if (!data)
			data = xstrdup("");
		inputs_note_data(path, data, *len);
	} else if (err == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		diags_add(l->d, &loc, "a symlink to a file that does not exist");
	} else if (err == ENOENT) {
		*missing = 1;
	} else if (err == EFBIG) {
		diags_add(l->d, &loc, "file too large (max %u MiB)", MAX_FILE >> 20);
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* EINVAL from the check, or ENXIO: a socket cannot be opened */
		diags_add(l->d, &loc, "not a regular file (it is %s)", os_file_kind(st.st_mode));
	} else {
		diags_add(l->d, &loc, "cannot read: %s", strerror(err));
	}
	buf_release(&b);
	free(path);
	return data;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
recipe_list(const char *path, char ***out, size_t *nout)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;

	*out = NULL;
	*nout = 0;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !(str_has_suffix(de->d_name, ".yaml")
					     || str_has_suffix(de->d_name, ".yml")))
			continue;
		/* whatever it is: the loader reads a regular file, and names
		 * anything else (a FIFO, a directory, a link to a device) */
		*out = xgrow(*out, &cap, *nout + 1, sizeof(**out));
		(*out)[(*nout)++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (*nout)
		qsort(*out, *nout, sizeof(**out), name_cmp);
	return 0;
}

/* The recipe files, sorted; 0 with none when the directory is missing. */
static int
list_recipes(struct loader *l, char ***out, size_t *nout)
{
	const char *rdir = l->p->cfg.recipes_dir;
	char *path = xasprintf("%s/%s", l->p->cfg.root, rdir);
	struct srcloc loc = { rdir, 0, 0 };

	if (recipe_list(path, out, nout) < 0) {
		diags_add(l->d, &loc, "cannot open directory: %s", strerror(errno));
		free(path);
		return -1;
	}
	inputs_note_recipes(path, *out, *nout);
	free(path);
	return 0;
}

/* Parse one file into a tree and hand it to fn. */
static int
load_file(struct loader *l, const char *rel, size_t *capfiles,
	  void (*fn)(struct loader *, const struct node *))
{
	struct tree t;
	struct node *root;
	size_t len;
	int missing, r = 0;
	char *data;

	l->file = intern_file(l->p, rel, capfiles);
	data = read_file(l, l->file, &len, &missing);
	if (!data) {
		if (missing)
			diags_add(l->d, &(struct srcloc){ l->file, 0, 0 }, "no such file");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	l->data = data;
	l->len = len;
	if (tree_parse(l, &t, &root) == 0)
		fn(l, root);
	else
		r = -1;
	l->data = NULL;
	l->len = 0;
	tree_release(&t);
	free(data);
	return r;
}

static void
add_builtin(struct config *cfg, size_t *cap)
{
	struct model m = {0};
	size_t i;

	for (i = 0; i < cfg->nmodels; i++)
		if (!strcmp(cfg->models[i].name, "builtin"))
			return;
	m.name = xstrdup("builtin");
	m.provider = xstrdup("builtin");
	m.model = xstrdup("");
	m.version = xstrdup("");
	m.retries = -1;
	cfg->models = xgrow(cfg->models, cap, cfg->nmodels + 1, sizeof(*cfg->models));
	cfg->models[cfg->nmodels++] = m;
}

/* assetgen.yaml, then (with recipes) every recipe file. */
static int
load(struct project *p, const char *root, struct diags *d, int recipes)
{
	struct loader l;
	struct config *cfg = &p->cfg;
	char **names = NULL, *rel;
	size_t nnames = 0, capfiles = 0, i;
	int ok;

	memset(p, 0, sizeof(*p));
	memset(&l, 0, sizeof(l));
	l.p = p;
	l.d = d;
	l.d0 = d->nmsgs + d->nmore;
	cfg->per_request = -1;
	cfg->per_build = -1;
	cfg->per_asset = -1;
	cfg->typo_lang = xstrdup("eng");
	cfg->typo_threshold = 0.2;
	cfg->typo_max_attempts = 3;
	cfg->cache_dir = xstrdup("cache");
	cfg->output_dir = xstrdup("dist");
	cfg->recipes_dir = xstrdup("recipes");
	cfg->png.level = PNGIO_LEVEL_DEFAULT;
	cfg->png.filter = PNGIO_FILTER_DEFAULT;
	cfg->root = realpath(root, NULL);
	if (!cfg->root) {
		diags_add(d, NULL, "cannot open project directory '%s': %s", root, strerror(errno));
		goto out;
	}
	if (load_file(&l, "assetgen.yaml", &capfiles, load_config) < 0)
		goto out;
	add_builtin(cfg, &l.capmodels);
	if (!recipes)
		goto out;
	if (list_recipes(&l, &names, &nnames) < 0)
		goto out;
	for (i = 0; i < nnames; i++) {
		rel = xasprintf("%s/%s", cfg->recipes_dir, names[i]);
		load_file(&l, rel, &capfiles, load_recipe);
		free(rel);
	}
	/* inputs naming assets: known, acyclic, masks the size of their image */
	if (nproblems(&l) == 0)
		refs_resolve(p, d);
out:
	strings_free(names, nnames);
	strings_free(l.declared, l.ndeclared);
	free(l.default_font_err);
	for (i = 0; i < NELEM(l.shown); i++)
		buf_release(&l.shown[i]);
	ok = nproblems(&l) == 0;
	if (!ok)
		project_release(p);
	return ok ? 0 : -1;
}

int
project_load(struct project *p, const char *root, struct diags *d)
{
	return load(p, root, d, 1);
}

int
project_load_config(struct project *p, const char *root, struct diags *d)
{
	return load(p, root, d, 0);
}

void
project_release(struct project *p)
{
	size_t i;

	for (i = 0; i < p->nassets; i++)
		asset_free(&p->assets[i]);
	free(p->assets);
	for (i = 0; i < p->cfg.nmodels; i++)
		model_free(&p->cfg.models[i]);
	free(p->cfg.models);
	for (i = 0; i < p->cfg.nroutes; i++)
		route_free(&p->cfg.routes[i]);
	free(p->cfg.routes);
	free(p->cfg.root);
	free(p->cfg.cred_key.file);
	free(p->cfg.cred_key.env);
	free(p->cfg.cred_cert.file);
	free(p->cfg.cred_cert.env);
	free(p->cfg.cache_dir);
	free(p->cfg.typo_lang);
	free(p->cfg.remote_url);
	free(p->cfg.remote_bearer_env);
	free(p->cfg.remote_basic_env);
	free(p->cfg.remote_region);
	free(p->cfg.remote_endpoint);
	free(p->cfg.output_dir);
	free(p->cfg.recipes_dir);
	strings_free(p->files, p->nfiles);
	for (i = 0; i < p->nfonts; i++) {
		overlay_font_release(p->fonts[i]);
		free(p->fonts[i]);
	}
	free(p->fonts);
	for (i = 0; i < p->nimages; i++) {
		free(p->images[i]->path);
		free(p->images[i]->data);
		free(p->images[i]);
	}
	free(p->images);
	free(p->byname);
	memset(p, 0, sizeof(*p));
}

char *
project_find_root(const char *start)
{
	char *why, *root = discover_root(start, 0, &why);

	free(why);
	return root;
}

const struct model *
project_model(const struct project *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->cfg.nmodels; i++)
		if (!strcmp(p->cfg.models[i].name, name))
			return &p->cfg.models[i];
	return NULL;
}

const struct asset *
project_asset(const struct project *p, const char *name)
{
	size_t slot;

	if (!p->nbyname)
		return NULL;
	slot = *hash_slot(p->byname, p->nbyname, name, asset_key, p);
	return slot ? &p->assets[slot - 1] : NULL;
}

void
params_merge(const struct model *m, const struct asset *a, struct param **out, size_t *nout)
{
	size_t i = 0, j = 0, n = 0;
	int c;

	*out = xcalloc(m->nparams + a->nparams + 1, sizeof(**out));
	while (i < m->nparams || j < a->nparams) {
		if (i == m->nparams)
			c = 1;
		else if (j == a->nparams)
			c = -1;
		else
			c = strcmp(m->params[i].name, a->params[j].name);
		if (c < 0) {
			(*out)[n++] = m->params[i++];
		} else {
			if (c == 0)
				i++;
			(*out)[n++] = a->params[j++];
		}
	}
	*nout = n;
}

const char *
intent_name(enum intent i)
{
	return intent_names[i];
}

const char *
criticality_name(enum criticality c)
{
	return criticality_names[c];
}

int
intent_parse(const char *s, enum intent *out)
{
	for (int i = 0; i < INTENT_COUNT; i++) {
		if (strcmp(s, intent_names[i]) == 0) {
			*out = (enum intent)i;
			return 0;
		}
	}
	return -1;
}
