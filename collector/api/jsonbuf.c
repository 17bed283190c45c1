/* jsonbuf.c: see jsonbuf.h. */
#include "api/jsonbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

static bool reserve(ltc_jsonbuf *b, size_t more) {
  if (b->failed) return false;
  if (b->len + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more + 1) cap *= 2;
  char *n = realloc(b->data, cap);
  if (!n) {
    b->failed = true;
    return false;
  }
  b->data = n;
  b->cap = cap;
  return true;
}

void ltc_jsonbuf_put(ltc_jsonbuf *b, const char *text, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->data + b->len, text, n);
  b->len += n;
}

void ltc_jsonbuf_puts(ltc_jsonbuf *b, const char *text) { ltc_jsonbuf_put(b, text, strlen(text)); }

void ltc_jsonbuf_printf(ltc_jsonbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    ltc_jsonbuf_put(b, small, (size_t)n);
    return;
  }
  if (!reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void ltc_jsonbuf_u64(ltc_jsonbuf *b, uint64_t v) {
  char digits[20];
  size_t n = 0;
  do {
    digits[sizeof digits - ++n] = (char)('0' + v % 10);
  } while ((v /= 10) != 0);
  ltc_jsonbuf_put(b, digits + sizeof digits - n, n);
}

void ltc_jsonbuf_i64(ltc_jsonbuf *b, int64_t v) {
  if (v < 0) ltc_jsonbuf_put(b, "-", 1);
  ltc_jsonbuf_u64(b, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

/* Text from traced programs is bytes: what is not UTF-8 becomes U+FFFD, since browsers drop a
 * websocket that sends invalid UTF-8. */
void ltc_jsonbuf_string(ltc_jsonbuf *b, const char *text, size_t n) {
  if (!text) text = "";
  if (n == SIZE_MAX) n = strlen(text);
  if (!reserve(b, n + 2)) return;
  b->data[b->len++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      ltc_jsonbuf_put(b, esc, 2);
    } else if (c < 0x20) {
      ltc_jsonbuf_printf(b, "\\u%04x", c);
    } else if (c >= 0x80) {
      size_t len = ltc_utf8_seq((const unsigned char *)text + i, n - i);
      if (len) {
        ltc_jsonbuf_put(b, text + i, len);
        i += len - 1;
      } else {
        ltc_jsonbuf_puts(b, "\\ufffd");
      }
    } else if (reserve(b, 1)) {
      b->data[b->len++] = (char)c;
    }
  }
  ltc_jsonbuf_put(b, "\"", 1);
}

const char *ltc_jsonbuf_text(ltc_jsonbuf *b) {
  if (!reserve(b, 0)) return NULL;
  b->data[b->len] = 0;
  return b->data;
}

void ltc_jsonbuf_free(ltc_jsonbuf *b) {
  free(b->data);
  *b = (ltc_jsonbuf){0};
}

char *ltc_json_print(const cJSON *o) {
  char *text = cJSON_PrintUnformatted(o);
  if (!text || ltc_utf8_valid(text, strlen(text))) return text;
  char *clean = ltc_utf8_clean(text, strlen(text), NULL);
  cJSON_free(text);
  return clean;
}
