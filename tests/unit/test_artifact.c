/* test_artifact.c - the metadata that travels inside each PNG */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "key.h"
#include "png.h"
#include "recipe.h"
#include "test.h"
#include "util.h"

static struct param base_params[] = {
	{"guidance", "7.5", VAL_NUMBER},
	{"steps", "30", VAL_NUMBER},
};

static void
base_asset(struct asset *a)
{
	memset(a, 0, sizeof(*a));
	a->name = "launch-banner";
	a->prompt = "Banner reading 'Launch Sale', clean layout";
	a->negative_prompt = "blurry";
	a->seed = 42;
	a->width = 1536;
	a->height = 512;
	a->params = base_params;
	a->nparams = 2;
}

static const struct model_id builtin_id = {"builtin", "", "", "render/1"};
static const struct model_id ideogram_id = {"ideogram", "V_2", "2024-08", ""};

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void
test_params_text(void)
{
	static struct param ps[] = {
		{"sampler", "euler", VAL_STRING},
		{"steps", "30", VAL_NUMBER},
		{"tiling", "false", VAL_BOOL},
	};
	char *s;

	CHECK_STR(s = artifact_params_text(ps, 3), "sampler=euler\nsteps=30\ntiling=false\n");
	free(s);
	CHECK_STR(s = artifact_params_text(ps + 1, 1), "steps=30\n");
	free(s);
	/* none: an empty string, never NULL */
	CHECK_STR(s = artifact_params_text(NULL, 0), "");
	free(s);
}

static void
test_upscale_text(void)
{
	struct upscale up;
	char *s;

	memset(&up, 0, sizeof(up));
	CHECK_STR(s = artifact_upscale_text(&up), "none");
	free(s);
	up.kind = UPSCALE_FACTOR;
	up.factor = 2;
	up.with = "lanczos3";
	CHECK_STR(s = artifact_upscale_text(&up), "factor=2 with=lanczos3");
	free(s);
	up.factor = 4;
	up.with = "nearest";
	CHECK_STR(s = artifact_upscale_text(&up), "factor=4 with=nearest");
	free(s);
	up.kind = UPSCALE_SIZE;
	up.width = 2048;
	up.height = 1024;
	up.with = "bicubic";
	CHECK_STR(s = artifact_upscale_text(&up), "size=2048x1024 with=bicubic");
	free(s);
	/* a model as the upscaler */
	up.with = "esrgan-x4";
	CHECK_STR(s = artifact_upscale_text(&up), "size=2048x1024 with=esrgan-x4");
	free(s);
}

static void
test_model_text(void)
{
	struct model_id id = {"a1111", "R-ESRGAN 4x+", "", ""};
	char *s;

	CHECK_STR(s = artifact_model_text(&builtin_id), "builtin render/1");
	free(s);
	CHECK_STR(s = artifact_model_text(&ideogram_id), "ideogram V_2 version=2024-08");
	free(s);
	CHECK_STR(s = artifact_model_text(&id), "a1111 R-ESRGAN 4x+");
	free(s);
	id.model = "";
	CHECK_STR(s = artifact_model_text(&id), "a1111");
	free(s);
	id.version = "3";
	CHECK_STR(s = artifact_model_text(&id), "a1111 version=3");
	free(s);
}

/* The keys of m joined with ',' */
static char *
keys_of(const struct meta *m)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < m->n; i++) {
		t = xasprintf("%s%s%s", s, i ? "," : "", m->entries[i].key);
		free(s);
		s = t;
	}
	return s;
}

