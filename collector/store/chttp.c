/* chttp.c: ClickHouse's HTTP interface over libcurl (see chttp.h): the address, one query at
 * a time on a kept connection, the server's error told from an unreachable server; and
 * RowBinary, the compact format the ClickHouse store inserts and reads in. */
#define _GNU_SOURCE
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/chttp.h"

struct ltc_chttp {
  CURL *curl;
  CURLM *multi;                          /* inserts at once (ltc_chttp_insert_many) */
  CURL *many[LTC_CHTTP_MAX_PARALLEL];
  char base[400]; /* http://HOST:PORT/ */
  char db[128];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_setup(void) { curl_global_init(CURL_GLOBAL_NOTHING); }

bool ltc_ch_is_url(const char *path) {
  return path && strncmp(path, LTC_CH_SCHEME, strlen(LTC_CH_SCHEME)) == 0;
}

int ltc_chttp_new(const char *url, ltc_chttp **out, ltc_err *err) {
  const char *hp = url + strlen(LTC_CH_SCHEME), *slash = strchr(hp, '/');
  const char *colon = slash ? memchr(hp, ':', (size_t)(slash - hp)) : NULL;
  if (!ltc_ch_is_url(url) || !slash || !colon || colon == hp || colon + 1 == slash ||
      slash - hp > 300 || !slash[1] || strlen(slash + 1) >= 128)
    return ltc_fail(err, -EINVAL, "a ClickHouse store is clickhouse://HOST:PORT/DATABASE");
  for (const char *p = colon + 1; p < slash; p++)
    if (!isdigit((unsigned char)*p))
      return ltc_fail(err, -EINVAL, "the port is a number");
  for (const char *p = slash + 1; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_')
      return ltc_fail(err, -EINVAL, "a database name is letters, digits and _");
  pthread_once(&curl_once, curl_setup);
  ltc_chttp *c = calloc(1, sizeof *c);
  if (!c || !(c->curl = curl_easy_init())) {
    free(c);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  snprintf(c->base, sizeof c->base, "http://%.*s/", (int)(slash - hp), hp);
  snprintf(c->db, sizeof c->db, "%s", slash + 1);
  *out = c;
  return 0;
}

void ltc_chttp_free(ltc_chttp *c) {
  if (!c) return;
  curl_easy_cleanup(c->curl);
  for (int i = 0; i < LTC_CHTTP_MAX_PARALLEL; i++)
    if (c->many[i]) curl_easy_cleanup(c->many[i]);
  if (c->multi) curl_multi_cleanup(c->multi);
  free(c);
}

const char *ltc_chttp_db(const ltc_chttp *c) { return c->db; }

void ltc_chbuf_put(ltc_chbuf *b, const void *p, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (!d) {
      b->oom = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
}

void ltc_chbuf_i64(ltc_chbuf *b, int64_t v) { ltc_chbuf_put(b, &v, 8); } /* little-endian */
void ltc_chbuf_u8(ltc_chbuf *b, uint8_t v) { ltc_chbuf_put(b, &v, 1); }

void ltc_chbuf_str(ltc_chbuf *b, const void *p, size_t n) {
  unsigned char v[10];
  size_t k = 0;
  for (uint64_t x = n; k == 0 || x; x >>= 7)
    v[k++] = (unsigned char)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
  ltc_chbuf_put(b, v, k);
  ltc_chbuf_put(b, p, n);
}

void ltc_chbuf_free(ltc_chbuf *b) {
  free(b->data);
  *b = (ltc_chbuf){0};
}

int64_t ltc_chcur_i64(ltc_chcur *c) {
  int64_t v = 0;
  if (c->bad || c->end - c->p < 8) {
    c->bad = true;
    return 0;
  }
  memcpy(&v, c->p, 8);
  c->p += 8;
  return v;
}

uint8_t ltc_chcur_u8(ltc_chcur *c) {
  if (c->bad || c->p >= c->end) {
    c->bad = true;
    return 0;
  }
  return *c->p++;
}

const char *ltc_chcur_str(ltc_chcur *c, size_t *len) {
  uint64_t n = 0;
  for (int shift = 0; !c->bad; shift += 7) {
    if (c->p >= c->end || shift > 63) {
      c->bad = true;
      break;
    }
    unsigned char byte = *c->p++;
    n |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  if (c->bad || (uint64_t)(c->end - c->p) < n) {
    c->bad = true;
    return NULL;
  }
  const char *s = (const char *)c->p;
  c->p += n;
  *len = (size_t)n;
  return s;
}

static size_t on_body(char *p, size_t size, size_t n, void *user) {
  ltc_chbuf_put(user, p, size * n);
  return ((ltc_chbuf *)user)->oom ? 0 : size * n;
}

/* One request on an easy handle: prepared, then performed alone or with others. */
typedef struct request {
  CURL *h;
  char *url;
  struct curl_slist *hdr;
  ltc_chbuf answer;
} request;

static int prepare(ltc_chttp *c, CURL *h, request *q, const char *sql, const void *body,
                   size_t len, ltc_err *err) {
  *q = (request){.h = h};
  char *esc = body ? curl_easy_escape(h, sql, 0) : NULL;
  if ((body && !esc) || asprintf(&q->url, "%s?database=%s%s%s", c->base, c->db,
                                 esc ? "&query=" : "", esc ? esc : "") < 0) {
    curl_free(esc);
    q->url = NULL;
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  curl_free(esc);
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, q->url);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : sql);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : strlen(sql)));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &q->answer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
  q->hdr = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, q->hdr);
  return 0;
}

/* What a performed request came to (cc: how the transfer ended); its answer goes to out. */
static int finish(ltc_chttp *c, request *q, CURLcode cc, ltc_chbuf *out, ltc_err *err) {
  long status = 0;
  curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &status);
  ltc_chbuf *a = &q->answer;
  int rc = 0;
  if (a->oom)
    rc = ltc_fail(err, -ENOMEM, "out of memory reading ClickHouse's answer");
  else if (cc != CURLE_OK)
    rc = ltc_fail(err, -EAGAIN, "ClickHouse at %s cannot be reached: %s", c->base,
                  curl_easy_strerror(cc));
  else if (status != 200) {
    size_t n = a->len < 300 ? a->len : 300;
    while (n && (a->data[n - 1] == '\n' || a->data[n - 1] == ' ')) n--;
    rc = ltc_fail(err, -EIO, "ClickHouse (HTTP %ld): %.*s", status, (int)n,
                  a->data ? (const char *)a->data : "");
  }
  if (rc == 0 && out && a->len) ltc_chbuf_put(out, a->data, a->len);
  if (rc == 0 && out && out->oom) rc = ltc_fail(err, -ENOMEM, "out of memory");
  curl_slist_free_all(q->hdr);
  free(q->url);
  ltc_chbuf_free(a);
  return rc;
}

