/* cmd/init.c - `assetgen init [DIR]`: scaffold a project that builds as it is */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "os.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen init [DIR]\n"
	"Make a new project in DIR (default: the current directory): assetgen.yaml\n"
	"(the built-in model, with commented examples of routes, a budget and a team\n"
	"cache), recipes/example.yaml and a .gitignore for cache/ and dist/.  Existing\n"
	"files are never overwritten (an existing .gitignore only gets the lines it lacks).\n";

static const char config_yaml[] =
	"# assetgen project: `assetgen build` turns recipes/*.yaml into dist/NAME.png,\n"
	"# regenerating only what changed, plus dist/manifest.json and a gallery,\n"
	"# dist/index.html.  `assetgen build -n` shows the plan and what it would cost.\n"
	"models:\n"
	"  # the built-in deterministic renderer: no account, no network, same bytes everywhere\n"
	"  local: {provider: builtin}\n"
	"  # Hosted models.  The API key is read from the environment variable named by\n"
	"  # api_key_env, never written here; cost is the price of one image.\n"
	"  # ideogram-v2: {provider: ideogram, model: V_2, cost: 0.08, api_key_env: IDEOGRAM_API_KEY}\n"
	"  # sd35-flash: {provider: stability, model: sd3.5-flash, cost: 0.025, api_key_env: STABILITY_API_KEY}\n"
	"\n"
	"# First match wins; `use` is an ordered fallback list.\n"
	"routes:\n"
	"  # - match: {tags: [typography]}     # layout-aware text rendering\n"
	"  #   use: [ideogram-v2, local]\n"
	"  # - match: {intent: preview}        # `assetgen build --intent preview`: fast and cheap\n"
	"  #   use: [sd35-flash, local]\n"
	"  - use: [local]\n"
	"\n"
	"# budget:\n"
	"#   per_request: 0.10    # skip candidates costing more than this per image\n"
	"#   per_build: 20.00     # stop dispatching before a build would spend more\n"
	"\n"
	"cache:\n"
	"  dir: cache\n"
	"  # A team cache over plain HTTP (a WebDAV nginx, bazel-remote, an object store):\n"
	"  # teammates and CI reuse one another's renders.  Laptops read, CI uploads.\n"
	"  # remote: {url: \"https://assets-cache.example.com/cache\", upload: false}\n"
	"\n"
	"output: dist\n"
	"recipes: recipes\n";

static const char example_yaml[] =
	"# Each asset is keyed by its prompt, seed, size, params and model: change one\n"
	"# and only that asset is rebuilt.\n"
	"defaults:\n"
	"  size: 768x768\n"
	"assets:\n"
	"  # quoted text in the prompt is drawn legibly by the built-in model\n"
	"  - name: welcome-banner\n"
	"    prompt: \"Banner reading 'Hello World', clean layout, bold typography\"\n"
	"    negative_prompt: blurry, garbled text\n"
	"    seed: 42\n"
	"    size: 1200x400\n"
	"    tags: [typography]\n"
	"\n"
	"  # a matrix: one asset per value, shown side by side in dist/index.html\n"
	"  - name: mascot-{style}\n"
	"    matrix: {style: [flat, neon, watercolor]}\n"
	"    prompt: \"friendly robot mascot, style: {style}\"\n"
	"    seed: 7\n"
	"    size: 512x512\n"
	"    tags: [mascot]\n";

static const char *const ignored[] = {"/cache/", "/dist/"};

/* Create path with data; never replaces a file (O_EXCL).  0 or -1 (warned). */
static int
create_file(const char *path, const char *data, size_t len)
{
	ssize_t n;
	size_t off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0) {
		warn("cannot create '%s':", path);
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0) {
			warn("cannot write '%s':", path);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		warn("cannot write '%s':", path);
		return -1;
	}
	return 0;
}

