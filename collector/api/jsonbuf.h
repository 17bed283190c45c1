/* jsonbuf.h: a growable byte buffer for writing JSON text fast: the event arrays of the API
 * (thousands of records a reply, 100k a second live), where building a cJSON tree per record
 * would cost more than the query. The envelopes around them are cJSON (cJSON_CreateRaw). */
#ifndef LTC_JSONBUF_H
#define LTC_JSONBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct ltc_jsonbuf {
  char *data;
  size_t len, cap;
  bool failed; /* an allocation failed: the text is incomplete */
} ltc_jsonbuf;

void ltc_jsonbuf_put(ltc_jsonbuf *b, const char *text, size_t n);
void ltc_jsonbuf_puts(ltc_jsonbuf *b, const char *text);
void ltc_jsonbuf_printf(ltc_jsonbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A whole number, written without printf (a live push writes ~10 for each record). */
void ltc_jsonbuf_u64(ltc_jsonbuf *b, uint64_t v);
void ltc_jsonbuf_i64(ltc_jsonbuf *b, int64_t v);
/* A JSON string literal of text (n bytes, or up to its NUL when n is SIZE_MAX). */
void ltc_jsonbuf_string(ltc_jsonbuf *b, const char *text, size_t n);
/* NUL-terminates and returns the text (NULL when failed); the buffer keeps owning it. */
const char *ltc_jsonbuf_text(ltc_jsonbuf *b);
void ltc_jsonbuf_free(ltc_jsonbuf *b);

/* o as JSON text to send (malloc'd; NULL without memory), in valid UTF-8: text stored before
 * the daemon cleaned what it took in may hold bytes that are not, and they become U+FFFD. */
char *ltc_json_print(const cJSON *o);

#endif
