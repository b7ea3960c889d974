/* test_key.c - the canonical encoding: pinned keys, and what does and does
 * not change a key */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "key.h"
#include "os.h"
#include "recipe.h"
#include "test.h"
#include "util.h"

#define PINNED_GEN "2ee68a6db763d61f1efde4298a8c4772"
#define PINNED_UPSCALE "332264a3a6b46e950c041fb450a7e484"
#define PINNED_OCR "7625a849df9a87434cdf18bc0ca8f254"

static struct param base_params[] = {
	{"guidance", "7.5", VAL_NUMBER},
	{"sampler", "euler", VAL_STRING},
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
	a->nparams = 3;
}

static const struct model_id base_id = {"ideogram", "V_2", "", ""};

static void
gen_hex(const struct asset *a, const struct model_id *id, const struct param *ps, size_t n,
	char out[KEY_HEX_LEN + 1])
{
	struct key k;

	key_generation(a, id, ps, n, &k);
	key_hex(&k, out);
}

/* An accidental change to the encoding must fail loudly. */
static void
test_pinned(void)
{
	struct asset a;
	struct upscale up = {UPSCALE_FACTOR, 2, 0, 0, "lanczos3"};
	struct key gen, fin, d;
	char hex[KEY_HEX_LEN + 1];

	base_asset(&a);
	key_generation(&a, &base_id, a.params, a.nparams, &gen);
	key_hex(&gen, hex);
	CHECK_STR(hex, PINNED_GEN);
	key_upscale(&gen, &up, NULL, &fin);
	key_hex(&fin, hex);
	CHECK_STR(hex, PINNED_UPSCALE);
	key_digest("", 0, &d);
	key_hex(&d, hex);
	/* XXH3-128 of the empty input, as published by xxHash */
	CHECK_STR(hex, "99aa06d3014798d86001c324468d497f");
}

static void
test_each_field_matters(void)
{
	struct asset a;
	struct param ps[3];
	struct model_id id;
	char ref[KEY_HEX_LEN + 1], hex[KEY_HEX_LEN + 1];

	base_asset(&a);
	gen_hex(&a, &base_id, a.params, a.nparams, ref);

#define DIFFERS(stmt) do { \
	base_asset(&a); memcpy(ps, base_params, sizeof(ps)); id = base_id; \
	stmt; \
	gen_hex(&a, &id, ps, 3, hex); \
	CHECK(strcmp(hex, ref) != 0); \
} while (0)
	DIFFERS(a.prompt = "Banner reading 'Launch Sale!', clean layout");
	DIFFERS(a.negative_prompt = "");
	DIFFERS(a.seed = 43);
	DIFFERS(a.width = 1535);
	DIFFERS(a.height = 513);
	DIFFERS(ps[0].value = "7.50001");
	DIFFERS(ps[1].value = "euler_a");
	DIFFERS(ps[2].value = "31");
	DIFFERS(ps[2].type = VAL_STRING);
	DIFFERS(ps[0].name = "guidance_scale");
	DIFFERS(id.provider = "http");
	DIFFERS(id.model = "V_2_TURBO");
	DIFFERS(id.version = "2");
	DIFFERS(id.impl = "render/2");
#undef DIFFERS
	/* fewer params differ too */
	base_asset(&a);
	gen_hex(&a, &base_id, a.params, 2, hex);
	CHECK(strcmp(hex, ref) != 0);
	/* the name, tags, intent and criticality are not inputs */
	a.name = "other";
	a.intent = INTENT_PREVIEW;
	a.criticality = CRIT_HIGH;
	gen_hex(&a, &base_id, a.params, a.nparams, hex);
	CHECK_STR(hex, ref);
	/* ambiguity: moving bytes between adjacent fields changes the key */
	base_asset(&a);
	a.prompt = "ab";
	a.negative_prompt = "c";
	gen_hex(&a, &base_id, NULL, 0, ref);
	a.prompt = "a";
	a.negative_prompt = "bc";
	gen_hex(&a, &base_id, NULL, 0, hex);
	CHECK(strcmp(hex, ref) != 0);
}

