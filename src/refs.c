/* refs.c - assets that take other assets as inputs: resolving, ordering, explaining */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"
#include "util.h"

void
refs_out_size(const struct asset *a, uint32_t *w, uint32_t *h)
{
	*w = a->width;
	*h = a->height;
	if (a->upscale.kind == UPSCALE_FACTOR) {
		*w *= a->upscale.factor;
		*h *= a->upscale.factor;
	} else if (a->upscale.kind == UPSCALE_SIZE) {
		*w = a->upscale.width;
		*h = a->upscale.height;
	}
}

const struct asset_input *
refs_mask(const struct asset *a)
{
	size_t i;

	for (i = 0; i < a->ninputs; i++)
		if (a->inputs[i].role == ROLE_MASK)
			return &a->inputs[i];
	return NULL;
}

const struct asset_input *
refs_mask_target(const struct asset *a)
{
	const struct asset_input *first = NULL;
	size_t i;

	if (!refs_mask(a))
		return NULL;
	for (i = 0; i < a->ninputs; i++) {
		if (a->inputs[i].role == ROLE_INIT)
			return &a->inputs[i];
		if (a->inputs[i].role == ROLE_REFERENCE && !first)
			first = &a->inputs[i];
	}
	return first;
}

static void
input_size(const struct project *p, const struct asset_input *in, uint32_t *w, uint32_t *h)
{
	if (in->file) {
		*w = in->file->width;
		*h = in->file->height;
	} else {
		refs_out_size(&p->assets[in->upstream], w, h);
	}
}

static const char *
input_name(const struct asset_input *in)
{
	return in->file ? in->file->path : in->asset;
}

/* A DFS frame: an asset and the next of its inputs to follow. */
struct frame {
	size_t asset, next;
};

/* The cycle closed by the edge from stack top's asset through its input
 * `via` back to `to`, which is on the stack: reported at the first edge. */
static void
report_cycle(const struct project *p, struct diags *d, const struct frame *stack, size_t depth,
	     size_t to)
{
	struct buf names = BUF_INIT, edges = BUF_INIT;
	const struct asset_input *in, *first = NULL;
	size_t k, start = depth;

	while (start > 0 && stack[start - 1].asset != to)
		start--;
	start--;
	buf_puts(&names, p->assets[to].name);
	for (k = start; k < depth; k++) {
		const struct asset *a = &p->assets[stack[k].asset];

		in = &a->inputs[stack[k].next - 1];
		if (!first)
			first = in;
		buf_printf(&names, " -> %s", in->asset);
		buf_printf(&edges, "%s%s takes %s at %s:%d:%d", k > start ? "; " : "", a->name,
			   in->asset, in->loc.file, in->loc.line, in->loc.col);
	}
	diags_add(d, &first->loc, "inputs form a cycle: %s (%s)", names.data, edges.data);
	buf_release(&names);
	buf_release(&edges);
}

/* Depth-first over the inputs from every asset in file order: order (may
 * be NULL) gets each asset after its prerequisites; a cycle is reported
 * to d (when not NULL) and stops the walk: -1. */
static int
walk(const struct project *p, struct diags *d, size_t *order)
{
	unsigned char *state = xcalloc(p->nassets + 1, 1);  /* 0 new, 1 on the stack, 2 done */
	struct frame *stack = xcalloc(p->nassets + 1, sizeof(*stack));
	size_t root, depth, n = 0;
	int rc = 0;

	for (root = 0; root < p->nassets && rc == 0; root++) {
		if (state[root])
			continue;
		depth = 0;
		stack[depth++] = (struct frame){ root, 0 };
		state[root] = 1;
		while (depth) {
			struct frame *f = &stack[depth - 1];
			const struct asset *a = &p->assets[f->asset];
			size_t up;

			while (f->next < a->ninputs && !a->inputs[f->next].asset)
				f->next++;
			if (f->next == a->ninputs) {
				state[f->asset] = 2;
				if (order)
					order[n++] = f->asset;
				depth--;
				continue;
			}
			up = a->inputs[f->next++].upstream;
			if (state[up] == 1) {
				if (d)
					report_cycle(p, d, stack, depth, up);
				rc = -1;
				break;
			}
			if (state[up] == 0) {
				state[up] = 1;
				stack[depth++] = (struct frame){ up, 0 };
			}
		}
	}
	free(state);
	free(stack);
	return rc;
}

int
refs_resolve(struct project *p, struct diags *d)
{
	const struct asset_input *m, *t;
	const struct asset *u;
	uint32_t mw, mh, tw, th;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < p->nassets; i++) {
		struct asset *a = &p->assets[i];

		for (j = 0; j < a->ninputs; j++) {
			struct asset_input *in = &a->inputs[j];

			if (!in->asset)
				continue;
			u = project_asset(p, in->asset);
			if (!u) {
				diags_add(d, &in->loc, "input asset '%s' does not exist", in->asset);
				rc = -1;
				continue;
			}
			in->upstream = (size_t)(u - p->assets);
		}
	}
	if (rc < 0)
		return -1;
	if (walk(p, d, NULL) < 0)
		return -1;
	for (i = 0; i < p->nassets; i++) {
		const struct asset *a = &p->assets[i];

		m = refs_mask(a);
		t = refs_mask_target(a);
		if (!m || !t)
			continue;
		input_size(p, m, &mw, &mh);
		input_size(p, t, &tw, &th);
		if (mw != tw || mh != th) {
			diags_add(d, &m->loc, "mask '%s' is %ux%u, but its image '%s' is %ux%u: a "
				  "mask must be the size of its image", input_name(m), mw, mh,
				  input_name(t), tw, th);
			rc = -1;
		}
	}
	return rc;
}

