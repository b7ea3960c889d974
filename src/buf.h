/* buf.h - growable byte buffer with a hard cap (like curl's dynbuf) */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;     /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;     /* 0: no cap; otherwise appends beyond it fail */
};

#define BUF_INIT {0}

void buf_init(struct buf *b, size_t max);
/* Return 0, or -1 when the cap would be exceeded (buffer unchanged). */
int buf_put(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
/* Make room for n more bytes without growing again (no doubling: the
 * capacity becomes exactly what is needed); -1 beyond the cap. */
int buf_reserve(struct buf *b, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Hand over the data (caller frees); the buffer is left empty. */
char *buf_detach(struct buf *b, size_t *len);
void buf_release(struct buf *b);

#endif
