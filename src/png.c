/* png.c - PNG encode/decode via libpng, with metadata text chunks
 *
 * The only file that includes <png.h>.  libpng reports errors by calling
 * our error function, which longjmps back; every function that calls
 * setjmp keeps its mutable state in a struct owned by its caller, so
 * nothing it needs after the jump is an indeterminate automatic variable.
 *
 * Encoding: libpng writes the signature, IHDR, the text chunks and the
 * chunk framing; the image data (filtering and the zlib stream in IDAT)
 * is made here with zlib directly, in pieces that several threads can
 * deflate at once (compress_image, on pool_run()).
 *
 * Text chunks are not left to libpng on decode: both pngio_decode and
 * pngio_read_meta collect them with scan_text(), a small chunk walker, so
 * the two always agree and the memory they may take is capped here.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "os.h"
#include "png.h"
#include "pool.h"
#include "util.h"

/* Decode caps, checked on the IHDR before any pixel memory is allocated:
 * sides up to IMAGE_MAX_OUT and at most 2^28 pixels (1 GiB as RGBA; the
 * same as IMAGE_MAX_OUT squared today, but kept if that grows). */
#define PNGIO_MAX_PIXELS ((uint64_t)1 << 28)
/* Deflate expands at most 1032:1 (zlib's documented bound): IDAT data
 * shorter than the image's raw bytes over that is truncated, and is
 * refused before the raster is allocated (a 65-byte file must not cost
 * a gigabyte). */
#define PNGIO_DEFLATE_MAX_RATIO 1032
/* Ancillary chunks libpng keeps (iCCP, sPLT, unknown): size and count. */
#define PNGIO_CHUNK_MALLOC_MAX (8u << 20)
#define PNGIO_CHUNK_CACHE_MAX 256
/* Text: one value (after inflating), all values together, and count. */
#define PNGIO_TEXT_MAX ((size_t)8 << 20)
#define PNGIO_META_MAX ((size_t)32 << 20)
#define PNGIO_META_ENTRIES 1000

#define XMP_KEY "XML:com.adobe.xmp"

static const unsigned char png_signature[8] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

/* ---- meta ---- */

void
meta_add(struct meta *m, const char *key, const char *value)
{
	struct meta_entry *e;

	m->entries = xgrow(m->entries, &m->cap, m->n + 1, sizeof(*m->entries));
	e = &m->entries[m->n++];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
}

const char *
meta_get(const struct meta *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->entries[i].key, key) == 0)
			return m->entries[i].value;
	return NULL;
}

void
meta_release(struct meta *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->entries[i].key);
		free(m->entries[i].value);
	}
	free(m->entries);
	m->entries = NULL;
	m->n = m->cap = 0;
}

/* Move src's entries to the end of dst; src is left empty. */
static void
meta_move(struct meta *dst, struct meta *src)
{
	size_t i;

	dst->entries = xgrow(dst->entries, &dst->cap, dst->n + src->n,
			     sizeof(*dst->entries));
	for (i = 0; i < src->n; i++)
		dst->entries[dst->n++] = src->entries[i];
	free(src->entries);
	src->entries = NULL;
	src->n = src->cap = 0;
}

/* ---- text helpers ---- */

/* PNG keyword rules: 1..79 Latin-1 printable characters (32..126,
 * 161..255), no leading, trailing or consecutive spaces. */
static int
keyword_ok(const char *k, size_t n)
{
	size_t i;

	if (n < 1 || n > 79 || k[0] == ' ' || k[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)k[i];

		if (!((c >= 32 && c <= 126) || c >= 161))
			return 0;
		if (c == ' ' && k[i + 1] == ' ')
			return 0;
	}
	return 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if (!(k = utf8_seq(p + i, n - i)))
			return 0;
		i += k;
	}
	return 1;
}

/* Printable ASCII plus newline: safe in tEXt whatever Latin-1 means. */
static int
plain_ascii(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 32 && *s <= 126) || *s == '\n'))
			return 0;
	return 1;
}

/* Latin-1 (tEXt, zTXt) to a malloc'd UTF-8 string; stops at a NUL. */
static char *
latin1_to_utf8(const unsigned char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		if (s[i] < 0x80) {
			buf_putc(&b, s[i]);
		} else {
			buf_putc(&b, 0xc0 | s[i] >> 6);
			buf_putc(&b, 0x80 | (s[i] & 0x3f));
		}
	}
	return buf_detach(&b, NULL);
}

