/* recipe.h - the project model: assetgen.yaml and recipes/NAME.yaml as structs
 *
 * recipe.c is the only file that includes <yaml.h>.  Everything here is
 * validated on load: a struct project that project_load() returned 0 for is
 * consistent (every model named exists, names are unique and safe, sizes in
 * range, placeholders expanded, params sorted by name and unique).
 */
#ifndef RECIPE_H
#define RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include "png.h"

struct srcloc {
	const char *file;   /* project-relative path, owned by struct project */
	int line;           /* 1-based */
	int col;            /* 1-based */
};

/* Diagnostics collected while loading: one line per problem. */
struct diags {
	char **msgs;        /* "file:line:col: message" */
	size_t nmsgs;
	size_t cap;
	size_t nmore;       /* problems past the first 100: counted, not kept */
};

void diags_add(struct diags *d, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* To stderr, one per line, then "N more problems not shown" if any were
 * dropped past the first 100. */
void diags_print(const struct diags *d);
void diags_release(struct diags *d);

enum intent { INTENT_FINAL, INTENT_PREVIEW, INTENT_COUNT };
enum criticality { CRIT_LOW, CRIT_NORMAL, CRIT_HIGH, CRIT_COUNT };

enum value_type { VAL_STRING, VAL_NUMBER, VAL_BOOL };

/* A model parameter; value is in canonical text form (numbers: shortest
 * round-trip decimal, integers without exponent; bools: true/false). */
struct param {
	char *name;
	char *value;
	enum value_type type;
	struct srcloc loc;          /* where the param's name is written */
};

enum upscale_kind { UPSCALE_NONE, UPSCALE_FACTOR, UPSCALE_SIZE };

struct upscale {
	enum upscale_kind kind;
	uint32_t factor;            /* 2, 3 or 4 when kind == UPSCALE_FACTOR */
	uint32_t width, height;     /* target when kind == UPSCALE_SIZE */
	char *with;                 /* "lanczos3" (default), "bicubic", "nearest", or a model name */
};

enum fit_mode { FIT_COVER, FIT_CONTAIN, FIT_STRETCH };
enum fit_crop { CROP_CENTER, CROP_TOP, CROP_BOTTOM, CROP_LEFT, CROP_RIGHT };

/* `fit`, `crop`, `pad`: how an image a model made at another size
 * becomes the asset's exact size (fit.h). */
struct fit {
	enum fit_mode mode;         /* default cover */
	enum fit_crop crop;         /* cover: the part kept; default center */
	uint8_t pad[4];             /* contain: the colour around the image; default #000000 */
};

/* A font file an overlay draws with, read once per project load. */
struct font_file {
	char *path;                 /* as written in the recipe: relative to the project root */
	char *name;                 /* from the font itself: "DejaVu Sans Book" (family, style) */
	unsigned char *data;        /* the whole file */
	size_t len;
	uint8_t digest[16];         /* XXH3-128 of data: what keys see */
	void *face;                 /* overlay.c's, for load-time checks */
};

enum overlay_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT, ALIGN_COUNT };
enum overlay_valign { VALIGN_TOP, VALIGN_MIDDLE, VALIGN_BOTTOM, VALIGN_COUNT };

/* The names of each enum, indexed by its value: the one table for each,
 * used by the loader, the keys, the metadata and the messages. */
extern const char *const intent_names[INTENT_COUNT];
extern const char *const criticality_names[CRIT_COUNT];
extern const char *const overlay_align_names[ALIGN_COUNT];
extern const char *const overlay_valign_names[VALIGN_COUNT];

/* `overlay:` - exact text drawn onto the generated image (overlay.h). */
struct overlay {
	char *text;                 /* UTF-8, placeholders expanded; '\n' breaks a line */
	const struct font_file *font;   /* owned by struct project */
	uint32_t size;              /* pixels per em: the largest, shrunk to fit */
	uint8_t rgba[4];
	uint32_t x, y, w, h;        /* the box, inside the generated image */
	enum overlay_align align;   /* default center */
	enum overlay_valign valign; /* default middle */
	struct srcloc loc;          /* the overlay mapping */
};

#define TYPO_MAX_ATTEMPTS 10        /* candidates per asset, at most */

/* Which image the typography check reads (typography.check): with an
 * overlay, the output (the overlay drawn on the generation) unless the
 * recipe says generation; without one, both are the same image. */
enum typo_check {
	TYPO_CHECK_DEFAULT,         /* not set: output */
	TYPO_CHECK_GENERATION,
	TYPO_CHECK_OUTPUT,
};

