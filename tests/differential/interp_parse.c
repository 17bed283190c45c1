/* interp_parse.c: reading the text form of ir.py (to_text) into a di_prog: a header line, then
 * bodies ("F slot") of statements "depth op label pc pe nargs args...", ended by "E". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

typedef struct line {
  int depth;
  di_stmt s;
} line;

static int lineno;

static int bad(const char *what, const char *text) {
  fprintf(stderr, "lt_diffinterp: line %d: %s: %s\n", lineno, what, text);
  return -1;
}

static int parse_tok(const char *w, di_tok *t) {
  char *end;
  t->kind = 0;
  if ((w[0] >= 'a' && w[0] <= 'z')) {
    t->kind = w[0];
    w++;
  }
  errno = 0;
  long v = strtol(w, &end, 10);
  if (errno || end == w || *end) return -1;
  t->n = (int)v;
  return 0;
}

static int parse_stmt(char *text, line *l) {
  memset(l, 0, sizeof *l);
  char *save, *w[6];
  for (int i = 0; i < 6; i++) {
    w[i] = strtok_r(i ? NULL : text, " \n", &save);
    if (!w[i]) return bad("short statement", text);
  }
  l->depth = atoi(w[0]);
  di_stmt *s = &l->s;
  s->op = di_op_find(w[1]);
  if (s->op < 0) return bad("unknown op", w[1]);
  if (strlen(w[2]) >= sizeof s->label) return bad("label too long", w[2]);
  strcpy(s->label, w[2]);
  const char *dot = strchr(s->label, '.');
  s->num = dot ? atoi(dot + 1) : 0;
  if (s->num < 0 || s->num >= DI_MAX_LABELS) return bad("label number out of range", w[2]);
  s->pc = w[3][0];
  s->pe = w[4][0];
  s->nargs = atoi(w[5]);
  if (s->nargs < 0 || s->nargs > DI_MAX_ARGS) return bad("too many arguments", w[5]);
  for (int i = 0; i < s->nargs; i++) {
    char *a = strtok_r(NULL, " \n", &save);
    if (!a) return bad("missing argument", s->label);
    if (strcmp(di_ops[s->op].name, "rmcb") == 0 && i == 1) {
      snprintf(s->ref, sizeof s->ref, "%s", a);
      continue;
    }
    if (parse_tok(a, &s->args[i]) < 0) return bad("bad argument", a);
  }
  return 0;
}

/* Builds the statements of lines[*i..] at depth d into b (their bodies from deeper lines). */
static void build(line *lines, int n, int *i, int d, di_body *b) {
  int count = 0;
  for (int j = *i; j < n && lines[j].depth >= d; j++)
    if (lines[j].depth == d) count++;
  b->s = count ? calloc((size_t)count, sizeof *b->s) : NULL;
  b->n = 0;
  while (*i < n && lines[*i].depth == d) {
    di_stmt *s = &b->s[b->n++];
    *s = lines[*i].s;
    (*i)++;
    if (*i < n && lines[*i].depth > d) build(lines, n, i, d + 1, &s->body);
  }
}

static const di_stmt *find_label(const di_body *b, const char *label) {
  for (int i = 0; i < b->n; i++) {
    if (strcmp(b->s[i].label, label) == 0) return &b->s[i];
    const di_stmt *f = find_label(&b->s[i].body, label);
    if (f) return f;
  }
  return NULL;
}

static void resolve(di_prog *p, di_body *b) {
  for (int i = 0; i < b->n; i++) {
    di_stmt *s = &b->s[i];
    if (s->ref[0])
      for (int k = 0; k < DI_MAX_SLOTS && !s->target; k++)
        s->target = find_label(&p->funcs[k], s->ref);
    resolve(p, &s->body);
  }
}

static int flush_body(di_prog *p, int slot, line *lines, int n) {
  if (slot < -1 || slot >= DI_MAX_SLOTS) return bad("slot out of range", "F");
  di_body *b = slot < 0 ? &p->prologue : &p->funcs[slot];
  int i = 0;
  build(lines, n, &i, 0, b);
  if (i != n) return bad("statement nested too deep", lines[i].s.label);
  return 0;
}