static void
test_meta_generation(void)
{
	struct asset a;
	struct meta m = {0}, extra = {0};
	struct key k;
	char hex[KEY_HEX_LEN + 1], *keys;
	const char *v;

	base_asset(&a);
	key_digest("gen", 3, &k);
	key_hex(&k, hex);
	artifact_meta_generation(&m, &a, &ideogram_id, a.params, a.nparams, &k, NULL);
	keys = keys_of(&m);
	CHECK_STR(keys, "assetgen:key,prompt,negative_prompt,seed,size,model,params,upscale,"
		  "Software,parameters,XML:com.adobe.xmp");
	free(keys);
	CHECK_STR(meta_get(&m, "assetgen:key"), hex);
	CHECK_STR(meta_get(&m, "prompt"), a.prompt);
	CHECK_STR(meta_get(&m, "negative_prompt"), "blurry");
	CHECK_STR(meta_get(&m, "seed"), "42");
	CHECK_STR(meta_get(&m, "size"), "1536x512");
	CHECK_STR(meta_get(&m, "model"), "ideogram V_2 version=2024-08");
	CHECK_STR(meta_get(&m, "params"), "guidance=7.5\nsteps=30\n");
	CHECK_STR(meta_get(&m, "upscale"), "none");
	CHECK_STR(meta_get(&m, "Software"), "assetgen " ASSETGEN_VERSION);
	/* AUTOMATIC1111's infotext */
	CHECK_STR(meta_get(&m, "parameters"),
		  "Banner reading 'Launch Sale', clean layout\n"
		  "Negative prompt: blurry\n"
		  "Steps: 30, CFG scale: 7.5, Seed: 42, Size: 1536x512,"
		  " Model: ideogram V_2 version=2024-08");
	v = meta_get(&m, "XML:com.adobe.xmp");
	CHECK(v && strstr(v, "digitalsourcetype/trainedAlgorithmicMedia") != NULL);
	CHECK(v && strstr(v, "<?xpacket begin=") == v);
	CHECK(v && strstr(v, "<Iptc4xmpExt:AISystemUsed>ideogram V_2 version=2024-08<") != NULL);
	CHECK(v && count_of(v, a.prompt) == 2);
	meta_release(&m);

	/* no negative prompt: no key, no line; seed at 64 bits; extra appended */
	a.negative_prompt = "";
	a.seed = UINT64_MAX;
	meta_add(&extra, "provider:request-id", "abc123");
	artifact_meta_generation(&m, &a, &builtin_id, a.params, a.nparams, &k, &extra);
	keys = keys_of(&m);
	CHECK_STR(keys, "assetgen:key,prompt,seed,size,model,params,upscale,"
		  "Software,parameters,XML:com.adobe.xmp,provider:request-id");
	free(keys);
	CHECK_STR(meta_get(&m, "seed"), "18446744073709551615");
	CHECK_STR(meta_get(&m, "provider:request-id"), "abc123");
	CHECK_STR(meta_get(&m, "parameters"),
		  "Banner reading 'Launch Sale', clean layout\n"
		  "Steps: 30, CFG scale: 7.5, Seed: 18446744073709551615, Size: 1536x512,"
		  " Model: builtin render/1");
	meta_release(&m);
	meta_release(&extra);
}

static void
test_a1111_params(void)
{
	static struct param ps[] = {
		{"aspect", "3", VAL_NUMBER},
		{"guidance", "4", VAL_NUMBER},
		{"sampler", "euler_a", VAL_STRING},
		{"steps", "25", VAL_NUMBER},
		{"style", "clean", VAL_STRING},
	};
	struct asset a;
	struct meta m = {0};
	struct key k;

	base_asset(&a);
	a.negative_prompt = "";
	a.params = ps;
	a.nparams = 5;
	memset(&k, 0, sizeof(k));
	/* the well-known params first, under A1111's names; the rest after,
	 * in sorted order */
	artifact_meta_generation(&m, &a, &builtin_id, ps, 5, &k, NULL);
	CHECK_STR(meta_get(&m, "parameters"),
		  "Banner reading 'Launch Sale', clean layout\n"
		  "Steps: 25, Sampler: Euler a, CFG scale: 4, Seed: 42, Size: 1536x512,"
		  " Model: builtin render/1, aspect: 3, style: clean");
	meta_release(&m);
	/* no params at all */
	artifact_meta_generation(&m, &a, &builtin_id, NULL, 0, &k, NULL);
	CHECK_STR(meta_get(&m, "parameters"),
		  "Banner reading 'Launch Sale', clean layout\n"
		  "Seed: 42, Size: 1536x512, Model: builtin render/1");
	CHECK_STR(meta_get(&m, "params"), "");
	meta_release(&m);
}

