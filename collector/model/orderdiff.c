/* orderdiff.c: aligning two orderings (Myers' greedy shortest edit script, with the trace of
 * each round kept for walking back) and grouping many (see orderdiff.h). Steps are compared
 * by their keys; the keys of the second run are first mapped into the first's numbering, so
 * the diff itself compares integers. */
#include "model/orderdiff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *key_of(const ltc_ordering *o, size_t i) { return o->keys[o->steps[i].key]; }

size_t ltc_ordering_common_prefix(const ltc_ordering *a, const ltc_ordering *b) {
  size_t i = 0;
  while (i < a->nsteps && i < b->nsteps && strcmp(key_of(a, i), key_of(b, i)) == 0) i++;
  return i;
}

bool ltc_ordering_equal(const ltc_ordering *a, const ltc_ordering *b) {
  return a->nsteps == b->nsteps && ltc_ordering_common_prefix(a, b) == a->nsteps;
}

/* The index of the next MARK step at or after i, or nsteps. */
static size_t next_line(const ltc_ordering *o, size_t i) {
  while (i < o->nsteps && o->steps[i].kind != LTC_STEP_MARK) i++;
  return i;
}

bool ltc_ordering_same_output(const ltc_ordering *a, const ltc_ordering *b, size_t *line) {
  size_t i = next_line(a, 0), j = next_line(b, 0), n = 0;
  for (;; n++, i = next_line(a, i + 1), j = next_line(b, j + 1)) {
    bool ea = i == a->nsteps, eb = j == b->nsteps;
    if (ea || eb || strcmp(a->steps[i].text, b->steps[j].text) != 0) {
      if (line) *line = n;
      return ea && eb;
    }
  }
}

const char *ltc_ordering_line(const ltc_ordering *o, size_t n) {
  for (size_t i = next_line(o, 0); i < o->nsteps; i = next_line(o, i + 1))
    if (n-- == 0) return o->steps[i].text;
  return NULL;
}

size_t ltc_ordering_lines(const ltc_ordering *o) {
  size_t n = 0;
  for (size_t i = next_line(o, 0); i < o->nsteps; i = next_line(o, i + 1)) n++;
  return n;
}

/* ---- two orderings ---- */

typedef struct script {
  ltc_dop *ops;
  size_t n, cap;
  bool oom;
} script;

static void emit(script *s, char op, int64_t a, int64_t b) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    ltc_dop *n = realloc(s->ops, cap * sizeof *n);
    if (!n) {
      s->oom = true;
      return;
    }
    s->ops = n;
    s->cap = cap;
  }
  s->ops[s->n++] = (ltc_dop){op, a, b};
}

/* Myers over x[0..n) and y[0..m) (offsets ox, oy added to the indices emitted), emitting the
 * script backwards. 1 when it needs more than maxd differences (nothing emitted), 0, or
 * -ENOMEM. */
static int myers(const uint32_t *x, int32_t n, const uint32_t *y, int32_t m, int32_t maxd,
                 int64_t ox, int64_t oy, script *s) {
  if (maxd > n + m) maxd = n + m;
  int32_t *v = calloc((size_t)(2 * maxd + 3), sizeof *v);
  int32_t **trace = calloc((size_t)maxd + 1, sizeof *trace);
  int rc = -ENOMEM, found = -1;
  if (!v || !trace) goto out;
  int32_t off = maxd + 1;
  for (int32_t d = 0; d <= maxd && found < 0; d++) {
    for (int32_t k = -d; k <= d; k += 2) {
      int32_t px = k == -d || (k != d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1]
                                                                          : v[off + k - 1] + 1;
      int32_t py = px - k;
      while (px < n && py < m && x[px] == y[py]) px++, py++;
      v[off + k] = px;
      if (px >= n && py >= m) {
        found = d;
        break;
      }
    }
    /* V after round d, for k in [-d, d]: what walking back from round d + 1 reads */
    if (!(trace[d] = malloc((size_t)(2 * d + 1) * sizeof **trace))) goto out;
    memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof *v);
  }
  if (found < 0) {
    rc = 1;
    goto out;
  }
  int32_t cx = n, cy = m;
  for (int32_t d = found; d > 0; d--) {
    const int32_t *pv = trace[d - 1]; /* index k + (d - 1) */
    int32_t k = cx - cy;
    int32_t pk = k == -d || (k != d && pv[k - 1 + d - 1] < pv[k + 1 + d - 1]) ? k + 1 : k - 1;
    int32_t pxx = pv[pk + d - 1], pyy = pxx - pk;
    /* the snake of round d, then its one edit */
    int32_t sx = pk == k + 1 ? pxx : pxx + 1, sy = sx - k;
    while (cx > sx && cy > sy) emit(s, '=', ox + --cx, oy + --cy);
    if (pk == k + 1)
      emit(s, '+', -1, oy + --cy);
    else
      emit(s, '-', ox + --cx, -1);
    cx = pxx;
    cy = pyy;
  }
  while (cx > 0 && cy > 0) emit(s, '=', ox + --cx, oy + --cy);
  rc = s->oom ? -ENOMEM : 0;
