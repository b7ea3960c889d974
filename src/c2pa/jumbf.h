/* c2pa/jumbf.h - JUMBF boxes (ISO/IEC 19566-5), the container of C2PA manifests
 *
 * A box is LBox (4 bytes, big-endian, the whole box's length), TBox (4
 * bytes of type) and a payload.  A superbox ('jumb') holds a description
 * box ('jumd': a 16-byte content type UUID, toggles, a label) and then its
 * content boxes.  Reading never trusts the input: every length is checked
 * against the bytes it claims, and a superbox is parsed one level at a
 * time (callers decide how deep to go).
 */
#ifndef JUMBF_H
#define JUMBF_H

#include <stddef.h>

#include "buf.h"

/* C2PA's content types: 'xxxx' then 0011-0010-8000-00AA00389B71 */
#define JUMBF_UUID(a, b, c, d) { a, b, c, d, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 }
extern const unsigned char JUMBF_UUID_STORE[16];       /* c2pa: the manifest store */
extern const unsigned char JUMBF_UUID_MANIFEST[16];    /* c2ma: a standard manifest */
extern const unsigned char JUMBF_UUID_ASSERTIONS[16];  /* c2as: the assertion store */
extern const unsigned char JUMBF_UUID_CLAIM[16];       /* c2cl */
extern const unsigned char JUMBF_UUID_SIGNATURE[16];   /* c2cs */
extern const unsigned char JUMBF_UUID_CBOR[16];        /* cbor: a CBOR assertion */

/* Writing: a superbox of the given type and label around content boxes
 * already encoded in body (each a whole box).  The label is requestable. */
int jumbf_put_superbox(struct buf *out, const unsigned char uuid[16], const char *label,
		       const void *body, size_t len);
/* One plain box (e.g. 'cbor' with the CBOR bytes). */
int jumbf_put_box(struct buf *out, const char type[4], const void *payload, size_t len);

/* Reading */
struct jumbf_box {
	const unsigned char *start;    /* the box's first byte (LBox) */
	size_t len;                    /* the whole box */
	char type[5];
	const unsigned char *payload;
	size_t plen;
};

/* A superbox, parsed: its description and its content boxes. */
struct jumbf_super {
	struct jumbf_box box;
	unsigned char uuid[16];
	char *label;                   /* malloc'd, "" when none */
	struct jumbf_box *children;    /* the content boxes, after 'jumd' */
	size_t nchildren;
};

/* The box at the start of p[0..n); 0 or -1 (malformed). */
int jumbf_box_at(const unsigned char *p, size_t n, struct jumbf_box *out);
/* Parse box as a superbox; 0 or -1 (not a 'jumb', or malformed).  Release
 * with jumbf_super_release. */
int jumbf_super_parse(const struct jumbf_box *box, struct jumbf_super *out);
void jumbf_super_release(struct jumbf_super *s);
/* The first child superbox whose label is label (and whose UUID is uuid,
 * when uuid is not NULL): 0 with out filled, or -1. */
int jumbf_find(const struct jumbf_super *s, const char *label, const unsigned char *uuid,
	       struct jumbf_super *out);

#endif