static void
test_xmp_escaping(void)
{
	struct asset a;
	struct meta m = {0};
	struct key k;
	const char *v;

	base_asset(&a);
	a.prompt = "a <b> & \"c\" </rdf:li>";
	memset(&k, 0, sizeof(k));
	artifact_meta_generation(&m, &a, &builtin_id, NULL, 0, &k, NULL);
	v = meta_get(&m, "XML:com.adobe.xmp");
	CHECK(v != NULL);
	if (v) {
		CHECK(count_of(v, "a &lt;b&gt; &amp; &quot;c&quot; &lt;/rdf:li&gt;") == 2);
		CHECK(strstr(v, "<b>") == NULL);
		CHECK(strstr(v, "& ") == NULL);
		CHECK(strstr(v, "\"c\"") == NULL);
		CHECK(count_of(v, "</rdf:li>") == 1);
		CHECK(strstr(v, "trainedAlgorithmicMedia") != NULL);
	}
	/* the text chunks keep the prompt as written */
	CHECK_STR(meta_get(&m, "prompt"), a.prompt);
	meta_release(&m);
}

static void
test_meta_upscale(void)
{
	struct asset a;
	struct meta gen = {0}, up = {0}, extra = {0};
	struct upscale u = {UPSCALE_FACTOR, 2, 0, 0, "lanczos3"};
	struct key gk, fk;
	char ghex[KEY_HEX_LEN + 1], fhex[KEY_HEX_LEN + 1], *keys;
	const char *v;
	size_t i;
	int same = 1;

	base_asset(&a);
	key_digest("gen", 3, &gk);
	key_digest("final", 5, &fk);
	key_hex(&gk, ghex);
	key_hex(&fk, fhex);
	meta_add(&extra, "x-extra", "1");
	artifact_meta_generation(&gen, &a, &ideogram_id, a.params, a.nparams, &gk, &extra);
	artifact_meta_upscale(&up, &gen, &u, &gk, &fk);
	keys = keys_of(&up);
	CHECK_STR(keys, "assetgen:key,assetgen:generation-key,prompt,negative_prompt,seed,size,"
		  "model,params,upscale,Software,parameters,XML:com.adobe.xmp,x-extra");
	free(keys);
	CHECK_STR(meta_get(&up, "assetgen:key"), fhex);
	CHECK_STR(meta_get(&up, "assetgen:generation-key"), ghex);
	CHECK_STR(meta_get(&up, "upscale"), "factor=2 with=lanczos3");
	/* everything else carried over unchanged */
	for (i = 2; i < up.n; i++) {
		const char *k = up.entries[i].key, *gv = meta_get(&gen, k);

		if (strcmp(k, "upscale") != 0 && strcmp(k, "parameters") != 0 &&
		    (!gv || strcmp(up.entries[i].value, gv) != 0))
			same = 0;
	}
	CHECK(same);
	/* the infotext gains A1111's Hires fields */
	{
		char *want = xasprintf("%s, Hires upscale: 2, Hires upscaler: lanczos3",
				       meta_get(&gen, "parameters"));

		CHECK_STR(meta_get(&up, "parameters"), want);
		free(want);
	}
	CHECK(up.n == gen.n + 1);

	/* re-upscaling an upscaled image's metadata: keys replaced, not doubled */
	meta_release(&gen);
	gen = up;
	memset(&up, 0, sizeof(up));
	u.kind = UPSCALE_SIZE;
	u.width = 4096;
	u.height = 1024;
	u.with = "bicubic";
	artifact_meta_upscale(&up, &gen, &u, &fk, &gk);
	CHECK(up.n == gen.n);
	CHECK_STR(meta_get(&up, "assetgen:key"), ghex);
	CHECK_STR(meta_get(&up, "assetgen:generation-key"), fhex);
	CHECK_STR(meta_get(&up, "upscale"), "size=4096x1024 with=bicubic");
	v = meta_get(&up, "parameters");
	CHECK(v && count_of(v, "Hires") == 2 && str_has_suffix(v, ", Hires resize: 4096x1024, Hires upscaler: bicubic"));
	keys = keys_of(&up);
	CHECK(count_of(keys, "assetgen:key") == 1);
	CHECK(count_of(keys, "assetgen:generation-key") == 1);
	free(keys);
	meta_release(&gen);
	meta_release(&up);
	meta_release(&extra);
}