static void
test_upscale_key(void)
{
	struct key gen, gen2, a, b;
	struct upscale up = {UPSCALE_FACTOR, 2, 0, 0, "lanczos3"};
	struct upscale u2;
	struct model_id m = {"a1111", "R-ESRGAN 4x+", "", ""};

	memset(&gen, 1, sizeof(gen));
	memset(&gen2, 2, sizeof(gen2));
	key_upscale(&gen, &up, NULL, &a);
	key_upscale(&gen2, &up, NULL, &b);
	CHECK(!key_equal(&a, &b));
	u2 = up;
	u2.factor = 3;
	key_upscale(&gen, &u2, NULL, &b);
	CHECK(!key_equal(&a, &b));
	u2 = up;
	u2.with = "bicubic";
	key_upscale(&gen, &u2, NULL, &b);
	CHECK(!key_equal(&a, &b));
	u2 = up;
	u2.kind = UPSCALE_SIZE;
	u2.width = 2048;
	u2.height = 1024;
	key_upscale(&gen, &u2, NULL, &b);
	CHECK(!key_equal(&a, &b));
	u2.width = 2049;
	key_upscale(&gen, &u2, NULL, &a);
	CHECK(!key_equal(&a, &b));
	key_upscale(&gen, &up, &m, &b);
	key_upscale(&gen, &up, NULL, &a);
	CHECK(!key_equal(&a, &b));
}

static void
test_hex_roundtrip(void)
{
	struct key k, back;
	char hex[KEY_HEX_LEN + 1];

	key_digest("assetgen", 8, &k);
	key_hex(&k, hex);
	CHECK(strlen(hex) == KEY_HEX_LEN);
	CHECK(key_parse(hex, &back) == 0);
	CHECK(key_equal(&k, &back));
	CHECK(key_parse("zz", &back) < 0);
	CHECK(key_parse("00112233445566778899aabbccddeeff00", &back) < 0);
	CHECK(key_parse("00112233445566778899AABBCCDDEEFF", &back) < 0);
}

/* Load a project written as files and return the generation key of one
 * asset with the project's builtin model. */
static int
project_key(const char *dir, const char *name, char hex[KEY_HEX_LEN + 1])
{
	struct project p;
	struct diags d = {0};
	const struct asset *a;
	const struct model *m;
	struct param *ps;
	size_t nps;
	struct model_id id;
	int r = -1;

	if (project_load(&p, dir, &d) < 0) {
		diags_print(&d);
		diags_release(&d);
		return -1;
	}
	diags_release(&d);
	a = project_asset(&p, name);
	m = project_model(&p, "builtin");
	if (a && m) {
		params_merge(m, a, &ps, &nps);
		model_id_of(m, "", &id);
		gen_hex(a, &id, ps, nps, hex);
		free(ps);
		r = 0;
	}
	project_release(&p);
	return r;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static void
test_yaml_layout_does_not_matter(void)
{
	char tmpl[] = "/tmp/assetgen-key.XXXXXX";
	char *dir = mkdtemp(tmpl), *sub;
	char ref[KEY_HEX_LEN + 1], hex[KEY_HEX_LEN + 1];

	CHECK(dir != NULL);
	if (!dir)
		return;
	sub = xasprintf("%s/recipes", dir);
	os_mkdirs(sub, 0755);
	write_file(dir, "assetgen.yaml", "models:\n  local: {provider: builtin}\n");
	write_file(dir, "recipes/a.yaml",
		   "assets:\n"
		   "  - name: x\n"
		   "    prompt: hello world\n"
		   "    seed: 1\n"
		   "    size: 64x32\n"
		   "    params: {steps: 30, guidance: 7.5, sampler: euler}\n");
	CHECK(project_key(dir, "x", ref) == 0);
	/* reordered keys, comments, whitespace, flow vs block style */
	write_file(dir, "recipes/a.yaml",
		   "# a comment\n"
		   "assets:\n"
		   "\n"
		   "  -   params:\n"
		   "        sampler: euler   # trailing comment\n"
		   "        guidance: 7.50\n"
		   "        steps: 30\n"
		   "      size: 64x32\n"
		   "      seed: 1\n"
		   "      prompt: 'hello world'\n"
		   "      name: x\n");
	CHECK(project_key(dir, "x", hex) == 0);
	CHECK_STR(hex, ref);
	/* moved to another file, with its values coming from defaults */
	free(sub);
	sub = xasprintf("%s/recipes/a.yaml", dir);
	unlink(sub);
	write_file(dir, "recipes/b.yaml",
		   "defaults:\n  size: 64x32\n  params: {steps: 30}\n"
		   "assets:\n"
		   "  - {name: other, prompt: p, seed: 9}\n"
		   "  - {name: x, prompt: hello world, seed: 1, params: {guidance: 7.5, sampler: euler}}\n");
	CHECK(project_key(dir, "x", hex) == 0);
	CHECK_STR(hex, ref);
	/* and a real change does change it */
	write_file(dir, "recipes/b.yaml",
		   "assets:\n"
		   "  - {name: x, prompt: hello world, seed: 1, size: 64x32,"
		   " params: {guidance: 7.5, sampler: euler, steps: 31}}\n");
	CHECK(project_key(dir, "x", hex) == 0);
	CHECK(strcmp(hex, ref) != 0);
	free(sub);
	test_rmtree(dir);
}

/* The typography check's keys: pinned, and each setting matters. */
static void
test_typography_keys(void)
{
	char *texts[2] = { "Launch Sale", "50% off" };
	struct typography t = { texts, 1, "eng", 0.2, 3 };
	struct key img, k0, k, k1;
	char hex[KEY_HEX_LEN + 1];

	key_digest("image", 5, &img);
	key_ocr(&img, &t, "tesseract 5.3.0", &k0);
	key_hex(&k0, hex);
	CHECK_STR(hex, PINNED_OCR);
	key_checked(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k0));     /* a verdict and an artifact never share a key */
	t.nexpect = 2;
	key_ocr(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k0));
	t.nexpect = 1;
	t.lang = "deu";
	key_ocr(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k0));
	t.lang = "eng";
	t.threshold = 0.1;
	key_ocr(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k0));
	t.threshold = 0.2;
	key_ocr(&img, &t, "tesseract 5.4.0", &k);
	CHECK(!key_equal(&k, &k0));
	key_ocr(&img, &t, "tesseract 5.3.0", &k);
	CHECK(key_equal(&k, &k0));
	/* typography.check: a verdict on the output never answers for one on
	 * the generation, nor its artifact; the generation's keys are as pinned */
	key_checked(&img, &t, "tesseract 5.3.0", &k1);
	t.on_output = 1;
	key_ocr(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k0));
	key_checked(&img, &t, "tesseract 5.3.0", &k);
	CHECK(!key_equal(&k, &k1));
}

