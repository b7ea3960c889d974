/* cmd/watch.c - `assetgen watch`: rebuild the previews when a recipe is saved
 *
 * One poll() loop on one thread: inotify on the project directory (for
 * assetgen.yaml, and for the recipes directory being replaced), on the
 * recipes directory, and on the directory of each other file the recipes
 * name, such as an overlay's font (the project is read again before each
 * build for them); a debounce (DEBOUNCE_MS of quiet after the last
 * change); then the same in-process build as `assetgen build --intent
 * preview` (build_once in cmd/build.c).  Changes that land during a build
 * wait in the inotify queue and start the next build after it, so two
 * builds never overlap.  With --serve, a tiny HTTP server (site/serve.c) shares
 * the loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "build.h"
#include "cmd.h"
#include "inputs.h"
#include "os.h"
#include "site/serve.h"
#include "util.h"

#define DEBOUNCE_MS 100
#define REWATCH_MS 250            /* retry a missing recipes directory this often */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR)

static const char watch_usage[] =
	"usage: assetgen watch [--serve PORT] [--intent preview|final] [-q|-v]\n"
	"Build as 'assetgen build --intent preview' does, then again each time\n"
	"assetgen.yaml, a recipe or an overlay's font file is saved (after 100 ms\n"
	"of quiet), one line per build.  A bad recipe prints its errors and\n"
	"watching goes on.  Ctrl-C stops (exit 130).\n"
	"  --serve PORT     also serve DIST/ on http://127.0.0.1:PORT/ (0: any free\n"
	"                   port); a page opened from there reloads after each build\n"
	"  --intent final   rebuild the finals (into DIST/) rather than the previews\n"
	"  -q, -v           only failures; every step of every build\n"
	"  -C DIR           run as if started in DIR\n";

struct watcher {
	int ifd;
	char *root;               /* the project directory, absolute */
	char *recipes_rel;        /* cfg.recipes_dir, e.g. "recipes" */
	char *recipes_top;        /* its first path component: a root event under that name matters */
	char *recipes;            /* absolute */
	char *out_rel;            /* cfg.output_dir */
	char *out_dir;            /* absolute */
	int root_wd, rec_wd;
	struct file_watch *files; /* the other files the recipes name (fonts): directory watch, name */
	size_t nfiles;
};

struct file_watch {
	int wd;                   /* the file's directory (maybe root_wd or rec_wd too) */
	char *name;               /* the file's name in it */
};

static void
on_signal(int sig)
{
	build_interrupted = sig;
}

static void
set_dirs(struct watcher *w, const char *recipes_rel, const char *out_rel)
{
	free(w->recipes_rel);
	free(w->recipes_top);
	free(w->recipes);
	free(w->out_rel);
	free(w->out_dir);
	w->recipes_rel = xstrdup(recipes_rel);
	w->recipes_top = xstrndup(recipes_rel, strcspn(recipes_rel, "/"));
	w->recipes = path_join(w->root, recipes_rel);
	w->out_rel = xstrdup(out_rel);
	w->out_dir = path_join(w->root, out_rel);
}

static void
files_release(struct file_watch *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].name);
	free(f);
}

static int
is_recipe_name(const char *name)
{
	return name[0] != '.' && (str_has_suffix(name, ".yaml") || str_has_suffix(name, ".yml"));
}

/* Watch the directory of every other file the project's load read or
 * looked for (an overlay's font, found or not yet: a font file is usually
 * replaced by a rename, which only its directory sees).  assetgen.yaml
 * and the recipes have their own watches.  After a load that failed
 * (stop_stale 0), which may not have reached every recipe, or a list of
 * notes that is not complete, the watches are only added to; otherwise a
 * directory no file is in any more is dropped. */
static void
watch_inputs(struct watcher *w, int stop_stale)
{
	size_t n = 0, nin, i, j;
	int complete;
	struct input *in = inputs_get(&nin, &complete);
	struct file_watch *nf = xcalloc(nin + w->nfiles + 1, sizeof(*nf));
	char *yaml = path_join(w->root, "assetgen.yaml");

	if (!stop_stale || !complete) {
		memcpy(nf, w->files, w->nfiles * sizeof(*nf));
		n = w->nfiles;
		free(w->files);
		w->files = NULL;
		w->nfiles = 0;
	}
	for (i = 0; i < nin; i++) {
		char *dir, *slash;
		int wd;

		if ((in[i].kind != INPUT_FILE && in[i].kind != INPUT_ABSENT) ||
		    !strcmp(in[i].path, yaml) || !(slash = strrchr(in[i].path, '/')))
			continue;
		dir = slash == in[i].path ? xstrdup("/") : xstrndup(in[i].path, (size_t)(slash - in[i].path));
		if (strcmp(dir, w->recipes) != 0 || !is_recipe_name(slash + 1)) {
			wd = inotify_add_watch(w->ifd, dir, WATCH_EVENTS | IN_MASK_ADD);
			for (j = 0; wd >= 0 && j < n; j++)
				if (nf[j].wd == wd && !strcmp(nf[j].name, slash + 1))
					break;
			if (wd >= 0 && j == n) {
				nf[n].wd = wd;
				nf[n].name = xstrdup(slash + 1);
				n++;
			}
		}
		free(dir);
	}
	for (i = 0; i < w->nfiles; i++) {
		for (j = 0; j < n && nf[j].wd != w->files[i].wd; j++)
			;
		if (j == n && w->files[i].wd != w->root_wd && w->files[i].wd != w->rec_wd)
			inotify_rm_watch(w->ifd, w->files[i].wd);
	}
	files_release(w->files, w->nfiles);
	w->files = nf;
	w->nfiles = n;
	inputs_free(in, nin);
	free(yaml);
}