/* Does the .gitignore text already ignore what pat ("/cache/") names? */
static int
ignores(const char *text, const char *pat)
{
	const char *name = pat + 1, *line, *e;
	size_t n = strlen(name) - 1;    /* "cache" */
	size_t len;

	for (line = text; *line; line = *e ? e + 1 : e) {
		e = strchr(line, '\n');
		if (!e)
			e = line + strlen(line);
		len = (size_t)(e - line);
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
			len--;
		if (len && *line == '/')
			line++, len--;
		if (len && line[len - 1] == '/')
			len--;
		if (len == n && strncmp(line, name, n) == 0)
			return 1;
	}
	return 0;
}

/* Write a new .gitignore, or add the lines an existing one lacks. */
static int
gitignore(const char *path, const char *display)
{
	struct buf b = BUF_INIT;
	size_t i, before;
	int r = 0;

	if (os_read_file(path, (size_t)16 << 20, &b) < 0) {
		if (errno != ENOENT) {
			warn("cannot read '%s':", display);
			return -1;
		}
		buf_puts(&b, "# assetgen: the local cache and the outputs are made from the recipes\n");
		for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
			buf_printf(&b, "%s\n", ignored[i]);
		r = create_file(path, b.data, b.len);
		if (r == 0)
			printf("created %s\n", display);
		buf_release(&b);
		return r;
	}
	before = b.len;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (ignores(b.data ? b.data : "", ignored[i]))
			continue;
		if (b.len == before && b.len && b.data[b.len - 1] != '\n')
			buf_putc(&b, '\n');
		buf_printf(&b, "%s\n", ignored[i]);
	}
	if (b.len != before) {
		if ((r = os_write_atomic_path(path, b.data, b.len)) < 0)
			warn("cannot write '%s':", display);
		else
			printf("updated %s (added what assetgen makes: cache/, dist/)\n", display);
	}
	buf_release(&b);
	return r;
}

int
cmd_init(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *base = g->dir ? g->dir : ".";
	char *dir, *cfg, *rdir, *recipe, *ign, *show;
	struct stat sb;
	int opt, rc = EXIT_OK, exists = 0;

	while ((opt = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': base = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_INPUT;
		}
	}
	if (argc - optind > 1) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	if (optind < argc)
		dir = argv[optind][0] == '/' || strcmp(base, ".") == 0 ? xstrdup(argv[optind]) :
		      path_join(base, argv[optind]);
	else
		dir = xstrdup(base);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	show = strcmp(dir, ".") == 0 ? xstrdup("") : xasprintf("%s/", dir);
	cfg = xasprintf("%sassetgen.yaml", show);
	rdir = xasprintf("%srecipes", show);
	recipe = xasprintf("%srecipes/example.yaml", show);
	ign = xasprintf("%s.gitignore", show);

	/* refuse before writing anything */
	if (lstat(cfg, &sb) == 0) {
		warn("'%s' already exists: this is a project already; init overwrites nothing", cfg);
		exists = 1;
	}
	if (lstat(recipe, &sb) == 0) {
		warn("'%s' already exists; init overwrites nothing", recipe);
		exists = 1;
	}
	if (exists) {
		rc = EXIT_INPUT;
		goto out;
	}
	if (os_mkdirs(dir, 0755) < 0 || os_mkdirs(rdir, 0755) < 0) {
		warn("cannot create '%s':", rdir);
		rc = EXIT_BUILD;
		goto out;
	}
	if (create_file(cfg, config_yaml, sizeof(config_yaml) - 1) < 0) {
		rc = EXIT_BUILD;
		goto out;
	}
	printf("created %s\n", cfg);
	if (create_file(recipe, example_yaml, sizeof(example_yaml) - 1) < 0) {
		rc = EXIT_BUILD;
		goto out;
	}
	printf("created %s\n", recipe);
	if (gitignore(ign, ign) < 0)
		rc = EXIT_BUILD;
	if (rc == EXIT_OK) {
		if (*show)
			printf("next: cd %s && assetgen build, then open dist/index.html\n", dir);
		else
			printf("next: assetgen build, then open dist/index.html\n");
	}
out:
	free(dir);
	free(show);
	free(cfg);
	free(rdir);
	free(recipe);
	free(ign);
	return rc;
}