/* UTF-8 (iTXt) to a malloc'd string with invalid bytes replaced by U+FFFD;
 * stops at a NUL. */
static char *
utf8_clean(const unsigned char *s, size_t n)
{
	struct buf b = BUF_INIT;
	const unsigned char *nul = memchr(s, 0, n);
	size_t i = 0, k;

	if (nul)
		n = (size_t)(nul - s);
	while (i < n) {
		if ((k = utf8_seq(s + i, n - i))) {
			buf_put(&b, s + i, k);
			i += k;
		} else {
			buf_put(&b, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	return buf_detach(&b, NULL);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 0 if data starts with the PNG signature, else -1 with *err set.  A
 * proper prefix of the signature (an empty file too) is "truncated". */
static int
check_signature(const unsigned char *p, size_t len, char **err)
{
	if (len >= 8 && memcmp(p, png_signature, 8) == 0)
		return 0;
	if (len < 8 && (len == 0 || memcmp(p, png_signature, len) == 0))
		*err = xstrdup("truncated");
	else
		*err = xstrdup("not a PNG");
	return -1;
}

/* Inflate a zlib stream into a malloc'd NUL-terminated string of at most
 * max bytes; NULL when the stream is bad, incomplete or too big. */
static char *
inflate_capped(const unsigned char *p, size_t n, size_t max, size_t *outlen)
{
	unsigned char chunk[16384];
	struct buf b;
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return NULL;
	buf_init(&b, max);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;           /* chunks are < 2^31 bytes */
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END)
			break;
		if (buf_put(&b, chunk, sizeof(chunk) - z.avail_out) < 0) {
			r = Z_MEM_ERROR;
			break;
		}
		if (r == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			r = Z_DATA_ERROR;       /* stream ends early */
			break;
		}
	} while (r != Z_STREAM_END);
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, outlen);
}

/* Decode one tEXt, zTXt or iTXt chunk body.  Returns the value (malloc'd,
 * UTF-8) and points *key at the keyword (malloc'd), or NULL for a chunk
 * to skip: bad keyword, bad compression, value over the cap. */
static char *
text_chunk(const unsigned char *type, const unsigned char *d, size_t n, char **key)
{
	const unsigned char *nul = memchr(d, 0, n < 80 ? n : 80), *p, *end = d + n;
	char *raw, *val;
	size_t rawlen;

	*key = NULL;
	if (!nul || !keyword_ok((const char *)d, (size_t)(nul - d)))
		return NULL;
	p = nul + 1;
	if (memcmp(type, "tEXt", 4) == 0) {
		if ((size_t)(end - p) > PNGIO_TEXT_MAX)
			return NULL;
		val = latin1_to_utf8(p, (size_t)(end - p));
	} else if (memcmp(type, "zTXt", 4) == 0) {
		if (p == end || *p != 0)
			return NULL;
		p++;
		if (!(raw = inflate_capped(p, (size_t)(end - p), PNGIO_TEXT_MAX, &rawlen)))
			return NULL;
		val = latin1_to_utf8((unsigned char *)raw, rawlen);
		free(raw);
	} else {
		int compressed;

		/* flag, method, language tag NUL, translated keyword NUL */
		if (end - p < 2 || p[0] > 1 || p[1] != 0)
			return NULL;
		compressed = p[0];
		p += 2;
		if (!(p = memchr(p, 0, (size_t)(end - p))))
			return NULL;
		p++;
		if (!(p = memchr(p, 0, (size_t)(end - p))))
			return NULL;
		p++;
		if (compressed) {
			raw = inflate_capped(p, (size_t)(end - p), PNGIO_TEXT_MAX, &rawlen);
			if (!raw)
				return NULL;
			val = utf8_clean((unsigned char *)raw, rawlen);
			free(raw);
		} else {
			if ((size_t)(end - p) > PNGIO_TEXT_MAX)
				return NULL;
			val = utf8_clean(p, (size_t)(end - p));
		}
	}
	*key = xstrndup((const char *)d, (size_t)(nul - d));
	return val;
}

/* Walk the chunks from the signature to IEND, verifying every CRC, and
 * append the text chunks to m.  Returns 0, or -1 with *err set (m may then
 * hold some entries; the caller discards them). */
static int
scan_text(const unsigned char *p, size_t len, struct meta *m, char **err)
{
	size_t pos = 8, total = 0;
	int first = 1;

	if (check_signature(p, len, err) < 0)
		return -1;
	for (;;) {
		const unsigned char *type;
		uint32_t clen;
		int i;

		if (len - pos < 8)
			goto truncated;
		clen = be32(p + pos);
		type = p + pos + 4;
		if (clen > 0x7fffffffu) {
			*err = xstrdup("bad chunk length");
			return -1;
		}
		for (i = 0; i < 4; i++) {
			unsigned c = type[i] | 0x20;

			if (c < 'a' || c > 'z') {
				*err = xstrdup("bad chunk type");
				return -1;
			}
		}
		if (len - pos - 8 < (size_t)clen + 4)
			goto truncated;
		if (crc32(crc32(0, NULL, 0), type, clen + 4) != be32(type + 4 + clen)) {
			*err = xasprintf("CRC error in %.4s chunk", (const char *)type);
			return -1;
		}
		if (first && memcmp(type, "IHDR", 4) != 0) {
			*err = xstrdup("missing IHDR");
			return -1;
		}
		first = 0;
		if (memcmp(type, "IEND", 4) == 0)
			return 0;
		if (memcmp(type, "tEXt", 4) == 0 || memcmp(type, "zTXt", 4) == 0 ||
		    memcmp(type, "iTXt", 4) == 0) {
			char *key, *val;

			/* Over the caps, further text is dropped, as libpng does. */
			if (m->n < PNGIO_META_ENTRIES &&
			    (val = text_chunk(type, type + 4, clen, &key))) {
				size_t sz = strlen(key) + strlen(val);

				if (total + sz <= PNGIO_META_MAX) {
					total += sz;
					m->entries = xgrow(m->entries, &m->cap, m->n + 1,
							   sizeof(*m->entries));
					m->entries[m->n].key = key;
					m->entries[m->n++].value = val;
				} else {
					free(key);
					free(val);
				}
			}
		}
		pos += 12 + (size_t)clen;
	}
truncated:
	*err = xstrdup("truncated");
	return -1;
}

int
pngio_read_meta(const void *data, size_t len, struct meta *meta, char **err)
{
	struct meta tmp = {0};

	if (scan_text(data, len, &tmp, err) < 0) {
		meta_release(&tmp);
		return -1;
	}
	meta_move(meta, &tmp);
	return 0;
}

/* ---- libpng glue ---- */

struct pngctx {
	png_structp png;
	png_infop info;
	char msg[200];                  /* the first error libpng reported */
	/* encode */
	const struct image *img;
	png_textp text;
	int ntext;
	const struct pngio_opts *opts;
	struct buf z;                   /* the zlib stream for IDAT */
	struct buf *out;
	/* decode */
	const unsigned char *data;
	size_t len, pos;
	struct image *dst;
	png_bytepp rows;
};

static void
on_error(png_structp png, png_const_charp msg)
{
	struct pngctx *c = png_get_error_ptr(png);

	if (!c->msg[0]) {
		size_t n = strlen(msg);

		if (n >= sizeof(c->msg))
			n = sizeof(c->msg) - 1;
		memcpy(c->msg, msg, n);
		c->msg[n] = '\0';
	}
	png_longjmp(png, 1);
}

static void
on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
write_data(png_structp png, png_bytep data, size_t n)
{
	struct pngctx *c = png_get_io_ptr(png);

	if (buf_put(c->out, data, n) < 0)
		png_error(png, "output too large");
}

static void
flush_data(png_structp png)
{
	(void)png;
}

static void
read_data(png_structp png, png_bytep out, size_t n)
{
	struct pngctx *c = png_get_io_ptr(png);

	if (n > c->len - c->pos)
		png_error(png, "truncated");
	memcpy(out, c->data + c->pos, n);
	c->pos += n;
}

/* ---- image data: filtering and deflate in pieces ---- */

#define PNGIO_PIECE ((size_t)256 << 10) /* filtered bytes a piece, about */
#define PNGIO_WINDOW ((size_t)32768)    /* deflate's window: the dictionary */
#define PNGIO_IDAT_MAX ((size_t)256 << 10)
#define PNGIO_MAX_THREADS POOL_MAX_THREADS

static const char *const filter_names[] = {
	"none", "sub", "up", "avg", "paeth", "adaptive",
};

int
pngio_filter_parse(const char *name, enum pngio_filter *out)
{
	size_t i;

	for (i = 0; i < sizeof(filter_names) / sizeof(filter_names[0]); i++) {
		if (strcmp(name, filter_names[i]) == 0) {
			*out = (enum pngio_filter)i;
			return 0;
		}
	}
	return -1;
}

const char *
pngio_filter_name(enum pngio_filter f)
{
	return (unsigned)f < sizeof(filter_names) / sizeof(filter_names[0]) ? filter_names[f] : "?";
}

/* The Paeth predictor of a (left), b (up), c (up-left): the one nearest
 * p = a + b - c, with |p - a| = |b - c|, |p - b| = |a - c|. */
static unsigned char
paeth(int a, int b, int c)
{
	int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);

	if (pa <= pb && pa <= pc)
		return (unsigned char)a;
	return (unsigned char)(pb <= pc ? b : c);
}

