/* strings.c: a session's strings and sites by (track, id), for naming its records (see
 * store.h): loaded whole for a reader of every record (export, orderings), or looked up one
 * by one as asked and kept (a window, a subscription's backlog), so that a session that
 * printed millions of lines is not read whole to name the few records of a window. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/map-inl.h"
#include "store/chstore-int.h"
#include "store/store-int.h"

typedef struct str_entry {
  uint64_t key; /* ltc_map_key(track, id) */
  char *text;   /* a site's is "file\0func" */
  int64_t line; /* a site's line */
} str_entry;

/* ClickHouse lookups go a range of ids at a time (a query each is a round trip): the ranges
 * asked for, by ltc_map_key(track, range * 2 + which). */
#define CH_RANGE 4096
typedef struct range_entry {
  uint64_t key;
} range_entry;

struct ltc_session_strings {
  ltc_map strings, sites; /* of str_entry */
  ltc_map ranges;         /* of range_entry: those looked up in ClickHouse */
  ltc_store *lookups;     /* the store to look them up in one by one; NULL: loaded whole */
  int64_t session;
};

/* Adds key (text taken); the entry, or NULL without memory (text freed). */
static str_entry *table_put(ltc_map *t, uint64_t key, char *text, int64_t line) {
  if (!text) return NULL;
  bool fresh;
  str_entry *e = ltc_map_put(t, key, &fresh);
  if (!e || !fresh) { /* out of memory, or there already */
    free(text);
    return e;
  }
  e->text = text;
  e->line = line;
  return e;
}

static void table_free(ltc_map *t) {
  for (size_t i = 0; i < t->cap; i++) free(((str_entry *)ltc_map_at(t, i))->text);
  ltc_map_free(t);
}

/* An entry's text from a row's columns from col on: a string's text, or a site's file, then
 * its function after the file's NUL (and *line its line); NULL without memory. */
static char *entry_text(sqlite3_stmt *st, int col, int64_t *line) {
  bool site = sqlite3_column_count(st) > col + 1;
  const char *a = (const char *)sqlite3_column_text(st, col);
  const char *b = site ? (const char *)sqlite3_column_text(st, col + 1) : NULL;
  size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
  char *text = malloc(la + lb + 2);
  if (!text) return NULL;
  memcpy(text, a ? a : "", la);
  text[la] = 0;
  memcpy(text + la + 1, b ? b : "", lb);
  text[la + 1 + lb] = 0;
  *line = site ? sqlite3_column_int64(st, col + 2) : 0;
  return text;
}

sqlite3_stmt *ltc_store_lookup(ltc_store *s, int which, ltc_err *err) {
  static const char *const sql[2] = {
      [LTC_LOOKUP_STRING] = "SELECT text FROM strings WHERE session = ? AND track = ? AND id = ?",
      [LTC_LOOKUP_SITE] = "SELECT file, func, line FROM sites WHERE session = ? AND track = ? "
                          "AND id = ?",
  };
  if (!s->lookup[which] && sqlite3_prepare_v3(s->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                              &s->lookup[which], NULL) != SQLITE_OK) {
    ltc_store_fail(s, err, "strings");
    return NULL;
  }
  return s->lookup[which];
}

/* An entry read from ClickHouse (chread.c), put in table user. 0 or -ENOMEM. */
static int put_entry(void *user, uint32_t track, uint64_t id, const char *a, size_t alen,
                     const char *b, size_t blen, int64_t line) {
  char *text = malloc(alen + blen + 2);
  if (!text) return -ENOMEM;
  memcpy(text, a, alen);
  text[alen] = 0;
  if (blen) memcpy(text + alen + 1, b, blen);
  text[alen + 1 + blen] = 0;
  return table_put(user, ltc_map_key(track, id), text, line) ? 0 : -ENOMEM;
}

/* The entry of (track, id) in table t: held, or (for lookups) read with the store's statement
 * which and kept; NULL when there is none. */
