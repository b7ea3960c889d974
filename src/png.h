/* png.h - PNG encode/decode via libpng, with metadata text chunks
 *
 * png.c is the only file that includes libpng's <png.h>.  Encoding is
 * deterministic: no tIME chunk, the zlib level and filter given, text
 * chunks in the order given.  Decoding accepts any PNG (palette, grey, 16-bit,
 * interlaced) and returns 8-bit RGB or RGBA; it rejects truncated or
 * corrupt data and oversized images without crashing or leaking.
 */
#ifndef PNGIO_H
#define PNGIO_H

#include <stddef.h>

#include "buf.h"
#include "image.h"

struct meta_entry {
	char *key;      /* 1..79 Latin-1 printable characters (PNG keyword rules) */
	char *value;    /* UTF-8 */
};

struct meta {
	struct meta_entry *entries;
	size_t n;
	size_t cap;
};

/* Append (copies key and value).  Order is kept. */
void meta_add(struct meta *m, const char *key, const char *value);
/* First value for key, or NULL. */
const char *meta_get(const struct meta *m, const char *key);
void meta_release(struct meta *m);

/* Row filters: the first five are PNG filter types 0-4 (every row gets
 * that one); adaptive picks per row the filter whose output has the
 * smallest sum of absolute values (as signed bytes), libpng's heuristic. */
enum pngio_filter {
	PNGIO_FILTER_NONE,
	PNGIO_FILTER_SUB,
	PNGIO_FILTER_UP,
	PNGIO_FILTER_AVG,
	PNGIO_FILTER_PAETH,
	PNGIO_FILTER_ADAPTIVE,
};

/* The defaults, chosen with bench/png.sh (see bench/RESULTS.md): zlib
 * level 3 with the Sub filter.  Compression was 87% of the built-in
 * model's time and 73% of an upscale's at level 6. */
#define PNGIO_LEVEL_DEFAULT 3
#define PNGIO_FILTER_DEFAULT PNGIO_FILTER_SUB

struct pngio_opts {
	int level;                      /* zlib level 0-9 */
	enum pngio_filter filter;
	int threads;                    /* deflate threads; <= 0: online CPUs */
};

/* "none" | "sub" | "up" | "avg" | "paeth" | "adaptive"; -1 if unknown. */
int pngio_filter_parse(const char *name, enum pngio_filter *out);
const char *pngio_filter_name(enum pngio_filter f);

/* Encode img with meta (may be NULL) as text chunks: tEXt when the value is
 * plain ASCII, iTXt (uncompressed, UTF-8) otherwise; the key
 * "XML:com.adobe.xmp" always goes in iTXt.  Appends to out.  Returns 0, or
 * -1 with *err set (malloc'd) on failure.
 *
 * The image data is one standard zlib stream, compressed the way pigz
 * does it: the filtered rows are cut into pieces of about 256 KiB at fixed
 * row boundaries (they depend on the image's size only), each piece is
 * deflated on its own, primed with the 32 KiB before it as a dictionary,
 * and ends byte-aligned with an empty stored block; the Adler-32 of the
 * whole comes from the pieces' with adler32_combine.  So the pieces can
 * be compressed on several threads, and the bytes do not depend on how
 * many: same image, meta and opts, same bytes.  o NULL: the defaults on
 * one thread. */
int pngio_encode_opts(const struct image *img, const struct meta *meta,
		      const struct pngio_opts *o, struct buf *out, char **err);

/* pngio_encode_opts with the default filter on one thread. */
int pngio_encode(const struct image *img, const struct meta *meta, int level,
		 struct buf *out, char **err);

/* Decode; meta may be NULL.  Text chunks (tEXt, zTXt, iTXt) go into meta.
 * Returns 0, or -1 with *err set (malloc'd): "truncated", "not a PNG",
 * "image too large", ... */
int pngio_decode(const void *data, size_t len, struct image *img,
		 struct meta *meta, char **err);

/* Read only the text chunks (no pixel decoding) - cheap. */
int pngio_read_meta(const void *data, size_t len, struct meta *meta, char **err);

/* "libpng 1.6.39": the library in use, for cache keys. */
const char *pngio_version(void);
/* "zlib 1.2.13": the deflate in use, for cache keys (another zlib may
 * deflate the same rows into other bytes). */
const char *pngio_zlib_version(void);

/* The layout of the image data described at pngio_encode_opts: the size
 * of a piece, the dictionary, the stored block that ends each.  It names
 * the bytes the encoder makes, so it is part of the encode stage's key
 * (key_encode); change it whenever the layout changes. */
#define PNGIO_LAYOUT "pieces=256KiB dict=32KiB sync-flush adler32-combine v1"

#endif