/* Filter one row of n bytes (bpp per pixel) with PNG filter type t into
 * dst; prev is the row above (zeros for the first row). */
static void
filter_row(int t, const unsigned char *restrict row, const unsigned char *restrict prev,
	   size_t n, size_t bpp, unsigned char *restrict dst)
{
	size_t i;

	switch (t) {
	case PNGIO_FILTER_NONE:
		memcpy(dst, row, n);
		break;
	case PNGIO_FILTER_SUB:
		memcpy(dst, row, bpp);
		for (i = bpp; i < n; i++)
			dst[i] = (unsigned char)(row[i] - row[i - bpp]);
		break;
	case PNGIO_FILTER_UP:
		for (i = 0; i < n; i++)
			dst[i] = (unsigned char)(row[i] - prev[i]);
		break;
	case PNGIO_FILTER_AVG:
		for (i = 0; i < bpp; i++)
			dst[i] = (unsigned char)(row[i] - (prev[i] >> 1));
		for (; i < n; i++)
			dst[i] = (unsigned char)(row[i] - ((row[i - bpp] + prev[i]) >> 1));
		break;
	default:
		for (i = 0; i < bpp; i++)
			dst[i] = (unsigned char)(row[i] - prev[i]);
		for (; i < n; i++)
			dst[i] = (unsigned char)(row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]));
		break;
	}
}

