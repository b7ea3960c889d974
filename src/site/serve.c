/* site/serve.c - a tiny HTTP/1.0 file server in the caller's poll loop (watch --serve) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "os.h"
#include "redact.h"
#include "serve.h"
#include "util.h"

#define SERVE_REQ_MAX 8192                 /* request line and headers */
#define SERVE_FILE_MAX ((size_t)256 << 20)
#define SERVE_HEAD_NS (5ULL * 1000000000ULL)     /* from accept to the whole request head */
#define SERVE_TIMEOUT_NS (10ULL * 1000000000ULL) /* to send the response */
#define SERVE_MAX_DEPTH 32                 /* path segments */
#define SERVE_ACCEPT_BURST 64              /* accepts per wake-up */

struct serve_conn {
	int fd;                   /* -1: a free slot */
	int writing;
	uint32_t client;          /* IPv4 address, host order */
	char req[SERVE_REQ_MAX + 1];
	size_t reqlen;
	char *out;
	size_t outlen, outoff;
	uint64_t since;           /* accepted, now_ns() */
	uint64_t deadline;        /* now_ns() */
};

struct serve {
	int lfd;
	int port;
	int verbose;
	char *root;
	unsigned long version;
	struct serve_conn conns[SERVE_MAX_CONNS];
	int slot[SERVE_MAX_FDS];  /* what serve_pollfds put at each index: -1 the listener, else a conn */
};

/* A 1x1 transparent PNG: /_changed's "yes". */
static const unsigned char pixel_png[] =
	"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00"
	"\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00"
	"\x0b\x49\x44\x41\x54\x78\xda\x63\x60\x00\x02\x00\x00\x05\x00\x01\xe9\xfa"
	"\xdc\xd8\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/* Injected before </body> of every index.html served; %lu is the version. */
static const char reload_js[] =
	"<script>\n"
	"/* added by assetgen watch --serve: reload after each rebuild */\n"
	"(function () {\n"
	"\tvar v = \"%lu\";\n"
	"\tfunction poll() {\n"
	"\t\tvar i = new Image();\n"
	"\t\ti.onload = function () { location.reload(); };\n"
	"\t\ti.onerror = function () { setTimeout(poll, 500); };\n"
	"\t\ti.src = \"/_changed?v=\" + v + \"&t=\" + Date.now();\n"
	"\t}\n"
	"\tsetTimeout(poll, 500);\n"
	"})();\n"
	"</script>\n";

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".htm", "text/html; charset=utf-8"},
	{".png", "image/png"},
	{".json", "application/json"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".txt", "text/plain; charset=utf-8"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".webp", "image/webp"},
	{".gif", "image/gif"},
};

