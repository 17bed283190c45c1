/* jsonbuf.c: see jsonbuf.h. */
#include "api/jsonbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
  if (len == 0 || len > n || (p[0] >= 0xf0 && len != 4)) return 0;
  for (size_t i = 1; i < len; i++)
    if ((p[i] & 0xc0) != 0x80) return 0;
  if (len == 3 && p[0] == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
  if (len == 3 && p[0] == 0xed && p[1] >= 0xa0) return 0; /* surrogate */
  if (len == 4 && p[0] == 0xf0 && p[1] < 0x90) return 0; /* overlong */
  if (len == 4 && p[0] == 0xf4 && p[1] >= 0x90) return 0; /* past U+10FFFF */
  return len;
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
      size_t len = utf8_len((const unsigned char *)text + i, n - i);
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