/* Sum of the bytes as signed values, in absolute value: libpng's measure
 * of how well a filtered row will compress (smaller is better). */
static uint64_t
row_cost(const unsigned char *p, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += p[i] < 128 ? p[i] : 256 - p[i];
	return s;
}

struct piece {
	unsigned char *out;     /* raw deflate data, ending byte-aligned */
	size_t len;
	uLong adler;            /* of this piece's filtered bytes */
	size_t nin;             /* filtered bytes */
	int failed;
};

struct deflater {
	const struct image *img;
	int level, strategy;
	enum pngio_filter filter;
	size_t stride;          /* bytes of pixels in a row */
	uint32_t rows;          /* rows a piece */
	size_t npieces;
	struct piece *pieces;
	struct scratch *scratch;        /* one per pool worker */
};

/* A worker's buffers, made at its first piece and kept for the rest. */
struct scratch {
	unsigned char *buf;     /* the rows of a piece and its dictionary, filtered */
	unsigned char *tmp;     /* the adaptive filter's trials */
	unsigned char *zero;    /* the row above the first */
};

/* Filter rows [y0, y1) into dst (each row: its filter type, then bytes);
 * tmp holds 4 * stride bytes for the adaptive trials. */
static void
filter_rows(const struct deflater *d, uint32_t y0, uint32_t y1, unsigned char *dst,
	    unsigned char *tmp, const unsigned char *zero)
{
	const struct image *img = d->img;
	size_t n = d->stride, bpp = img->channels;
	uint32_t y;

	for (y = y0; y < y1; y++, dst += n + 1) {
		const unsigned char *row = img->px + (size_t)y * n;
		const unsigned char *prev = y ? row - n : zero;
		int t = (int)d->filter, k;

		if (d->filter == PNGIO_FILTER_ADAPTIVE) {
			uint64_t best, c;

			/* none: the row itself; the others into tmp */
			best = row_cost(row, n);
			t = PNGIO_FILTER_NONE;
			for (k = PNGIO_FILTER_SUB; k <= PNGIO_FILTER_PAETH; k++) {
				unsigned char *f = tmp + (size_t)(k - 1) * n;

				filter_row(k, row, prev, n, bpp, f);
				if ((c = row_cost(f, n)) < best) {
					best = c;
					t = k;
				}
			}
			dst[0] = (unsigned char)t;
			if (t == PNGIO_FILTER_NONE)
				memcpy(dst + 1, row, n);
			else
				memcpy(dst + 1, tmp + (size_t)(t - 1) * n, n);
			continue;
		}
		dst[0] = (unsigned char)t;
		filter_row(t, row, prev, n, bpp, dst + 1);
	}
}