static str_entry *entry_of(ltc_session_strings *ss, ltc_map *t, int which, uint32_t track,
                           uint64_t id) {
  uint64_t key = ltc_map_key(track, id);
  str_entry *e = ltc_map_find(t, key);
  if (e || !ss->lookups) return e;
  if (ss->lookups->ch) {
    uint64_t range = (id & 0xffffffffu) / CH_RANGE;
    bool fresh = false;
    if (!ltc_map_put(&ss->ranges, ltc_map_key(track, range * 2 + (unsigned)which), &fresh) ||
        !fresh)
      return NULL; /* asked for already: there is none */
    ltc_ch_strings_load(ss->lookups, ss->session, which, track, (int64_t)(range * CH_RANGE),
                        put_entry, t, NULL);
    return ltc_map_find(t, key);
  }
  sqlite3_stmt *st = ltc_store_lookup(ss->lookups, which, NULL);
  if (!st) return NULL;
  sqlite3_bind_int64(st, 1, ss->session);
  sqlite3_bind_int64(st, 2, track);
  sqlite3_bind_int64(st, 3, (int64_t)(id & 0xffffffffu));
  int64_t line = 0;
  char *text = sqlite3_step(st) == SQLITE_ROW ? entry_text(st, 0, &line) : NULL;
  sqlite3_reset(st);
  return table_put(t, key, text, line);
}

/* Lookups fill the tables as they go: a cache, not a change to what they answer. */
const char *ltc_strings_get(const ltc_session_strings *ct, uint32_t track, uint64_t id) {
  ltc_session_strings *t = (ltc_session_strings *)ct;
  str_entry *e = t ? entry_of(t, &t->strings, LTC_LOOKUP_STRING, track, id) : NULL;
  return e ? e->text : NULL;
}

int ltc_sites_get(const ltc_session_strings *ct, uint32_t track, uint64_t id, const char **file,
                  const char **func, int64_t *line) {
  ltc_session_strings *t = (ltc_session_strings *)ct;
  str_entry *e = t ? entry_of(t, &t->sites, LTC_LOOKUP_SITE, track, id) : NULL;
  if (!e) return -ENOENT;
  *file = e->text;
  *func = e->text + strlen(e->text) + 1;
  *line = e->line;
  return 0;
}

/* Loads one table of (track, id) -> text of session id whole. */
static int table_load(ltc_store *s, int64_t id, const char *sql, ltc_map *t, ltc_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, "strings");
  sqlite3_bind_int64(st, 1, id);
  int rc = 0, step;
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t line = 0;
    uint64_t key = ltc_map_key((uint32_t)sqlite3_column_int64(st, 0),
                               (uint64_t)sqlite3_column_int64(st, 1));
    char *text = entry_text(st, 2, &line); /* before line is read: arguments are unsequenced */
    if (!table_put(t, key, text, line)) rc = ltc_fail(err, -ENOMEM, "out of memory");
  }
  if (rc == 0 && step != SQLITE_DONE) rc = ltc_store_fail(s, err, "strings");
  sqlite3_finalize(st);
  return rc;
}

static ltc_session_strings *strings_new(ltc_store *lookups, int64_t id) {
  ltc_session_strings *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  *t = (ltc_session_strings){LTC_MAP_OF(str_entry), LTC_MAP_OF(str_entry),
                             LTC_MAP_OF(range_entry), lookups, id};
  return t;
}

ltc_session_strings *ltc_store_strings(ltc_store *s, int64_t id) { return strings_new(s, id); }

int ltc_store_strings_whole(ltc_store *s, int64_t id, ltc_session_strings **out, ltc_err *err) {
  ltc_session_strings *t = strings_new(NULL, id);
  int rc = t ? 0 : ltc_fail(err, -ENOMEM, "out of memory");
  if (rc == 0 && s->ch) {
    rc = ltc_ch_strings_load(s, id, LTC_LOOKUP_STRING, -1, -1, put_entry, &t->strings, err);
    if (rc == 0)
      rc = ltc_ch_strings_load(s, id, LTC_LOOKUP_SITE, -1, -1, put_entry, &t->sites, err);
  } else if (rc == 0) {
    rc = table_load(s, id, "SELECT track, id, text FROM strings WHERE session = ?", &t->strings,
                    err);
    if (rc == 0)
      rc = table_load(s, id, "SELECT track, id, file, func, line FROM sites WHERE session = ?",
                      &t->sites, err);
  }
  if (rc < 0) {
    ltc_strings_free(t);
    t = NULL;
  }
  *out = t;
  return rc;
}

void ltc_strings_free(ltc_session_strings *t) {
  if (!t) return;
  table_free(&t->strings);
  table_free(&t->sites);
  ltc_map_free(&t->ranges);
  free(t);
}