int ltc_chttp_query(ltc_chttp *c, const char *sql, const void *body, size_t len, ltc_chbuf *out,
                    ltc_err *err) {
  request q;
  int rc = prepare(c, c->curl, &q, sql, body, len, err);
  return rc < 0 ? rc : finish(c, &q, curl_easy_perform(c->curl), out, err);
}

int ltc_chttp_insert_many(ltc_chttp *c, int n, const char *const *sql,
                          const void *const *body, const size_t *len, ltc_err *err) {
  if (n > LTC_CHTTP_MAX_PARALLEL) return ltc_fail(err, -E2BIG, "too many inserts at once");
  if (!c->multi && !(c->multi = curl_multi_init())) return ltc_fail(err, -ENOMEM, "out of memory");
  request q[LTC_CHTTP_MAX_PARALLEL];
  int rc = 0, ready = 0;
  for (; rc == 0 && ready < n; ready++) {
    if (!c->many[ready] && !(c->many[ready] = curl_easy_init())) {
      rc = ltc_fail(err, -ENOMEM, "out of memory");
      break;
    }
    if ((rc = prepare(c, c->many[ready], &q[ready], sql[ready], body[ready], len[ready], err)))
      break;
    curl_multi_add_handle(c->multi, c->many[ready]);
  }
  for (int running = 1; rc == 0 && running;) {
    if (curl_multi_perform(c->multi, &running) != CURLM_OK) break;
    if (running) curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
  }
  CURLcode cc[LTC_CHTTP_MAX_PARALLEL];
  for (int i = 0; i < ready; i++) cc[i] = CURLE_RECV_ERROR;
  for (CURLMsg *m; (m = curl_multi_info_read(c->multi, &(int){0}));)
    for (int i = 0; i < ready; i++)
      if (m->msg == CURLMSG_DONE && m->easy_handle == c->many[i]) cc[i] = m->data.result;
  for (int i = 0; i < ready; i++) {
    curl_multi_remove_handle(c->multi, c->many[i]);
    int r = finish(c, &q[i], cc[i], NULL, rc ? NULL : err);
    if (rc == 0) rc = r;
  }
  return rc;
}