/* The typography check of an asset (see ocr.h): with expect_text, every
 * render is read back and compared with the copy. */
struct typography {
	char **expect;              /* expect_text, placeholders expanded; nexpect 0: no check */
	size_t nexpect;
	char *lang;                 /* Tesseract language(s): "eng", "eng+deu" */
	double threshold;           /* largest normalised edit distance that passes, 0..1 */
	int max_attempts;           /* candidates (seed, seed+1, ...) before the asset fails */
	int on_output;              /* 1: reads the output with the overlay drawn (typography.check) */
};

/* `inputs:` - images an asset starts from (refs.h).  Roles: reference
 * (the default), init (image-to-image, with strength) and mask (white:
 * change, black: keep; converted to each API's polarity). */
enum input_role { ROLE_REFERENCE, ROLE_INIT, ROLE_MASK, ROLE_COUNT };
extern const char *const input_role_names[ROLE_COUNT];

/* An image file an input names, read and decoded once per load. */
struct image_file {
	char *path;                 /* as written: relative to the project root */
	unsigned char *data;        /* the whole file */
	size_t len;
	uint8_t digest[16];         /* XXH3-128 of data: what keys see, never the path */
	uint32_t width, height;     /* as decoded */
	int format;                 /* enum codec_format */
};

struct asset_input {
	enum input_role role;
	uint32_t strength;          /* init: per mille, 0..1000 (strength 0.75: 750) */
	const struct image_file *file;  /* a file, owned by struct project; or NULL */
	char *asset;                /* or another asset's final output: its name */
	size_t upstream;            /* then its index in project.assets */
	struct srcloc loc;          /* the entry (the `asset:` value for an asset) */
};

/* `outputs:` - the web derivatives of an asset's final PNG (derive.h),
 * set in assetgen.yaml, a recipe's defaults or the asset, field by field
 * (the nearest wins; quality by format). */
enum outf { OUTF_AVIF, OUTF_WEBP, OUTF_PNG, OUTF_JPEG, OUTF_COUNT };   /* <source> order */
extern const char *const outf_names[OUTF_COUNT];
#define OUTPUTS_MAX_WIDTHS 16
#define OUTPUTS_SIZES_MAX 256

struct outputs {
	int set;                    /* an outputs: mapping applies */
	int formats_set, widths_set, sizes_set, base_set;
	unsigned formats;           /* bit (1u << enum outf); default avif, webp, jpeg */
	uint32_t widths[OUTPUTS_MAX_WIDTHS];    /* ascending, unique; none: the source width */
	size_t nwidths;
	int quality[OUTF_COUNT];    /* 1-100; 0: the format's default (png: none) */
	char sizes[OUTPUTS_SIZES_MAX + 1];      /* the snippet's sizes; "": "100vw" */
	char base[OUTPUTS_SIZES_MAX + 1];       /* the snippet's URL prefix ("/assets/"); "": none */
};

struct asset {
	char *name;                 /* [a-z0-9][a-z0-9._-]*, unique in the project */
	char *prompt;
	char *negative_prompt;      /* "" when absent */
	uint64_t seed;
	uint32_t width, height;     /* 1..8192; default 1024x1024 */
	enum intent intent;         /* default final */
	enum criticality criticality;   /* default normal */
	char **tags;
	size_t ntags;
	char *model;                /* pinned model name, or NULL to route */
	struct param *params;       /* sorted by name */
	size_t nparams;
	struct upscale upscale;
	struct overlay *overlay;    /* NULL: none */
	struct srcloc loc;          /* where the asset's mapping starts */
	char **matrix_vars;         /* for matrix assets: "style=neon-punk", sorted; else NULL */
	size_t nmatrix_vars;
	char *group;                /* the unexpanded name ("portrait-{style}") of a matrix asset, else NULL */
	struct typography typo;
	struct fit fit;
	struct asset_input *inputs; /* in the order written; none: NULL */
	size_t ninputs;
	struct outputs outputs;
};

struct model {
	char *name;
	char *provider;             /* builtin | http | openai | a1111 | ideogram | stability | gemini */
	char *model;                /* the provider's model id; "" for builtin */
	char *version;              /* declared version; "" when absent */
	double cost;                /* per image, in the team's currency; 0 for builtin */
	char *api_key_env;          /* NULL when the provider needs no key */
	char *endpoint;             /* base URL override, or NULL */
	int concurrency;            /* 0: provider default */
	double timeout;             /* seconds; 0: default */
	int retries;                /* -1: default */
	struct param *params;       /* defaults under each asset's params; sorted */
	size_t nparams;
	char *workflow;             /* comfyui: the workflow file as given, or NULL */
	char *workflow_json;        /* its content (API format JSON) */
	char workflow_digest[33];   /* XXH3-128 of the content, hex: in the key; "" none */
	struct srcloc loc;
};