/* Where the recipes and outputs are, from assetgen.yaml, and the other
 * files the recipes name (quietly: the build prints any problem); the
 * directories are kept as they were when the project does not load. */
static void
read_project(struct watcher *w)
{
	struct project p;
	struct diags d = {0};
	int ok;

	inputs_reset();                 /* the load notes what it reads (inputs.h) */
	ok = project_load(&p, w->root, &d) == 0;
	if (ok) {
		if (!w->recipes_rel || strcmp(w->recipes_rel, p.cfg.recipes_dir) != 0 ||
		    strcmp(w->out_rel, p.cfg.output_dir) != 0)
			set_dirs(w, p.cfg.recipes_dir, p.cfg.output_dir);
		project_release(&p);
	} else if (!w->recipes_rel) {
		set_dirs(w, "recipes", "dist");
	}
	if (w->ifd >= 0)
		watch_inputs(w, ok);
	inputs_reset();
	diags_release(&d);
}

/* (Re)watch the recipes directory by its path: it may have been created,
 * removed, or replaced by another directory (a rename). */
static void
rewatch(struct watcher *w)
{
	int wd = inotify_add_watch(w->ifd, w->recipes, WATCH_EVENTS | IN_DELETE_SELF | IN_MOVE_SELF);

	if (wd != w->rec_wd && w->rec_wd >= 0 && w->rec_wd != w->root_wd)
		inotify_rm_watch(w->ifd, w->rec_wd);
	w->rec_wd = wd;
}

/* Read every queued event; 1 when any of them may change the build. */
static int
drain(struct watcher *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int changed = 0, again = 0;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(w->ifd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;            /* EAGAIN: all read */
		}
		if (n == 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				changed = again = 1;
				continue;
			}
			if (ev->wd == w->root_wd && ev->len) {
				if (strcmp(ev->name, "assetgen.yaml") == 0)
					changed = 1;
				if (strcmp(ev->name, w->recipes_top) == 0)
					changed = again = 1;
			}
			if (ev->wd == w->rec_wd) {
				if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
					changed = again = 1;
				else if (ev->len && is_recipe_name(ev->name))
					changed = 1;
			}
			for (size_t i = 0; ev->len && i < w->nfiles; i++)
				if (ev->wd == w->files[i].wd && strcmp(ev->name, w->files[i].name) == 0)
					changed = 1;
		}
	}
	if (again)
		rewatch(w);
	return changed;
}

static void
watcher_release(struct watcher *w)
{
	if (w->ifd >= 0)
		close(w->ifd);
	free(w->root);
	free(w->recipes_rel);
	free(w->recipes_top);
	free(w->recipes);
	free(w->out_rel);
	free(w->out_dir);
	files_release(w->files, w->nfiles);
}

/* One build, and its one line.  Returns build_once's status. */
static int
rebuild(struct global *g, int intent, unsigned long n)
{
	struct build_summary sum;
	uint64_t t0 = now_ns();
	double secs;
	int rc;

	rc = build_once(g, intent, g->level <= 0, &sum);
	secs = (double)(now_ns() - t0) / 1e9;
	if (sum.interrupted)
		return rc;
	if (rc == EXIT_OK && sum.generated + sum.upscaled + sum.overlaid + sum.restored == 0) {
		if (g->level >= 0)
			printf("watch: build %lu: up to date (%zu assets, %.2fs)\n", n, sum.assets, secs);
	} else if (rc == EXIT_OK) {
		if (g->level >= 0 && sum.overlaid)
			printf("watch: build %lu: %zu generated, %zu overlaid, %zu upscaled, %zu restored, "
			       "%zu fresh (%.2fs)\n", n, sum.generated, sum.overlaid, sum.upscaled,
			       sum.restored, sum.fresh, secs);
		else if (g->level >= 0)
			printf("watch: build %lu: %zu generated, %zu upscaled, %zu restored, %zu fresh (%.2fs)\n",
			       n, sum.generated, sum.upscaled, sum.restored, sum.fresh, secs);
	} else if (rc == EXIT_INPUT) {
		printf("watch: build %lu: invalid input, nothing built; waiting for a fix\n", n);
	} else {
		printf("watch: build %lu: %zu generated, %zu failed, %zu not built (%.2fs); waiting for changes\n",
		       n, sum.generated, sum.failed, sum.skipped, secs);
	}
	fflush(stdout);
	return rc;
}