/* The fit changes the image, so the key; the default (cover, centred)
 * is the encoding without one, so older keys stay valid (test_pinned). */
static void
test_fit_key(void)
{
	struct asset a;
	char base[KEY_HEX_LEN + 1], top[KEY_HEX_LEN + 1], con[KEY_HEX_LEN + 1],
		red[KEY_HEX_LEN + 1], st[KEY_HEX_LEN + 1], again[KEY_HEX_LEN + 1];

	base_asset(&a);
	a.fit.pad[3] = 255;
	gen_hex(&a, &base_id, a.params, a.nparams, base);
	CHECK_STR(base, PINNED_GEN);
	a.fit.crop = CROP_TOP;
	gen_hex(&a, &base_id, a.params, a.nparams, top);
	a.fit.crop = CROP_CENTER;
	a.fit.mode = FIT_CONTAIN;
	gen_hex(&a, &base_id, a.params, a.nparams, con);
	a.fit.pad[0] = 255;
	gen_hex(&a, &base_id, a.params, a.nparams, red);
	a.fit.mode = FIT_STRETCH;
	gen_hex(&a, &base_id, a.params, a.nparams, st);
	a.fit.pad[0] = 0;       /* stretch pads nothing: the colour is not keyed */
	gen_hex(&a, &base_id, a.params, a.nparams, again);
	CHECK(strcmp(base, top) != 0 && strcmp(base, con) != 0 && strcmp(con, red) != 0);
	CHECK(strcmp(top, con) != 0 && strcmp(st, con) != 0 && strcmp(st, base) != 0);
	CHECK_STR(st, again);
}

/* The encode stage: the pixels' key, level and filter make the key;
 * threads do not (the bytes do not depend on them); another stage's key
 * with the same settings is another key. */
static void
test_encode_key(void)
{
	struct pngio_opts o = { 3, PNGIO_FILTER_SUB, 1 }, o2;
	struct key pix, pix2, k0, k;

	key_digest("pixels", 6, &pix);
	key_digest("pixels2", 7, &pix2);
	key_encode(&pix, &o, &k0);
	CHECK(!key_equal(&k0, &pix));
	key_encode(&pix, NULL, &k);             /* NULL: the defaults */
	CHECK(key_equal(&k, &k0));
	o2 = o;
	o2.threads = 8;
	key_encode(&pix, &o2, &k);
	CHECK(key_equal(&k, &k0));
	o2 = o;
	o2.level = 6;
	key_encode(&pix, &o2, &k);
	CHECK(!key_equal(&k, &k0));
	o2 = o;
	o2.filter = PNGIO_FILTER_PAETH;
	key_encode(&pix, &o2, &k);
	CHECK(!key_equal(&k, &k0));
	key_encode(&pix2, &o, &k);
	CHECK(!key_equal(&k, &k0));
	CHECK(strncmp(pngio_zlib_version(), "zlib ", 5) == 0);
	CHECK(strncmp(pngio_version(), "libpng ", 7) == 0);
}

int
main(void)
{
	RUN(test_pinned);
	RUN(test_encode_key);
	RUN(test_fit_key);
	RUN(test_typography_keys);
	RUN(test_each_field_matters);
	RUN(test_upscale_key);
	RUN(test_hex_roundtrip);
	RUN(test_yaml_layout_does_not_matter);
	return TEST_DONE();
}