struct route {
	int intent;                 /* -1 any, else enum intent */
	int criticality;            /* -1 any, else enum criticality */
	char **tags;                /* all must be on the asset */
	size_t ntags;
	char **use;                 /* ordered model names (fallbacks) */
	size_t nuse;
	struct srcloc loc;
};

/* Where a signing key or certificate comes from: a file (absolute, as
 * given relative to the project root) or the environment variable the
 * config names; neither set: not configured. */
struct cred_source {
	char *file;
	char *env;
	struct srcloc loc;          /* the value in assetgen.yaml */
};

struct config {
	char *root;                 /* absolute directory holding assetgen.yaml */
	struct model *models;       /* always holds "builtin" ({provider: builtin}) */
	size_t nmodels;
	struct route *routes;       /* empty: everything goes to "builtin" */
	size_t nroutes;
	double per_request;         /* < 0: no cap */
	double per_build;           /* < 0: no cap */
	double per_asset;           /* < 0: no cap (an asset's candidates together) */
	char *typo_lang;            /* typography.lang: "eng" */
	double typo_threshold;      /* typography.threshold: 0.2 */
	int typo_max_attempts;      /* typography.max_attempts: 3 */
	enum typo_check typo_check; /* typography.check: default (output) */
	char *cache_dir;            /* "cache" */
	char *remote_url;           /* cache.remote.url or NULL */
	int upload;                 /* cache.remote.upload */
	char *remote_bearer_env;    /* cache.remote.bearer_env: the variable holding a token */
	char *remote_basic_env;     /* cache.remote.basic_env: ... holding user:password */
	char *remote_region;        /* cache.remote.region (s3://) */
	char *remote_endpoint;      /* cache.remote.endpoint (s3://) */
	char *output_dir;           /* "dist" */
	char *recipes_dir;          /* "recipes" */
	struct pngio_opts png;      /* png: {level, filter}; threads unset */
	struct cred_source cred_key;    /* credentials: {key, cert}: signing */
	struct cred_source cred_cert;   /* (both set, or neither) */
	struct outputs outputs;     /* outputs: under every recipe's */
	int signing;                /* credentials configured and their chain read (ctx_load) */
	char signer[65];            /* then: SHA-256 of the chain's DER, hex (key_signed) */
};

struct project {
	struct config cfg;
	struct asset *assets;       /* in file order (files sorted by name), then document order */
	size_t nassets;
	char **files;               /* interned project-relative paths, srcloc.file points here */
	size_t nfiles;
	struct font_file **fonts;   /* every font an overlay names, once each */
	size_t nfonts;
	struct image_file **images; /* every input file, once each */
	size_t nimages;
	size_t *byname;             /* private to recipe.c: hash of asset names, for project_asset */
	size_t nbyname;             /* slots in byname (a power of two) */
};

/* The directory holding assetgen.yaml at or above start, as
 * discover_root() finds it without trusting start itself (the walk stops
 * at another user's directory).  A malloc'd absolute path, or NULL. */
char *project_find_root(const char *start);

/* Load assetgen.yaml and every recipes/NAME.yaml under root.  On any problem,
 * add diagnostics and return -1 (p is then released). */
int project_load(struct project *p, const char *root, struct diags *d);
void project_release(struct project *p);
/* Load assetgen.yaml alone (p->assets stays empty): where the cache,
 * outputs and recipes are, without parsing any recipe. */
int project_load_config(struct project *p, const char *root, struct diags *d);

/* The recipe files (NAME.yaml, NAME.yml, no dot files; of any kind: the
 * loader names one that is not a regular file) in the directory path,
 * sorted by name, as project_load() reads them.  0
 * (none when the directory does not exist) or -1 (errno set).  Free each
 * name and *out. */
int recipe_list(const char *path, char ***out, size_t *nout);

const struct model *project_model(const struct project *p, const char *name);
const struct asset *project_asset(const struct project *p, const char *name);

/* The params a request to m for a sees: m's defaults overlaid by a's,
 * sorted by name.  *out is a malloc'd array of shallow copies (the strings
 * stay owned by m and a): free(*out) only. */
void params_merge(const struct model *m, const struct asset *a,
		  struct param **out, size_t *nout);

const char *intent_name(enum intent i);
const char *criticality_name(enum criticality c);
/* "final" or "preview" (a command's --intent) into *out; -1 if neither. */
int intent_parse(const char *s, enum intent *out);

#endif
