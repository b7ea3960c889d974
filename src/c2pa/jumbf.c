/* c2pa/jumbf.c - writing and reading JUMBF boxes and superboxes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jumbf.h"
#include "util.h"

const unsigned char JUMBF_UUID_STORE[16] = JUMBF_UUID('c', '2', 'p', 'a');
const unsigned char JUMBF_UUID_MANIFEST[16] = JUMBF_UUID('c', '2', 'm', 'a');
const unsigned char JUMBF_UUID_ASSERTIONS[16] = JUMBF_UUID('c', '2', 'a', 's');
const unsigned char JUMBF_UUID_CLAIM[16] = JUMBF_UUID('c', '2', 'c', 'l');
const unsigned char JUMBF_UUID_SIGNATURE[16] = JUMBF_UUID('c', '2', 'c', 's');
const unsigned char JUMBF_UUID_CBOR[16] = JUMBF_UUID('c', 'b', 'o', 'r');

#define TOGGLE_REQUESTABLE 0x01
#define TOGGLE_LABEL 0x02
#define TOGGLE_ID 0x04
#define TOGGLE_SIG 0x08
#define TOGGLE_PRIVATE 0x10

static int
put_header(struct buf *out, const char type[4], size_t payload)
{
	unsigned char h[8];
	size_t len = payload + 8;

	if (payload > UINT32_MAX - 8)
		return -1;
	h[0] = (unsigned char)(len >> 24);
	h[1] = (unsigned char)(len >> 16);
	h[2] = (unsigned char)(len >> 8);
	h[3] = (unsigned char)len;
	memcpy(h + 4, type, 4);
	return buf_put(out, h, 8);
}

int
jumbf_put_box(struct buf *out, const char type[4], const void *payload, size_t len)
{
	size_t old = out->len;

	if (put_header(out, type, len) < 0 || buf_put(out, payload, len) < 0) {
		out->len = old;
		return -1;
	}
	return 0;
}

int
jumbf_put_superbox(struct buf *out, const unsigned char uuid[16], const char *label,
		   const void *body, size_t len)
{
	size_t llen = strlen(label) + 1, dlen = 8 + 16 + 1 + llen, old = out->len;
	unsigned char toggles = TOGGLE_REQUESTABLE | TOGGLE_LABEL;

	if (len > SIZE_MAX - dlen - 8 ||
	    put_header(out, "jumb", dlen + len) < 0 ||
	    put_header(out, "jumd", dlen - 8) < 0 ||
	    buf_put(out, uuid, 16) < 0 ||
	    buf_put(out, &toggles, 1) < 0 ||
	    buf_put(out, label, llen) < 0 ||
	    buf_put(out, body, len) < 0) {
		out->len = old;
		return -1;
	}
	return 0;
}

int
jumbf_box_at(const unsigned char *p, size_t n, struct jumbf_box *out)
{
	uint64_t len;
	size_t hlen = 8;

	if (n < 8)
		return -1;
	len = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
	if (len == 1) {                 /* XLBox: a 64-bit length follows */
		size_t i;

		if (n < 16)
			return -1;
		for (len = 0, i = 8; i < 16; i++)
			len = len << 8 | p[i];
		hlen = 16;
	} else if (len == 0) {          /* to the end of the container */
		len = n;
	}
	if (len < hlen || len > n)
		return -1;
	out->start = p;
	out->len = (size_t)len;
	memcpy(out->type, p + 4, 4);
	out->type[4] = '\0';
	out->payload = p + hlen;
	out->plen = (size_t)len - hlen;
	return 0;
}

int
jumbf_super_parse(const struct jumbf_box *box, struct jumbf_super *out)
{
	struct jumbf_box d, c;
	size_t off, cap = 0, l;
	unsigned char toggles;

	memset(out, 0, sizeof(*out));
	if (strcmp(box->type, "jumb") != 0 || jumbf_box_at(box->payload, box->plen, &d) < 0 ||
	    strcmp(d.type, "jumd") != 0 || d.plen < 17)
		return -1;
	out->box = *box;
	memcpy(out->uuid, d.payload, 16);
	toggles = d.payload[16];
	off = 17;
	if (toggles & TOGGLE_LABEL) {
		const unsigned char *nul = memchr(d.payload + off, 0, d.plen - off);

		if (!nul)
			return -1;
		l = (size_t)(nul - (d.payload + off));
		out->label = xstrndup((const char *)d.payload + off, l);
		off += l + 1;
	} else {
		out->label = xstrdup("");
	}
	if ((toggles & TOGGLE_ID) && (off += 4) > d.plen)
		goto bad;
	if ((toggles & TOGGLE_SIG) && (off += 32) > d.plen)
		goto bad;
	for (off = d.len; off < box->plen; off += c.len) {
		if (jumbf_box_at(box->payload + off, box->plen - off, &c) < 0)
			goto bad;
		out->children = xgrow(out->children, &cap, out->nchildren + 1, sizeof(*out->children));
		out->children[out->nchildren++] = c;
	}
	return 0;
bad:
	jumbf_super_release(out);
	return -1;
}

void
jumbf_super_release(struct jumbf_super *s)
{
	free(s->label);
	free(s->children);
	memset(s, 0, sizeof(*s));
}

int
jumbf_find(const struct jumbf_super *s, const char *label, const unsigned char *uuid,
	   struct jumbf_super *out)
{
	size_t i;

	for (i = 0; i < s->nchildren; i++) {
		if (jumbf_super_parse(&s->children[i], out) < 0)
			continue;
		if (strcmp(out->label, label) == 0 && (!uuid || memcmp(out->uuid, uuid, 16) == 0))
			return 0;
		jumbf_super_release(out);
	}
	return -1;
}