/* Filter and deflate piece k: rows [k * rows, (k + 1) * rows).  The rows
 * just before it are filtered again here for the dictionary, so pieces
 * need nothing from each other. */
static void
deflate_piece(const struct deflater *d, size_t k, unsigned char *buf, unsigned char *tmp,
	      const unsigned char *zero)
{
	struct piece *p = &d->pieces[k];
	size_t rowlen = d->stride + 1, dict = 0, cap;
	uint32_t y0 = (uint32_t)(k * d->rows), y1 = y0 + d->rows, yd = y0;
	unsigned char *in;
	int last = k + 1 == d->npieces, r;
	z_stream z;

	if (y1 > d->img->height)
		y1 = d->img->height;
	if (k) {
		uint32_t back = (uint32_t)((PNGIO_WINDOW + rowlen - 1) / rowlen);

		yd = y0 > back ? y0 - back : 0;
		dict = (size_t)(y0 - yd) * rowlen;
	}
	filter_rows(d, yd, y1, buf, tmp, zero);
	in = buf + dict;
	p->nin = (size_t)(y1 - y0) * rowlen;
	p->adler = adler32(adler32(0, NULL, 0), in, (uInt)p->nin);
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, d->level, Z_DEFLATED, -15, 8, d->strategy) != Z_OK) {
		p->failed = 1;
		return;
	}
	if (dict > PNGIO_WINDOW) {
		in -= PNGIO_WINDOW;
		dict = PNGIO_WINDOW;
	} else {
		in -= dict;
	}
	if (dict && deflateSetDictionary(&z, in, (uInt)dict) != Z_OK) {
		p->failed = 1;
		deflateEnd(&z);
		return;
	}
	cap = deflateBound(&z, p->nin) + 64;
	p->out = xmalloc(cap);
	z.next_in = in + dict;
	z.avail_in = (uInt)p->nin;
	z.next_out = p->out;
	z.avail_out = (uInt)cap;
	/* Until done: Z_STREAM_END, or for a sync flush, all input taken and
	 * room left over (then the flush is complete). */
	while (!p->failed) {
		r = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
		if (last ? r == Z_STREAM_END
			 : (r == Z_OK || r == Z_BUF_ERROR) && z.avail_in == 0 && z.avail_out > 0)
			break;
		if ((r != Z_OK && r != Z_BUF_ERROR) || z.avail_out > 0) {
			p->failed = 1;
		} else {
			size_t used = cap - z.avail_out;

			cap *= 2;
			p->out = xreallocarray(p->out, cap, 1);
			z.next_out = p->out + used;
			z.avail_out = (uInt)(cap - used);
		}
	}
	if (!p->failed)
		p->len = (size_t)(z.next_out - p->out);
	deflateEnd(&z);
}

/* pool_fn: piece k, in the worker's scratch. */
static void
deflate_job(void *arg, size_t k, int worker)
{
	struct deflater *d = arg;
	struct scratch *sc = &d->scratch[worker];

	if (!sc->buf) {
		size_t rowlen = d->stride + 1, back = (PNGIO_WINDOW + rowlen - 1) / rowlen;

		sc->buf = xmalloc(((size_t)d->rows + back) * rowlen);
		sc->tmp = d->filter == PNGIO_FILTER_ADAPTIVE ? xmalloc(4 * d->stride) : NULL;
		sc->zero = xcalloc(d->stride, 1);
	}
	deflate_piece(d, k, sc->buf, sc->tmp, sc->zero);
}