int
cmd_watch(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"serve", required_argument, NULL, 'S'},
		{"intent", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct watcher w = {.ifd = -1, .root_wd = -1, .rec_wd = -1};
	struct pollfd fds[1 + SERVE_MAX_FDS];
	struct serve *srv = NULL;
	struct global lg;
	struct sigaction sa;
	sigset_t block, orig;
	char *why;
	uint64_t deadline = 0, now, v;
	unsigned long builds = 0, version = 0;
	enum intent intent = INTENT_PREVIEW;
	int opt, port = -1, pending, timeout, t, rc = EXIT_OK;
	size_t nsrv = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":qvC:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			if (parse_u64(optarg, &v) < 0 || v > 65535) {
				warn("--serve wants a port from 0 to 65535, not '%s'", optarg);
				return EXIT_INPUT;
			}
			port = (int)v;
			break;
		case 'I':
			if (opt_intent(optarg, &intent) != 0)
				return EXIT_INPUT;
			break;
		case 'q': g->level = STATUS_QUIET; break;
		case 'v': g->level = STATUS_VERBOSE; break;
		case 'C': g->dir = optarg; break;
		case 'h':
			fputs(watch_usage, stdout);
			return EXIT_OK;
		case ':':
			warn("option '%s' needs a value", argv[optind - 1]);
			fputs(watch_usage, stderr);
			return EXIT_INPUT;
		default:
			warn("unknown option '%s'", argv[optind - 1]);
			fputs(watch_usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (optind < argc) {
		warn("watch takes no asset names (it builds every asset)");
		fputs(watch_usage, stderr);
		return EXIT_INPUT;
	}

	/* the project: found once, then every build loads exactly that one */
	if (!(w.root = ctx_find_root(g, &why))) {
		warn("%s", why);
		free(why);
		return EXIT_INPUT;
	}
	lg = *g;
	lg.dir = w.root;
	w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w.ifd >= 0)
		read_project(&w);
	if (w.ifd < 0 || (w.root_wd = inotify_add_watch(w.ifd, w.root, WATCH_EVENTS)) < 0) {
		warn("cannot watch '%s':", w.root);
		watcher_release(&w);
		return EXIT_BUILD;
	}
	rewatch(&w);
	if (port >= 0) {
		if (!(srv = serve_open(port, g->level > 0))) {
			watcher_release(&w);
			return EXIT_BUILD;
		}
		serve_set_root(srv, w.out_dir);
		printf("watch: serving %s/ at http://127.0.0.1:%d/\n", w.out_rel, serve_port(srv));
	}
	/* signals: blocked but during ppoll() and builds, so none is lost
	 * between a check and the wait; installed before saying we watch */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	printf("watch: watching assetgen.yaml and %s/ (Ctrl-C to stop)\n", w.recipes_rel);
	fflush(stdout);

	pending = 1;                      /* the first build, at once */
	deadline = now_ns();
	while (!build_interrupted) {
		now = now_ns();
		if (pending && now >= deadline) {
			pending = 0;
			/* the recipes may name other directories or fonts now:
			 * watched before the build, so a save during it is seen */
			if (builds) {
				read_project(&w);
				rewatch(&w);
				if (srv)
					serve_set_root(srv, w.out_dir);
			}
			drain(&w);        /* what is queued now is covered by this build */
			sigprocmask(SIG_SETMASK, &orig, NULL);
			rc = rebuild(&lg, intent, ++builds);
			sigprocmask(SIG_BLOCK, &block, NULL);
			if (build_interrupted)
				break;
			if (rc != EXIT_INPUT && srv)
				serve_set_version(srv, ++version);
			continue;
		}
		timeout = pending ? (int)((deadline - now) / 1000000 + 1) : -1;
		if (w.rec_wd < 0 && (timeout < 0 || timeout > REWATCH_MS))
			timeout = REWATCH_MS;
		fds[0].fd = w.ifd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		nsrv = 0;
		if (srv) {
			nsrv = serve_pollfds(srv, fds + 1);
			t = serve_timeout(srv);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		{
			struct timespec ts, *tsp = NULL;

			if (timeout >= 0) {
				ts.tv_sec = timeout / 1000;
				ts.tv_nsec = (long)(timeout % 1000) * 1000000;
				tsp = &ts;
			}
			if (ppoll(fds, 1 + nsrv, tsp, &orig) < 0) {
				if (errno == EINTR)
					continue;
				warn("poll failed:");
				rc = EXIT_BUILD;
				break;
			}
		}
		if (fds[0].revents & POLLIN) {
			if (drain(&w)) {
				pending = 1;
				deadline = now_ns() + (uint64_t)DEBOUNCE_MS * 1000000;
			}
		}
		if (w.rec_wd < 0)
			rewatch(&w);
		if (srv)
			serve_handle(srv, fds + 1, nsrv);
	}
	if (build_interrupted)
		rc = EXIT_SIGNAL + build_interrupted;
	sigprocmask(SIG_SETMASK, &orig, NULL);
	serve_close(srv);
	watcher_release(&w);
	return rc;
}
