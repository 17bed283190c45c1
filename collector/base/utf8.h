/* utf8.h: text from traced programs is bytes; what the daemon stores and sends is UTF-8,
 * with U+FFFD for what is not (browsers drop a websocket that sends invalid UTF-8), and NUL
 * bytes, which C strings and SQLite text would cut at, too. */
#ifndef LTC_UTF8_H
#define LTC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (n bytes available), 0 when there is none. */
size_t ltc_utf8_seq(const unsigned char *p, size_t n);
/* True when s (n bytes) is valid UTF-8 without a NUL. */
bool ltc_utf8_valid(const char *s, size_t n);
/* A NUL-terminated copy of s (n bytes) in which every byte that is not part of a valid UTF-8
 * sequence, and every NUL, is U+FFFD; *out_len (when not NULL) its length. NULL without
 * memory. */
char *ltc_utf8_clean(const char *s, size_t n, size_t *out_len);

#endif