out:
  if (trace)
    for (int32_t d = 0; d <= maxd; d++) free(trace[d]);
  free(trace);
  free(v);
  return rc;
}

int ltc_odiff_run(const ltc_ordering *a, const ltc_ordering *b, ltc_odiff *out) {
  memset(out, 0, sizeof *out);
  size_t n = a->nsteps, m = b->nsteps;
  /* b's keys in a's numbering; keys a never has get numbers past a's */
  uint32_t *map = calloc(b->nkeys + 1, sizeof *map);
  uint32_t *x = malloc((n + 1) * sizeof *x), *y = malloc((m + 1) * sizeof *y);
  script s = {0};
  int rc = -ENOMEM;
  if (!map || !x || !y) goto out;
  for (size_t k = 0; k < b->nkeys; k++) {
    int64_t id = ltc_ordering_find_key(a, b->keys[k]);
    map[k] = id >= 0 ? (uint32_t)id : (uint32_t)(a->nkeys + k);
  }
  for (size_t i = 0; i < n; i++) x[i] = a->steps[i].key;
  for (size_t j = 0; j < m; j++) y[j] = map[b->steps[j].key];
  size_t pre = 0, suf = 0;
  while (pre < n && pre < m && x[pre] == y[pre]) pre++;
  while (suf < n - pre && suf < m - pre && x[n - 1 - suf] == y[m - 1 - suf]) suf++;
  /* built backwards: the suffix, the middle, the prefix */
  for (size_t k = 0; k < suf; k++) emit(&s, '=', (int64_t)(n - 1 - k), (int64_t)(m - 1 - k));
  size_t mn = n - pre - suf, mm = m - pre - suf;
  rc = mn + mm > (size_t)INT32_MAX / 4 ? 1
                                       : myers(x + pre, (int32_t)mn, y + pre, (int32_t)mm,
                                               LTC_ODIFF_MAX_D, (int64_t)pre, (int64_t)pre, &s);
  if (rc < 0) goto out;
  if (rc == 1) { /* too different to align: one block of each */
    out->approximate = true;
    for (size_t j = mm; j-- > 0;) emit(&s, '+', -1, (int64_t)(pre + j));
    for (size_t i = mn; i-- > 0;) emit(&s, '-', (int64_t)(pre + i), -1);
  }
  for (size_t k = pre; k-- > 0;) emit(&s, '=', (int64_t)k, (int64_t)k);
  rc = s.oom ? -ENOMEM : 0;
  if (rc < 0) goto out;
  for (size_t i = 0, j = s.n ? s.n - 1 : 0; i < j; i++, j--) {
    ltc_dop t = s.ops[i];
    s.ops[i] = s.ops[j];
    s.ops[j] = t;
  }
  out->ops = s.ops;
  out->nops = s.n;
  s.ops = NULL;
  out->same = true;
  for (size_t i = 0; i < out->nops; i++) {
    if (out->ops[i].op == '=') {
      out->common++;
    } else if (out->same) {
      out->same = false;
      out->first = i;
    }
  }
out:
  free(s.ops);
  free(map);
  free(x);
  free(y);
  return rc;
}

void ltc_odiff_free(ltc_odiff *d) {
  free(d->ops);
  memset(d, 0, sizeof *d);
}

/* ---- many orderings ---- */

static uint64_t mix(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (h ^ 0xff) * 1099511628211ull; /* a separator between strings */
}

static uint64_t fingerprint(const ltc_ordering *o, bool by_output) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < o->nsteps; i++) {
    if (!by_output)
      h = mix(h, key_of(o, i));
    else if (o->steps[i].kind == LTC_STEP_MARK)
      h = mix(h, o->steps[i].text);
  }
  return h;
}

int ltc_ordering_group(ltc_ordering *const *o, size_t n, bool by_output, int *group) {
  uint64_t *fp = malloc((n + 1) * sizeof *fp);
  size_t *first = malloc((n + 1) * sizeof *first), *size = calloc(n + 1, sizeof *size);
  int *rank = malloc((n + 1) * sizeof *rank);
  if (!fp || !first || !size || !rank) {
    free(fp), free(first), free(size), free(rank);
    return -ENOMEM;
  }
  size_t ng = 0;
  for (size_t i = 0; i < n; i++) {
    fp[i] = fingerprint(o[i], by_output);
    size_t g = 0;
    for (; g < ng; g++) {
      const ltc_ordering *r = o[first[g]];
      if (fp[first[g]] == fp[i] &&
          (by_output ? ltc_ordering_same_output(r, o[i], NULL) : ltc_ordering_equal(r, o[i])))
        break;
    }
    if (g == ng) first[ng++] = i;
    size[g]++;
    group[i] = (int)g;
  }
  /* number the groups by size, largest first; ties keep first-seen order */
  for (size_t g = 0; g < ng; g++) {
    int r = 0;
    for (size_t h = 0; h < ng; h++)
      if (size[h] > size[g] || (size[h] == size[g] && h < g)) r++;
    rank[g] = r;
  }
  for (size_t i = 0; i < n; i++) group[i] = rank[group[i]];
  free(fp), free(first), free(size), free(rank);
  return (int)ng;
}