/* "X ncond nbar parties.. nq kind.. nsem bounded..": part 2's objects. */
static int parse_x(char *text, di_prog *p) {
  char *save, *w = strtok_r(text, " \n", &save);
  int vals[3 + 3 * DI_MAX_OBJS + 1], nv = 0;
  for (; w && nv < (int)(sizeof vals / sizeof vals[0]); w = strtok_r(NULL, " \n", &save))
    vals[nv++] = atoi(w);
  int at = 0;
  if (nv < 2) return -1;
  p->ncond = vals[at++];
  p->nbar = vals[at++];
  if (p->ncond < 0 || p->ncond > DI_MAX_OBJS || p->nbar < 0 || p->nbar > DI_MAX_OBJS ||
      nv < at + p->nbar + 1)
    return -1;
  for (int i = 0; i < p->nbar; i++)
    if ((p->bars[i] = vals[at++]) < 1) return -1;
  if (vals[at++] != p->nq || nv < at + p->nq + 1) return -1;
  for (int i = 0; i < p->nq; i++)
    if ((p->qkind[i] = vals[at++]) < 0 || p->qkind[i] > 2) return -1;
  if (vals[at++] != p->nsem || nv < at + p->nsem) return -1;
  for (int i = 0; i < p->nsem; i++) p->sbound[i] = vals[at++];
  return 0;
}

int di_parse(FILE *in, di_prog *p) {
  memset(p, 0, sizeof *p);
  char buf[1024];
  line *lines = NULL;
  int n = 0, cap = 0, slot = -2, rc = -1;
  bool header = false;
  while (fgets(buf, sizeof buf, in)) {
    lineno++;
    if (buf[0] == '\n') continue;
    if (buf[0] == 'P') {
      char *save, *w = strtok_r(buf + 1, " \n", &save);
      int vals[3 + 2 * DI_MAX_OBJS + 3], nv = 0;
      for (; w && nv < (int)(sizeof vals / sizeof vals[0]); w = strtok_r(NULL, " \n", &save))
        vals[nv++] = atoi(w);
      if (nv < 5) return bad("short header", "P");
      p->nfut = vals[0], p->nev = vals[1], p->nlock = vals[2], p->nsem = vals[3];
      if (p->nfut > DI_MAX_OBJS || p->nev > DI_MAX_OBJS || p->nlock > DI_MAX_OBJS ||
          p->nsem > DI_MAX_OBJS || nv < 5 + p->nsem)
        return bad("header out of range", "P");
      for (int i = 0; i < p->nsem; i++) p->sems[i] = vals[4 + i];
      p->nq = vals[4 + p->nsem];
      if (p->nq > DI_MAX_OBJS || nv < 5 + p->nsem + p->nq) return bad("bad queues", "P");
      for (int i = 0; i < p->nq; i++) p->qmax[i] = vals[5 + p->nsem + i];
      p->npair = nv > 5 + p->nsem + p->nq ? vals[5 + p->nsem + p->nq] : 0;
      if (p->npair < 0 || p->npair > DI_MAX_OBJS) return bad("bad socket pairs", "P");
      header = true;
    } else if (buf[0] == 'X') {
      if (parse_x(buf + 1, p) < 0) return bad("bad X line", "X");
    } else if (buf[0] == 'F' || buf[0] == 'E') {
      if (slot != -2 && flush_body(p, slot, lines, n) < 0) goto out;
      n = 0;
      if (buf[0] == 'E') {
        if (!header) return bad("no header", "E");
        resolve(p, &p->prologue);
        for (int k = 0; k < DI_MAX_SLOTS; k++) resolve(p, &p->funcs[k]);
        rc = 1;
        goto out;
      }
      slot = atoi(buf + 1);
    } else {
      if (slot == -2) return bad("statement outside a body", buf);
      if (n == cap) {
        cap = cap ? 2 * cap : 64;
        lines = realloc(lines, (size_t)cap * sizeof *lines);
      }
      if (parse_stmt(buf, &lines[n]) < 0) goto out;
      n++;
    }
  }
  rc = (header || n) ? bad("program without its E line", "") : 0;
out:
  free(lines);
  return rc;
}

static void free_body(di_body *b) {
  for (int i = 0; i < b->n; i++) free_body(&b->s[i].body);
  free(b->s);
  b->s = NULL;
  b->n = 0;
}

void di_prog_free(di_prog *p) {
  free_body(&p->prologue);
  for (int k = 0; k < DI_MAX_SLOTS; k++) free_body(&p->funcs[k]);
}