static int
online_cpus(void)
{
	int n = os_cpus();

	return n > PNGIO_MAX_THREADS ? PNGIO_MAX_THREADS : n;
}

/* The zlib stream of img's filtered rows into z.  Returns 0 or -1. */
static int
compress_image(const struct image *img, const struct pngio_opts *o, struct buf *z)
{
	struct deflater d;
	struct scratch scratch[PNGIO_MAX_THREADS];
	unsigned char hdr[2], tail[4];
	size_t k, rowlen;
	uLong adler = adler32(0, NULL, 0);
	int nthreads = o->threads > 0 ? o->threads : online_cpus(), t, rc = 0, flags;

	memset(&d, 0, sizeof(d));
	d.img = img;
	d.level = o->level;
	d.filter = o->filter;
	/* as libpng: Z_FILTERED for filtered rows */
	d.strategy = o->filter == PNGIO_FILTER_NONE ? Z_DEFAULT_STRATEGY : Z_FILTERED;
	d.stride = (size_t)img->width * img->channels;
	rowlen = d.stride + 1;
	d.rows = (uint32_t)(PNGIO_PIECE / rowlen > 0 ? PNGIO_PIECE / rowlen : 1);
	if (d.rows > img->height)
		d.rows = img->height;
	d.npieces = (img->height + d.rows - 1) / d.rows;
	d.pieces = xcalloc(d.npieces, sizeof(*d.pieces));
	if (nthreads > PNGIO_MAX_THREADS)
		nthreads = PNGIO_MAX_THREADS;
	if ((size_t)nthreads > d.npieces)
		nthreads = (int)d.npieces;
	memset(scratch, 0, (size_t)nthreads * sizeof(*scratch));
	d.scratch = scratch;
	pool_run(nthreads, d.npieces, deflate_job, &d);
	for (t = 0; t < nthreads; t++) {
		free(scratch[t].buf);
		free(scratch[t].tmp);
		free(scratch[t].zero);
	}

	/* zlib header: 32 KiB window, deflate; FLEVEL as zlib sets it */
	flags = o->level < 2 ? 0 : o->level < 6 ? 1 : o->level == 6 ? 2 : 3;
	hdr[0] = 0x78;
	hdr[1] = (unsigned char)(flags << 6);
	hdr[1] |= (unsigned char)(31 - (hdr[0] * 256u + hdr[1]) % 31);
	if (buf_put(z, hdr, 2) < 0)
		rc = -1;
	for (k = 0; k < d.npieces; k++) {
		struct piece *p = &d.pieces[k];

		if (rc == 0 && (p->failed || buf_put(z, p->out, p->len) < 0))
			rc = -1;
		adler = adler32_combine(adler, p->adler, (z_off_t)p->nin);
		free(p->out);
	}
	free(d.pieces);
	tail[0] = (unsigned char)(adler >> 24);
	tail[1] = (unsigned char)(adler >> 16);
	tail[2] = (unsigned char)(adler >> 8);
	tail[3] = (unsigned char)adler;
	if (rc == 0 && buf_put(z, tail, 4) < 0)
		rc = -1;
	return rc;
}