/* --- reading infotext back, by A1111's parse_generation_parameters --- *
 * The last line holds the params when it has at least three; the lines
 * before are the prompt, from a line starting "Negative prompt: " the
 * negative prompt.  On the params line, each match of
 *   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
 * is one param; a value that starts and ends with '"' is unquoted as JSON. */

#define INFO_MAX 32

struct infotext {
	char prompt[512], negative[512];
	char key[INFO_MAX][64], val[INFO_MAX][512];
	size_t n;
};

static int
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* json.loads of a quoted value into out. */
static void
json_unquote(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 1; i + 1 < n && o + 1 < cap; i++) {
		if (s[i] == '\\' && i + 2 < n) {
			i++;
			out[o++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i] == 'r' ? '\r' : s[i];
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* One pass of re_param over line: its matches, as re.findall finds them. */
static size_t
params_of(const char *line, struct infotext *t)
{
	const char *p = line, *k, *ke, *v, *ve;
	size_t n = 0;

	while (*p && n < INFO_MAX) {
		const char *start = p;

		while (*p == ' ' || *p == '\t')
			p++;
		k = p;
		if (!is_word(*p)) {
			p = start + 1;      /* no match here: findall moves on */
			continue;
		}
		p++;
		while (is_word(*p) || *p == ' ' || *p == '-' || *p == '/')
			p++;
		/* the key class takes spaces, so backtrack to the ':' */
		if (*p != ':') {
			p = start + 1;
			continue;
		}
		ke = p++;
		while (*p == ' ' || *p == '\t')
			p++;
		v = p;
		ve = NULL;
		if (*p == '"') {
			const char *q = p + 1;

			while (*q && *q != '"')
				q += q[0] == '\\' && q[1] ? 2 : 1;
			if (*q == '"' && q > p + 1 && (q[1] == ',' || q[1] == '\0')) {
				ve = q + 1;
			}
		}
		if (!ve) {
			ve = strchr(v, ',');
			if (!ve)
				ve = v + strlen(v);
		}
		while (ke > k && ke[-1] == ' ')
			ke--;
		snprintf(t->key[n], sizeof(t->key[n]), "%.*s", (int)(ke - k), k);
		if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"')
			json_unquote(v, (size_t)(ve - v), t->val[n], sizeof(t->val[n]));
		else
			snprintf(t->val[n], sizeof(t->val[n]), "%.*s", (int)(ve - v), v);
		n++;
		p = *ve == ',' ? ve + 1 : ve;
	}
	return n;
}

static void
infotext_parse(const char *text, struct infotext *t)
{
	char *copy = xstrdup(text), *last = strrchr(copy, '\n'), *line, *next;
	int negative = 0;

	memset(t, 0, sizeof(*t));
	if (last && params_of(last + 1, t) >= 3) {
		*last = '\0';
	} else {
		t->n = 0;
		memset(t->key, 0, sizeof(t->key));
	}
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "Negative prompt: ", 17) == 0) {
			negative = 1;
			line += 17;
		}
		snprintf(negative ? t->negative + strlen(t->negative) : t->prompt + strlen(t->prompt),
			 sizeof(t->prompt) - strlen(negative ? t->negative : t->prompt), "%s%s",
			 *(negative ? t->negative : t->prompt) ? "\n" : "", line);
	}
	if (last)
		t->n = params_of(strrchr(text, '\n') + 1, t);
	free(copy);
}

static const char *
info_get(const struct infotext *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->key[i], key) == 0)
			return t->val[i];
	return NULL;
}

/* What assetgen writes, an A1111-style reader reads back unchanged:
 * values with ',', ':' or a line break are quoted, samplers renamed. */