static const char *
content_type(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_has_suffix(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

struct serve *
serve_open(int port, int verbose)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct serve *s;
	int fd, one = 1;
	size_t i;

	if (port < 0 || port > 65535) {
		warn("--serve wants a port from 0 to 65535, not %d", port);
		return NULL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warn("cannot create a socket:");
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		warn("cannot listen on 127.0.0.1:%d:", port);
		close(fd);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->lfd = fd;
	s->port = ntohs(sa.sin_port);
	s->verbose = verbose;
	for (i = 0; i < SERVE_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	return s;
}

int
serve_port(const struct serve *s)
{
	return s->port;
}

void
serve_set_root(struct serve *s, const char *dir)
{
	free(s->root);
	s->root = xstrdup(dir);
}

void
serve_set_version(struct serve *s, unsigned long version)
{
	s->version = version;
}

static void
conn_close(struct serve_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->writing = 0;
	c->reqlen = c->outlen = c->outoff = 0;
}

/* Queue a whole response: status line, headers, and body (not for HEAD). */
static void
respond(struct serve_conn *c, int head, int code, const char *reason, const char *type,
	const char *extra, const void *body, size_t len)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "HTTP/1.0 %d %s\r\nServer: assetgen-watch\r\nContent-Type: %s\r\n"
		   "Content-Length: %zu\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n"
		   "Connection: close\r\n%s\r\n", code, reason, type, len, extra ? extra : "");
	if (!head && len)
		buf_put(&b, body, len);
	free(c->out);
	c->out = buf_detach(&b, &c->outlen);
	c->outoff = 0;
	c->writing = 1;
	c->deadline = now_ns() + SERVE_TIMEOUT_NS;
}

static void
respond_error(struct serve_conn *c, int head, int code, const char *reason, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	respond(c, head, code, reason, "text/plain; charset=utf-8", extra, body, (size_t)n);
}

/* End a connection whose request head has not arrived: say why in one
 * send (it fits any socket buffer, and a client that cannot take it
 * loses nothing), after reading what it sent so far, so that the close
 * is a FIN the answer can be read before, not a reset. */
static void
conn_give_up(struct serve_conn *c, int code, const char *reason, const char *extra)
{
	char sink[4096];
	int i;

	for (i = 0; i < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	respond_error(c, 0, code, reason, extra);
	if (send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		shutdown(c->fd, SHUT_WR);
	conn_close(c);
}

/* index.html with the reload script before the last </body> (or at the end). */
static void
respond_index(struct serve *s, struct serve_conn *c, int head, struct buf *file)
{
	struct buf b = BUF_INIT;
	size_t at = file->len, i;

	for (i = file->len; i >= 7; i--)
		if (strncasecmp(file->data + i - 7, "</body>", 7) == 0) {
			at = i - 7;
			break;
		}
	buf_put(&b, file->data, at);
	buf_printf(&b, reload_js, s->version);
	buf_put(&b, file->data + at, file->len - at);
	respond(c, head, 200, "OK", content_type("index.html"), NULL, b.data, b.len);
	buf_release(&b);
}

/* Decode %XX in place; -1 for a bad escape or a NUL. */
static int
pct_decode(char *s)
{
	char *w = s;
	int byte;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if ((byte = str_pct_byte(s)) < 0)
			return -1;
		*w++ = (char)byte;
		s += 2;
	}
	*w = '\0';
	return 0;
}

/* Serve the file at the decoded path (segments split on '/') under root. */
static void
serve_file(struct serve *s, struct serve_conn *c, int head, char *path, const char *rawpath)
{
	char *seg[SERVE_MAX_DEPTH], *p, *next;
	const char *name;
	struct buf file = BUF_INIT;
	struct stat st;
	size_t nseg = 0, i;
	int dirfd, fd, isdir = 0;

	for (p = path; *p; p = next) {
		next = p + strcspn(p, "/");
		if (*next)
			*next++ = '\0';
		if (!*p)
			continue;         /* "//" */
		if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
			respond_error(c, head, 403, "Forbidden", NULL);
			return;
		}
		if (p[0] == '.' || nseg == SERVE_MAX_DEPTH) {
			respond_error(c, head, 404, "Not Found", NULL);
			return;
		}
		seg[nseg++] = p;
	}
	if (!s->root || (dirfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		respond_error(c, head, 404, "Not Found", NULL);
		return;
	}
	/* every directory on the way: no symbolic links */
	for (i = 0; i + 1 < nseg; i++) {
		fd = openat(dirfd, seg[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dirfd);
		if (fd < 0) {
			respond_error(c, head, 404, "Not Found", NULL);
			return;
		}
		dirfd = fd;
	}
	name = nseg ? seg[nseg - 1] : NULL;
	if (name && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		if (!str_has_suffix(rawpath, "/")) {
			char *loc = xasprintf("Location: %s/\r\n", rawpath);

			respond_error(c, head, 301, "Moved Permanently", loc);
			free(loc);
			close(dirfd);
			return;
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dirfd);
		if (fd < 0) {
			respond_error(c, head, 404, "Not Found", NULL);
			return;
		}
		dirfd = fd;
		isdir = 1;
	}
	if (!name || isdir)
		name = "index.html";
	if (os_read_file_at(dirfd, name, SERVE_FILE_MAX, 1, &file) < 0) {
		if (errno == EFBIG)
			respond_error(c, head, 500, "File Too Large", NULL);
		else
			respond_error(c, head, 404, "Not Found", NULL);
	} else if (strcmp(name, "index.html") == 0) {
		respond_index(s, c, head, &file);
	} else {
		respond(c, head, 200, "OK", content_type(name), NULL, file.data, file.len);
	}
	buf_release(&file);
	close(dirfd);
}

/* A whole request head is in c->req: answer it. */
static void
handle_request(struct serve *s, struct serve_conn *c)
{
	char *line = c->req, *sp1, *sp2, *eol, *target, *query, *path = NULL, *raw = NULL;
	int head = 0, code;
	const unsigned char *u;

	eol = line + strcspn(line, "\r\n");
	*eol = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond_error(c, 0, 400, "Bad Request", NULL);
		goto log;
	}
	*sp1 = *sp2 = '\0';
	target = sp1 + 1;
	head = strcmp(line, "HEAD") == 0;
	if (!head && strcmp(line, "GET") != 0) {
		respond_error(c, 0, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
		goto log;
	}
	for (u = (const unsigned char *)target; *u; u++)
		if (*u <= 0x20 || *u >= 0x7f)
			break;
	if (target[0] != '/' || *u) {
		respond_error(c, head, 400, "Bad Request", NULL);
		goto log;
	}
	path = xstrndup(target, strcspn(target, "?#"));
	raw = xstrdup(path);
	query = target + strcspn(target, "?#");
	if (strcmp(path, "/_version") == 0) {
		char body[32];
		int n = snprintf(body, sizeof(body), "%lu\n", s->version);

		respond(c, head, 200, "OK", "text/plain; charset=utf-8", "Cache-Control: no-store\r\n", body,
			(size_t)n);
	} else if (strcmp(path, "/_changed") == 0) {
		/* ?v=N: a pixel once the version is no longer N, else 204 */
		char now[32];

		snprintf(now, sizeof(now), "v=%lu", s->version);
		if (*query == '?' && strncmp(query + 1, now, strlen(now)) == 0 &&
		    (query[1 + strlen(now)] == '\0' || query[1 + strlen(now)] == '&'))
			respond(c, head, 204, "No Content", "text/plain", NULL, "", 0);
		else
			respond(c, head, 200, "OK", "image/png", NULL, pixel_png, sizeof(pixel_png) - 1);
	} else if (pct_decode(path) < 0) {
		respond_error(c, head, 400, "Bad Request", NULL);
	} else {
		serve_file(s, c, head, path, raw);
	}
log:
	if (s->verbose) {
		char *method = redact_controls(line);      /* the peer's bytes */

		code = 0;
		if (c->out && strncmp(c->out, "HTTP/1.0 ", 9) == 0)
			code = (int)strtol(c->out + 9, NULL, 10);
		fprintf(stderr, "serve: %s %s %d\n", method, raw ? raw : "-", code);
		free(method);
	}
	free(path);
	free(raw);
}

static void
conn_write(struct serve_conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	conn_close(c);
}

static void
conn_read(struct serve *s, struct serve_conn *c)
{
	ssize_t n;

	for (;;) {
		if (c->reqlen == SERVE_REQ_MAX) {
			respond_error(c, 0, 431, "Request Header Fields Too Large", NULL);
			break;
		}
		n = recv(c->fd, c->req + c->reqlen, SERVE_REQ_MAX - c->reqlen, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c);
			return;
		}
		if (n == 0) {             /* closed before a whole request */
			conn_close(c);
			return;
		}
		c->reqlen += (size_t)n;
		c->req[c->reqlen] = '\0';
		if (memchr(c->req, '\0', c->reqlen)) {
			respond_error(c, 0, 400, "Bad Request", NULL);
			break;
		}
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
			handle_request(s, c);
			break;
		}
	}
	conn_write(c);
}

/* The connection to give up for a newcomer from client: the oldest one
 * still waiting for its request head, of client itself (mine) or else of
 * the client holding the most connections.  NULL when every one is
 * answering. */
static struct serve_conn *
evictable(struct serve *s, uint32_t client, int mine)
{
	struct serve_conn *best = NULL, *c;
	size_t i, j, n, most = 0;

	for (i = 0; i < SERVE_MAX_CONNS; i++) {
		c = &s->conns[i];
		if (c->fd < 0 || c->writing || (mine && c->client != client))
			continue;
		for (j = 0, n = 0; !mine && j < SERVE_MAX_CONNS; j++)
			n += s->conns[j].fd >= 0 && s->conns[j].client == c->client;
		if (!best || n > most || (n == most && c->since < best->since)) {
			best = c;
			most = n;
		}
	}
	return best;
}

static size_t
client_conns(const struct serve *s, uint32_t client)
{
	size_t i, n = 0;

	for (i = 0; i < SERVE_MAX_CONNS; i++)
		n += s->conns[i].fd >= 0 && s->conns[i].client == client;
	return n;
}

static struct serve_conn *
free_slot(struct serve *s)
{
	size_t i;

	for (i = 0; i < SERVE_MAX_CONNS; i++)
		if (s->conns[i].fd < 0)
			return &s->conns[i];
	return NULL;
}

/* Take the waiting connections.  A client holds at most
 * SERVE_MAX_PER_CLIENT of them, and a full table makes room: either way
 * the one given up is the oldest still sending its request head, so a
 * client that connects and stays silent (or trickles its headers) can
 * never keep a request that arrives whole from being answered. */
static void
accept_all(struct serve *s)
{
	struct sockaddr_in sa;
	socklen_t len;
	struct serve_conn *c, *old;
	uint32_t client;
	int fd, n;

	for (n = 0; n < SERVE_ACCEPT_BURST; n++) {
		if (!free_slot(s) && !evictable(s, 0, 0))
			return;           /* every one is answering: the rest wait in the backlog */
		len = sizeof(sa);
		fd = accept4(s->lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		client = sa.sin_family == AF_INET ? ntohl(sa.sin_addr.s_addr) : 0;
		if (client_conns(s, client) >= SERVE_MAX_PER_CLIENT) {
			if (!(old = evictable(s, client, 1))) {
				close(fd);        /* all of its own are being answered */
				continue;
			}
			conn_give_up(old, 503, "Service Unavailable", "Retry-After: 1\r\n");
		}
		if (!(c = free_slot(s))) {
			conn_give_up(evictable(s, 0, 0), 503, "Service Unavailable", "Retry-After: 1\r\n");
			c = free_slot(s);
		}
		c->fd = fd;
		c->client = client;
		c->reqlen = 0;
		c->writing = 0;
		c->since = now_ns();
		c->deadline = c->since + SERVE_HEAD_NS;
		conn_read(s, c);          /* the request is often here already */
	}
}

size_t
serve_pollfds(struct serve *s, struct pollfd *fds)
{
	size_t i, n = 0, busy = 0;

	for (i = 0; i < SERVE_MAX_CONNS; i++) {
		if (s->conns[i].fd < 0)
			continue;
		busy++;
		fds[n].fd = s->conns[i].fd;
		fds[n].events = s->conns[i].writing ? POLLOUT : POLLIN;
		fds[n].revents = 0;
		s->slot[n++] = (int)i;
	}
	if (busy < SERVE_MAX_CONNS || evictable(s, 0, 0)) {
		fds[n].fd = s->lfd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		s->slot[n++] = -1;
	}
	return n;
}

void
serve_handle(struct serve *s, const struct pollfd *fds, size_t n)
{
	uint64_t now = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		struct serve_conn *c;

		if (s->slot[i] < 0) {
			if (fds[i].revents & POLLIN)
				accept_all(s);
			continue;
		}
		c = &s->conns[s->slot[i]];
		if (c->fd != fds[i].fd)
			continue;
		if (fds[i].revents & (POLLERR | POLLNVAL)) {
			conn_close(c);
		} else if (c->writing && (fds[i].revents & (POLLOUT | POLLHUP))) {
			conn_write(c);
		} else if (!c->writing && (fds[i].revents & (POLLIN | POLLHUP))) {
			conn_read(s, c);
		}
	}
	for (i = 0; i < SERVE_MAX_CONNS; i++) {
		if (s->conns[i].fd < 0 || s->conns[i].deadline > now)
			continue;
		if (s->conns[i].writing)
			conn_close(&s->conns[i]);
		else
			conn_give_up(&s->conns[i], 408, "Request Timeout", NULL);
	}
}

int
serve_timeout(const struct serve *s)
{
	uint64_t now = now_ns(), first = UINT64_MAX;
	size_t i;

	for (i = 0; i < SERVE_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0 && s->conns[i].deadline < first)
			first = s->conns[i].deadline;
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)((first - now) / 1000000 + 1);
}

void
serve_close(struct serve *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < SERVE_MAX_CONNS; i++)
		conn_close(&s->conns[i]);
	close(s->lfd);
	free(s->root);
	free(s);
}