size_t *
refs_order(const struct project *p)
{
	size_t *order = xcalloc(p->nassets + 1, sizeof(*order));

	if (walk(p, NULL, order) < 0) {
		/* a loaded project has no cycle; keep file order regardless */
		for (size_t i = 0; i < p->nassets; i++)
			order[i] = i;
	}
	return order;
}

size_t
refs_close(const struct project *p, unsigned char *sel)
{
	size_t *order = refs_order(p), i, j, added = 0;

	/* dependants come after their prerequisites: walk backwards */
	for (i = p->nassets; i-- > 0;) {
		const struct asset *a = &p->assets[order[i]];

		if (!sel[order[i]])
			continue;
		for (j = 0; j < a->ninputs; j++) {
			if (a->inputs[j].asset && !sel[a->inputs[j].upstream]) {
				sel[a->inputs[j].upstream] = 1;
				added++;
			}
		}
	}
	free(order);
	return added;
}

static void
role_text(struct buf *b, const struct asset_input *in)
{
	if (in->role == ROLE_INIT)
		buf_printf(b, "init/%u.%03u", in->strength / 1000, in->strength % 1000);
	else
		buf_puts(b, input_role_names[in->role]);
}

void
refs_record(struct buf *b, const struct asset *a, const struct key *ups)
{
	char hex[KEY_HEX_LEN + 1];
	struct key k;
	size_t i;

	for (i = 0; i < a->ninputs; i++) {
		const struct asset_input *in = &a->inputs[i];

		if (in->file) {
			memcpy(k.b, in->file->digest, sizeof(k.b));
			key_hex(&k, hex);
			buf_printf(b, "@file %s=%s ", in->file->path, hex);
		} else {
			key_hex(&ups[i], hex);
			buf_printf(b, "@asset %s=%s ", in->asset, hex);
		}
		role_text(b, in);
		buf_putc(b, '\n');
	}
}

static void
why_add(struct buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
why_add(struct buf *why, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (why->len)
		buf_puts(why, "; ");
	buf_puts(why, s);
	free(s);
}

/* The recorded line of kind ("@file", "@asset") and name in old: its value
 * ("HEX role") and length, or NULL. */
static const char *
recorded(const char *old, const char *kind, const char *name, size_t *len)
{
	size_t kl = strlen(kind), nl = strlen(name);
	const char *s, *e;

	for (s = old; *s; s = *e ? e + 1 : e) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if ((size_t)(e - s) > kl + nl + 2 && !memcmp(s, kind, kl) && s[kl] == ' ' &&
		    !memcmp(s + kl + 1, name, nl) && s[kl + 1 + nl] == '=') {
			*len = (size_t)(e - s) - kl - nl - 2;
			return s + kl + nl + 2;
		}
	}
	return NULL;
}

void
refs_explain(struct buf *why, const char *old, const struct asset *a, const struct key *ups,
	     const char *(*upwhy)(const void *ctx, size_t i), const void *ctx)
{
	struct buf now = BUF_INIT;
	const char *s, *e, *v, *sp;
	size_t i, len;

	for (i = 0; i < a->ninputs; i++) {
		const struct asset_input *in = &a->inputs[i];
		const char *kind = in->file ? "@file" : "@asset", *what = in->file ? "file" : "asset";
		const char *up;

		now.len = 0;
		refs_record(&now, &(struct asset){ .inputs = (struct asset_input *)in, .ninputs = 1 },
			    in->file ? NULL : &ups[i]);
		/* now: "@kind NAME=HEX role\n" */
		sp = now.data + strlen(kind) + 1 + strlen(input_name(in)) + 1;
		v = recorded(old, kind, input_name(in), &len);
		if (!v) {
			why_add(why, "input %s %s added", what, input_name(in));
		} else if (memcmp(v, sp, KEY_HEX_LEN) != 0) {
			up = in->file || !upwhy ? NULL : upwhy(ctx, i);
			if (up && *up)
				why_add(why, "input %s %s changed (%s)", what, input_name(in), up);
			else
				why_add(why, "input %s %s changed", what, input_name(in));
		} else if (len != strlen(sp) - 1 || memcmp(v, sp, len) != 0) {
			why_add(why, "input %s %s role %.*s\u2192%.*s", what, input_name(in),
				(int)(len - KEY_HEX_LEN - 1), v + KEY_HEX_LEN + 1,
				(int)(strlen(sp) - 1 - KEY_HEX_LEN - 1), sp + KEY_HEX_LEN + 1);
		}
	}
	for (s = old; *s; s = *e ? e + 1 : e) {
		const char *eq;
		int found = 0;

		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if (*s != '@' || !(sp = memchr(s, ' ', (size_t)(e - s))) ||
		    !(eq = memchr(sp, '=', (size_t)(e - sp))))
			continue;
		for (i = 0; i < a->ninputs && !found; i++) {
			const char *n = input_name(&a->inputs[i]);

			found = strlen(n) == (size_t)(eq - sp - 1) && !memcmp(n, sp + 1, strlen(n)) &&
				!strncmp(s + 1, a->inputs[i].file ? "file " : "asset ",
					 (size_t)(sp - s));
		}
		if (!found)
			why_add(why, "input %.*s %.*s removed", (int)(sp - s - 1), s + 1,
				(int)(eq - sp - 1), sp + 1);
	}
	buf_release(&now);
}

char *
refs_strip(const char *old)
{
	struct buf b = BUF_INIT;
	const char *s, *e;

	for (s = old; *s; s = *e ? e + 1 : e) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if (*s != '@')
			buf_printf(&b, "%.*s%s", (int)(e - s), s, *e ? "\n" : "");
	}
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}