static void
test_infotext_roundtrip(void)
{
	static struct param ps[] = {
		{"guidance", "7", VAL_NUMBER, {NULL, 0, 0}},
		{"lora", "style:0.8, detail:0.2", VAL_STRING, {NULL, 0, 0}},
		{"note", "line one\nline \"two\"", VAL_STRING, {NULL, 0, 0}},
		{"sampler", "DPM++ 2M, Karras", VAL_STRING, {NULL, 0, 0}},
		{"steps", "30", VAL_NUMBER, {NULL, 0, 0}},
	};
	static struct param comfy[] = {
		{"sampler", "dpmpp_2m_karras", VAL_STRING, {NULL, 0, 0}},
	};
	const struct model_id *idp = &ideogram_id;
	struct asset a;
	struct meta m = {0}, up = {0};
	struct upscale u = {UPSCALE_FACTOR, 4, 0, 0, "R-ESRGAN 4x+"};
	struct infotext t;
	struct key k;
	const char *v;

	base_asset(&a);
	a.negative_prompt = "blurry, text";
	memset(&k, 0, sizeof(k));
	artifact_meta_generation(&m, &a, idp, ps, 5, &k, NULL);
	v = meta_get(&m, "parameters");
	CHECK(v && strstr(v, "Sampler: \"DPM++ 2M, Karras\", ") != NULL);
	CHECK(v && strstr(v, "note: \"line one\\nline \\\"two\\\"\"") != NULL);
	infotext_parse(v, &t);
	CHECK_STR(t.prompt, a.prompt);
	CHECK_STR(t.negative, "blurry, text");
	CHECK_STR(info_get(&t, "Steps"), "30");
	CHECK_STR(info_get(&t, "Sampler"), "DPM++ 2M, Karras");
	CHECK_STR(info_get(&t, "CFG scale"), "7");
	CHECK_STR(info_get(&t, "Seed"), "42");
	CHECK_STR(info_get(&t, "Size"), "1536x512");
	CHECK_STR(info_get(&t, "lora"), "style:0.8, detail:0.2");
	CHECK_STR(info_get(&t, "note"), "line one\nline \"two\"");
	CHECK(t.n == 8);
	/* an upscale adds A1111's Hires fields, read back like the others */
	artifact_meta_upscale(&up, &m, &u, &k, &k);
	infotext_parse(meta_get(&up, "parameters"), &t);
	CHECK_STR(info_get(&t, "Hires upscale"), "4");
	CHECK_STR(info_get(&t, "Hires upscaler"), "R-ESRGAN 4x+");
	CHECK_STR(info_get(&t, "Sampler"), "DPM++ 2M, Karras");
	meta_release(&m);
	meta_release(&up);
	/* a ComfyUI spelling becomes A1111's sampler and schedule type */
	artifact_meta_generation(&m, &a, idp, comfy, 1, &k, NULL);
	infotext_parse(meta_get(&m, "parameters"), &t);
	CHECK_STR(info_get(&t, "Sampler"), "DPM++ 2M");
	CHECK_STR(info_get(&t, "Schedule type"), "Karras");
	meta_release(&m);
}

/* What goes in is what a PNG carries: encode and read back. */
static void
test_roundtrip_png(void)
{
	struct asset a;
	struct meta m = {0}, back = {0};
	struct image img;
	struct buf png = BUF_INIT;
	struct key k;
	char *err = NULL;
	size_t i;
	int same = 1;

	base_asset(&a);
	a.prompt = "caf\xc3\xa9 <sign> & \"quote\"";
	key_digest("k", 1, &k);
	artifact_meta_generation(&m, &a, &ideogram_id, a.params, a.nparams, &k, NULL);
	CHECK(image_alloc(&img, 2, 2, 3) == 0);
	CHECK(pngio_encode(&img, &m, PNGIO_LEVEL_DEFAULT, &png, &err) == 0);
	free(err);
	err = NULL;
	CHECK(pngio_read_meta(png.data, png.len, &back, &err) == 0);
	free(err);
	CHECK(back.n == m.n);
	for (i = 0; i < m.n && i < back.n; i++)
		if (strcmp(m.entries[i].key, back.entries[i].key) != 0 ||
		    strcmp(m.entries[i].value, back.entries[i].value) != 0)
			same = 0;
	CHECK(same);
	image_release(&img);
	buf_release(&png);
	meta_release(&m);
	meta_release(&back);
}

int
main(void)
{
	RUN(test_params_text);
	RUN(test_upscale_text);
	RUN(test_model_text);
	RUN(test_meta_generation);
	RUN(test_a1111_params);
	RUN(test_infotext_roundtrip);
	RUN(test_xmp_escaping);
	RUN(test_meta_upscale);
	RUN(test_roundtrip_png);
	return TEST_DONE();
}
