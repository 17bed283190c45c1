/* utf8.c: see utf8.h. */
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t ltc_utf8_seq(const unsigned char *p, size_t n) {
  if (!n) return 0;
  if (p[0] < 0x80) return p[0] ? 1 : 0;
  size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
  if (len == 0 || len > n || (p[0] >= 0xf0 && len != 4)) return 0;
  for (size_t i = 1; i < len; i++)
    if ((p[i] & 0xc0) != 0x80) return 0;
  if (len == 3 && p[0] == 0xe0 && p[1] < 0xa0) return 0;  /* overlong */
  if (len == 3 && p[0] == 0xed && p[1] >= 0xa0) return 0; /* surrogate */
  if (len == 4 && p[0] == 0xf0 && p[1] < 0x90) return 0;  /* overlong */
  if (len == 4 && p[0] == 0xf4 && p[1] >= 0x90) return 0; /* past U+10FFFF */
  return len;
}

bool ltc_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t len = ltc_utf8_seq(p + i, n - i);
    if (!len) return false;
    i += len;
  }
  return true;
}

char *ltc_utf8_clean(const char *s, size_t n, size_t *out_len) {
  const unsigned char *p = (const unsigned char *)s;
  char *out = malloc(n * 3 + 1); /* each bad byte becomes three */
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t len = ltc_utf8_seq(p + i, n - i);
    if (len) {
      memcpy(out + o, p + i, len);
      o += len;
      i += len;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
      i++;
    }
  }
  out[o] = 0;
  if (out_len) *out_len = o;
  return out;
}