static int
encode_run(struct pngctx *c)
{
	const struct image *img = c->img;
	size_t pos;

	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	png_set_write_fn(c->png, c, write_data, flush_data);
	png_set_IHDR(c->png, c->info, img->width, img->height, 8,
		     img->channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	if (c->ntext)
		png_set_text(c->png, c->info, c->text, c->ntext);
	png_write_info(c->png, c->info);
	/* libpng writes the signature, IHDR and text; the image data is ours */
	if (compress_image(img, c->opts, &c->z) < 0)
		png_error(c->png, "compression failed");
	for (pos = 0; pos < c->z.len; pos += PNGIO_IDAT_MAX)
		png_write_chunk(c->png, (png_const_bytep)"IDAT", (png_const_bytep)c->z.data + pos,
				c->z.len - pos < PNGIO_IDAT_MAX ? c->z.len - pos : PNGIO_IDAT_MAX);
	png_write_chunk(c->png, (png_const_bytep)"IEND", NULL, 0);
	return 0;
}

int
pngio_encode(const struct image *img, const struct meta *meta, int level,
	     struct buf *out, char **err)
{
	struct pngio_opts o = { level, PNGIO_FILTER_DEFAULT, 1 };

	return pngio_encode_opts(img, meta, &o, out, err);
}

int
pngio_encode_opts(const struct image *img, const struct meta *meta,
		  const struct pngio_opts *o, struct buf *out, char **err)
{
	static const struct pngio_opts defaults = { PNGIO_LEVEL_DEFAULT, PNGIO_FILTER_DEFAULT, 1 };
	struct pngctx c;
	size_t i, n = meta ? meta->n : 0, orig = out->len;
	int r;

	if (!img->px || img->width < 1 || img->height < 1 ||
	    img->width > IMAGE_MAX_OUT || img->height > IMAGE_MAX_OUT ||
	    (img->channels != 3 && img->channels != 4)) {
		*err = xstrdup("bad image for PNG");
		return -1;
	}
	if (!o)
		o = &defaults;
	if (o->level < 0 || o->level > 9) {
		*err = xasprintf("bad compression level %d", o->level);
		return -1;
	}
	if ((unsigned)o->filter > PNGIO_FILTER_ADAPTIVE) {
		*err = xasprintf("bad PNG filter %d", (int)o->filter);
		return -1;
	}
	if (n > INT_MAX) {
		*err = xstrdup("too many text chunks");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	for (i = 0; i < n; i++) {
		const struct meta_entry *e = &meta->entries[i];

		if (!keyword_ok(e->key, strlen(e->key))) {
			*err = xasprintf("bad PNG text key '%s'", e->key);
			return -1;
		}
		if (!utf8_ok(e->value)) {
			*err = xasprintf("text for key '%s' is not UTF-8", e->key);
			return -1;
		}
	}
	if (n) {
		c.text = xcalloc(n, sizeof(*c.text));
		for (i = 0; i < n; i++) {
			const struct meta_entry *e = &meta->entries[i];
			png_textp t = &c.text[i];

			t->key = e->key;
			t->text = e->value;
			t->compression = PNG_ITXT_COMPRESSION_NONE;
			if (strcmp(e->key, XMP_KEY) != 0 && plain_ascii(e->key) &&
			    plain_ascii(e->value))
				t->compression = PNG_TEXT_COMPRESSION_NONE;
		}
	}
	c.img = img;
	c.ntext = (int)n;
	c.opts = o;
	c.out = out;
	c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
	if (c.png)
		c.info = png_create_info_struct(c.png);
	if (!c.png || !c.info) {
		snprintf(c.msg, sizeof(c.msg), "out of memory");
		r = -1;
	} else {
		r = encode_run(&c);
	}
	png_destroy_write_struct(&c.png, &c.info);
	buf_release(&c.z);
	free(c.text);
	if (r < 0) {
		out->len = orig;
		if (out->data)
			out->data[orig] = '\0';
		*err = xstrdup(c.msg[0] ? c.msg : "PNG encoding failed");
	}
	return r;
}

/* The bytes of every IDAT chunk in the file (chunk lengths only; libpng
 * checks the rest). */
static uint64_t
idat_bytes(const unsigned char *p, size_t len)
{
	uint64_t total = 0;
	size_t pos = 8;

	while (len - pos >= 12) {
		uint32_t n = (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 |
			     (uint32_t)p[pos + 2] << 8 | p[pos + 3];

		if (memcmp(p + pos + 4, "IDAT", 4) == 0)
			total += n;
		if (n > len - pos - 12)
			break;
		pos += 12 + (size_t)n;
	}
	return total;
}

static int
decode_run(struct pngctx *c)
{
#ifdef PNG_SET_UNKNOWN_CHUNKS_SUPPORTED
	static const png_byte text_chunks[] = "tEXt\0zTXt\0iTXt";
#endif
	png_uint_32 w, h, y;
	int depth, ctype;
	size_t stride;

	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	png_set_read_fn(c->png, c, read_data);
	png_set_sig_bytes(c->png, 8);
	c->pos = 8;
	/* Dimensions are checked below, with our message. */
	png_set_user_limits(c->png, 0x7fffffff, 0x7fffffff);
	png_set_chunk_malloc_max(c->png, PNGIO_CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(c->png, PNGIO_CHUNK_CACHE_MAX);
	png_set_crc_action(c->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
#ifdef PNG_SET_UNKNOWN_CHUNKS_SUPPORTED
	/* scan_text() reads text; libpng only checks those chunks' CRCs. */
	png_set_keep_unknown_chunks(c->png, PNG_HANDLE_CHUNK_NEVER, text_chunks, 3);
#endif
	png_read_info(c->png, c->info);
	png_get_IHDR(c->png, c->info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
	if (w > IMAGE_MAX_OUT || h > IMAGE_MAX_OUT || (uint64_t)w * h > PNGIO_MAX_PIXELS)
		png_error(c->png, "image too large");
	/* the filtered scanlines hold at least w * h * bits / 8 bytes */
	if (idat_bytes(c->data, c->len) * PNGIO_DEFLATE_MAX_RATIO + 4096 <
	    (uint64_t)w * h * depth * png_get_channels(c->png, c->info) / 8)
		png_error(c->png, "truncated image data");
	png_set_expand(c->png);         /* palette, grey < 8 bits, tRNS */
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
	png_set_scale_16(c->png);       /* rounds; strip_16 truncates */
#else
	png_set_strip_16(c->png);
#endif
	png_set_gray_to_rgb(c->png);
	png_set_interlace_handling(c->png);
	png_read_update_info(c->png, c->info);
	if (png_get_bit_depth(c->png, c->info) != 8 ||
	    (png_get_channels(c->png, c->info) != 3 && png_get_channels(c->png, c->info) != 4))
		png_error(c->png, "unsupported PNG format");
	if (image_alloc(c->dst, w, h, png_get_channels(c->png, c->info)) < 0)
		png_error(c->png, "image too large");
	stride = (size_t)w * c->dst->channels;
	if (png_get_rowbytes(c->png, c->info) != stride)
		png_error(c->png, "unsupported PNG format");
	c->rows = xcalloc(h, sizeof(*c->rows));
	for (y = 0; y < h; y++)
		c->rows[y] = c->dst->px + y * stride;
	png_read_image(c->png, c->rows);
	png_read_end(c->png, NULL);     /* to IEND: CRCs, truncation */
	return 0;
}

int
pngio_decode(const void *data, size_t len, struct image *img,
	     struct meta *meta, char **err)
{
	struct pngctx c;
	struct meta tmp = {0};
	int r;

	img->px = NULL;
	img->width = img->height = img->channels = 0;
	if (check_signature(data, len, err) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.data = data;
	c.len = len;
	c.dst = img;
	c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
	if (c.png)
		c.info = png_create_info_struct(c.png);
	if (!c.png || !c.info) {
		snprintf(c.msg, sizeof(c.msg), "out of memory");
		r = -1;
	} else {
		r = decode_run(&c);
	}
	png_destroy_read_struct(&c.png, &c.info, NULL);
	free(c.rows);
	if (r < 0) {
		image_release(img);
		*err = xstrdup(c.msg[0] ? c.msg : "PNG decoding failed");
		return -1;
	}
	if (meta) {
		if (scan_text(data, len, &tmp, err) < 0) {
			meta_release(&tmp);
			image_release(img);
			return -1;
		}
		meta_move(meta, &tmp);
	}
	return 0;
}

static char png_version[48];
static pthread_once_t png_version_once = PTHREAD_ONCE_INIT;

static void
png_version_init(void)
{
	snprintf(png_version, sizeof(png_version), "libpng %s", png_get_libpng_ver(NULL));
}

const char *
pngio_version(void)
{
	pthread_once(&png_version_once, png_version_init);
	return png_version;
}

static char zlib_ver[48];
static pthread_once_t zlib_version_once = PTHREAD_ONCE_INIT;

static void
zlib_version_init(void)
{
	snprintf(zlib_ver, sizeof(zlib_ver), "zlib %s", zlibVersion());
}

const char *
pngio_zlib_version(void)
{
	pthread_once(&zlib_version_once, zlib_version_init);
	return zlib_ver;
}
