/* cmd/credentials.c - `assetgen credentials init`: development signing credentials */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "crypto.h"
#include "os.h"
#include "recipe.h"
#include "util.h"

#define CRED_DIR ".assetgen/credentials"
#define ROOT_DAYS 3650
#define LEAF_DAYS 825

static const char credentials_usage[] =
	"usage: assetgen credentials init [--dir DIR] [--name NAME] [--force]\n\n"
	"Make development signing credentials for content credentials (C2PA):\n"
	"a root certificate, and a signing certificate issued by it with its\n"
	"Ed25519 key.  They go to DIR (default: " CRED_DIR " in the project, or\n"
	"in the current directory outside one): root.pem, signer.pem, and\n"
	"signer.key (mode 0600).  The root's key is not kept.  Existing files are\n"
	"never replaced without --force.\n\n"
	"Validators report a file signed with these as signed by an untrusted\n"
	"signer until the team signs with a certificate from a trusted issuer.\n";

/* Write a file only if it is not there (or force), with mode. */
static int
write_new(const char *path, const void *data, size_t len, mode_t mode, int force)
{
	int fd;
	ssize_t w;
	size_t off = 0;

	if (force && unlink(path) < 0 && errno != ENOENT) {
		warn("cannot replace '%s':", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			warn("'%s' already exists (give --force to replace it)", path);
		else
			warn("cannot create '%s':", path);
		return -1;
	}
	while (off < len) {
		w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			warn("cannot write '%s':", path);
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		warn("cannot write '%s':", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static char *
default_dir(const struct global *g)
{
	char cwd[PATH_MAX], *start, *root, *dir;

	if (g->dir)
		start = realpath(g->dir, NULL);
	else
		start = getcwd(cwd, sizeof(cwd)) ? xstrdup(cwd) : NULL;
	if (!start) {
		warn("cannot find the current directory:");
		return NULL;
	}
	root = project_find_root(start);
	dir = path_join(root ? root : start, CRED_DIR);
	free(root);
	free(start);
	return dir;
}

static int
credentials_init(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"name", required_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct crypto_key *root_key = NULL, *leaf_key = NULL;
	struct buf root = BUF_INIT, leaf = BUF_INIT, pem = BUF_INIT, keypem = BUF_INIT;
	const char *name = "assetgen development";
	char *dir = NULL, *p_root = NULL, *p_cert = NULL, *p_key = NULL, *p_ignore = NULL, *cn;
	int opt, force = 0, rc = EXIT_INPUT;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			free(dir);
			dir = xstrdup(optarg);
			break;
		case 'n': name = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			fputs(credentials_usage, stdout);
			free(dir);
			return EXIT_OK;
		case ':':
			warn("option '%s' needs a value", argv[optind - 1]);
			goto usage;
		default:
			warn("unknown option '%s'", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		warn("credentials init takes no arguments, not '%s'", argv[optind]);
		goto usage;
	}
	if (!*name || strlen(name) > 48) {
		warn("--name wants 1 to 48 characters");
		goto usage;
	}
	if (!dir && !(dir = default_dir(g)))
		goto out;
	if (os_mkdirs(dir, 0700) < 0) {
		warn("cannot create '%s':", dir);
		goto out;
	}
	p_root = path_join(dir, "root.pem");
	p_cert = path_join(dir, "signer.pem");
	p_key = path_join(dir, "signer.key");
	if (!force && (access(p_root, F_OK) == 0 || access(p_cert, F_OK) == 0 || access(p_key, F_OK) == 0)) {
		warn("'%s' already holds credentials (give --force to replace them)", dir);
		goto out;
	}

	root_key = crypto_key_generate();
	leaf_key = crypto_key_generate();
	cn = xasprintf("%s root", name);
	if (crypto_make_root(root_key, cn, ROOT_DAYS, &root) < 0) {
		free(cn);
		warn("cannot make the root certificate");
		rc = EXIT_BUILD;
		goto out;
	}
	free(cn);
	cn = xasprintf("%s signer", name);
	if (crypto_make_leaf(leaf_key, cn, LEAF_DAYS, root_key, (const unsigned char *)root.data,
			     root.len, &leaf) < 0) {
		free(cn);
		warn("cannot make the signing certificate");
		rc = EXIT_BUILD;
		goto out;
	}
	free(cn);
	rc = EXIT_BUILD;
	if (crypto_key_to_pem(leaf_key, &keypem) < 0 ||
	    write_new(p_key, keypem.data, keypem.len, 0600, force) < 0)
		goto out;
	if (crypto_der_to_pem((const unsigned char *)leaf.data, leaf.len, &pem) < 0 ||
	    write_new(p_cert, pem.data, pem.len, 0644, force) < 0)
		goto out;
	buf_reset(&pem);
	if (crypto_der_to_pem((const unsigned char *)root.data, root.len, &pem) < 0 ||
	    write_new(p_root, pem.data, pem.len, 0644, force) < 0)
		goto out;
	/* the key stays out of git even in a project that commits the rest */
	p_ignore = path_join(dir, ".gitignore");
	if (access(p_ignore, F_OK) < 0 && write_new(p_ignore, "signer.key\n", 11, 0644, 0) < 0)
		goto out;
	printf("wrote development credentials to %s:\n"
	       "  signer.key  the signing key (Ed25519, mode 0600): keep it out of git\n"
	       "              (the .gitignore beside it ignores it)\n"
	       "  signer.pem  the signing certificate, issued by the root\n"
	       "  root.pem    the development root certificate (its key was not kept)\n\n"
	       "To sign every output, add to assetgen.yaml:\n\n"
	       "  credentials:\n"
	       "    key: %s\n"
	       "    cert: %s\n\n"
	       "Validators will report the signer as untrusted: nobody trusts this root.\n"
	       "For published assets, sign with a certificate from an issuer on the C2PA\n"
	       "trust list (or one your audience trusts); `assetgen verify --trust %s`\n"
	       "checks files against this root meanwhile.\n",
	       dir, p_key, p_cert, p_root);
	rc = EXIT_OK;
	goto out;
usage:
	fputs(credentials_usage, stderr);
out:
	if (keypem.data)
		memset(keypem.data, 0, keypem.len);
	buf_release(&keypem);
	buf_release(&pem);
	buf_release(&root);
	buf_release(&leaf);
	crypto_key_free(root_key);
	crypto_key_free(leaf_key);
	free(dir);
	free(p_root);
	free(p_ignore);
	free(p_cert);
	free(p_key);
	return rc;
}

int
cmd_credentials(int argc, char **argv, struct global *g)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return credentials_init(argc - 1, argv + 1, g);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(credentials_usage, stdout);
		return EXIT_OK;
	}
	if (argc >= 2)
		warn("unknown credentials command '%s'", argv[1]);
	else
		warn("credentials needs a command ('init')");
	fputs(credentials_usage, stderr);
	return EXIT_INPUT;
}
