/* store_read.c: the read side of the store (see store.h): sessions, one session's row, its
 * tasks and marks, and its records decoded from their blocks, whole or by time window. The
 * daemon's web thread reads through a store of its own (ltc_store_open_reader). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_codec.h"
#include "store_internal.h"

static const char *text_or_null(sqlite3_stmt *st, int col) {
  return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
                                                     : (const char *)sqlite3_column_text(st, col);
}

/* A session row's columns, in the order session_from reads them. */
#define SESSION_COLUMNS                                                                  \
  "id, program, label, status, clock, pid, started_wall_ns, start_ns, end_ns, events, "  \
  "lost, (SELECT count(*) FROM tasks t WHERE t.session = s.id), argv, error, "

/* Selects sessions (rest: what follows FROM sessions s). A database no writer has opened
 * since sessions got shuffle_seed has none: read-only, its runs read as FIFO. */
static int prepare_sessions(ltc_store *s, const char *rest, sqlite3_stmt **st) {
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT " SESSION_COLUMNS "shuffle_seed FROM sessions s %s", rest);
  if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK) return 0;
  snprintf(sql, sizeof sql, "SELECT " SESSION_COLUMNS "NULL FROM sessions s %s", rest);
  return sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK ? 0 : -EIO;
}

/* The row st is on (its text lives until st steps again). */
static ltc_session_row session_from(sqlite3_stmt *st) {
  return (ltc_session_row){
      .id = sqlite3_column_int64(st, 0),
      .program = (const char *)sqlite3_column_text(st, 1),
      .label = (const char *)sqlite3_column_text(st, 2),
      .status = (const char *)sqlite3_column_text(st, 3),
      .clock = (const char *)sqlite3_column_text(st, 4),
      .pid = sqlite3_column_int64(st, 5),
      .started_wall_ns = sqlite3_column_int64(st, 6),
      .start_ns = sqlite3_column_int64(st, 7),
      .end_ns = sqlite3_column_int64(st, 8),
      .events = sqlite3_column_int64(st, 9),
      .lost = sqlite3_column_int64(st, 10),
      .tasks = sqlite3_column_int64(st, 11),
      .argv = (const char *)sqlite3_column_text(st, 12),
      .error = text_or_null(st, 13),
      .shuffled = sqlite3_column_type(st, 14) != SQLITE_NULL,
      .shuffle_seed = (uint64_t)sqlite3_column_int64(st, 14),
  };
}

int ltc_store_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                            void *user) {
  sqlite3_stmt *st;
  if (prepare_sessions(s, "ORDER BY id", &st) < 0) return ltc_store_fail(s, "listing");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ltc_session_row row = session_from(st);
    fn(user, &row);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : ltc_store_fail(s, "listing");
}

/* ---- reading one session back ---- */

/* A session's strings and sites by (track, id): loaded whole for a reader of every record
 * (export, orderings), or looked up one by one as asked and kept (a window, a subscription's
 * backlog), so that a session that printed millions of lines is not read whole to name the
 * few records of a window. */
typedef struct str_entry {
  uint64_t key; /* track << 32 | id, with the top bit set; 0: empty */
  char *text;   /* a site's is "file\0func" */
  int64_t line; /* a site's line */
} str_entry;

typedef struct str_table {
  str_entry *slots;
  size_t cap, n; /* open addressing, grown at half full */
} str_table;

struct ltc_session_strings {
  str_table strings, sites;
  ltc_store *lookups; /* the store to look them up in one by one; NULL: loaded whole */
  int64_t session;
};

static size_t str_slot(const str_entry *slots, size_t cap, uint64_t key) {
  size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 32) & (cap - 1);
  while (slots[i].key && slots[i].key != key) i = (i + 1) & (cap - 1);
  return i;
}

static uint64_t str_key(uint32_t track, uint64_t id) {
  return (uint64_t)track << 32 | (id & 0xffffffffu) | 1ull << 63;
}

static str_entry *table_find(const str_table *t, uint64_t key) {
  if (!t->cap) return NULL;
  size_t i = str_slot(t->slots, t->cap, key);
  return t->slots[i].key ? &t->slots[i] : NULL;
}

/* Adds key (text taken); the entry, or NULL without memory (text freed). */
static str_entry *table_put(str_table *t, uint64_t key, char *text, int64_t line) {
  if (!text) return NULL;
  if (2 * (t->n + 1) > t->cap) { /* grow: every entry to its slot in a table twice the size */
    size_t ncap = t->cap ? t->cap * 2 : 64;
    str_entry *grown = calloc(ncap, sizeof *grown);
    if (!grown) {
      free(text);
      return NULL;
    }
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i].key) grown[str_slot(grown, ncap, t->slots[i].key)] = t->slots[i];
    free(t->slots);
    t->slots = grown;
    t->cap = ncap;
  }
  size_t i = str_slot(t->slots, t->cap, key);
  if (t->slots[i].key) { /* there already */
    free(text);
    return &t->slots[i];
  }
  t->slots[i] = (str_entry){key, text, line};
  t->n++;
  return &t->slots[i];
}

static void table_free(str_table *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->slots[i].text);
  free(t->slots);
  memset(t, 0, sizeof *t);
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

sqlite3_stmt *ltc_store_lookup(ltc_store *s, int which) {
  static const char *const sql[2] = {
      [LTC_LOOKUP_STRING] = "SELECT text FROM strings WHERE session = ? AND track = ? AND id = ?",
      [LTC_LOOKUP_SITE] = "SELECT file, func, line FROM sites WHERE session = ? AND track = ? "
                          "AND id = ?",
  };
  if (!s->lookup[which] && sqlite3_prepare_v3(s->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                              &s->lookup[which], NULL) != SQLITE_OK) {
    ltc_store_fail(s, "strings");
    return NULL;
  }
  return s->lookup[which];
}

/* The entry of (track, id) in table t: held, or (for lookups) read with the store's statement
 * which and kept; NULL when there is none. */
static str_entry *entry_of(ltc_session_strings *ss, str_table *t, int which, uint32_t track,
                           uint64_t id) {
  uint64_t key = str_key(track, id);
  str_entry *e = table_find(t, key);
  if (e || !ss->lookups) return e;
  sqlite3_stmt *st = ltc_store_lookup(ss->lookups, which);
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

static void strings_free(ltc_session_strings *t) {
  table_free(&t->strings);
  table_free(&t->sites);
}

/* Loads one table of (track, id) -> text of session id whole. */
static int table_load(ltc_store *s, int64_t id, const char *sql, str_table *t) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "strings");
  sqlite3_bind_int64(st, 1, id);
  int rc = 0;
  while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
    int64_t line = 0;
    uint64_t key = str_key((uint32_t)sqlite3_column_int64(st, 0),
                           (uint64_t)sqlite3_column_int64(st, 1));
    char *text = entry_text(st, 2, &line); /* before line is read: arguments are unsequenced */
    if (!table_put(t, key, text, line)) rc = -ENOMEM;
  }
  sqlite3_finalize(st);
  return rc;
}

static int strings_load(ltc_store *s, int64_t id, ltc_session_strings *t) {
  int rc = table_load(s, id, "SELECT track, id, text FROM strings WHERE session = ?", &t->strings);
  if (rc == 0)
    rc = table_load(s, id, "SELECT track, id, file, func, line FROM sites WHERE session = ?",
                    &t->sites);
  return rc;
}

int ltc_store_session_row(ltc_store *s, int64_t id, ltc_session_row *row) {
  sqlite3_stmt *st;
  if (prepare_sessions(s, "WHERE id = ?", &st) < 0) return ltc_store_fail(s, "session");
  sqlite3_bind_int64(st, 1, id);
  int rc = -ENOENT;
  if (sqlite3_step(st) == SQLITE_ROW) {
    /* the text outlives the statement: it is kept in the store */
    *row = session_from(st);
    snprintf(s->row_program, sizeof s->row_program, "%s", row->program ? row->program : "");
    snprintf(s->row_label, sizeof s->row_label, "%s", row->label ? row->label : "");
    snprintf(s->row_status, sizeof s->row_status, "%s", row->status ? row->status : "");
    snprintf(s->row_clock, sizeof s->row_clock, "%s", row->clock ? row->clock : "");
    snprintf(s->row_argv, sizeof s->row_argv, "%s", row->argv ? row->argv : "[]");
    snprintf(s->row_error, sizeof s->row_error, "%s", row->error ? row->error : "");
    row->program = s->row_program;
    row->label = s->row_label;
    row->status = s->row_status;
    row->clock = s->row_clock;
    row->argv = s->row_argv;
    row->error = s->row_error[0] ? s->row_error : NULL;
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

ltc_session_strings *ltc_store_strings(ltc_store *s, int64_t id) {
  ltc_session_strings *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->lookups = s;
  t->session = id;
  return t;
}

void ltc_strings_free(ltc_session_strings *t) {
  if (!t) return;
  strings_free(t);
  free(t);
}

int ltc_store_scan(ltc_store *s, int64_t id, const ltc_scan *q,
                   const ltc_session_strings **strings) {
  ltc_session_row row;
  int rc = ltc_store_session_row(s, id, &row);
  if (rc < 0) return rc;
  ltc_session_strings t = {0};
  if (strings && (rc = strings_load(s, id, &t)) < 0) {
    strings_free(&t);
    return rc;
  }
  if (strings) *strings = &t; /* valid while the callbacks run */
  /* Both orders are range scans: by time over event_blocks_by_time, by track over the
   * primary key. A block overlaps [lo, hi] when it starts by hi and ends from lo. */
  const char *sql = q->by_time
      ? "SELECT track, first_seq, data, start_ns FROM event_blocks WHERE session = ?1 "
        "AND start_ns <= ?3 AND (?4 OR end_ns >= ?2) AND first_seq + count > ?5 "
        "AND (?6 = 0 OR track = ?6) AND (track > ?7 OR (track = ?7 AND first_seq + count > ?8)) "
        "ORDER BY start_ns, track, first_seq"
      : "SELECT track, first_seq, data, start_ns FROM event_blocks WHERE session = ?1 "
        "AND start_ns <= ?3 AND (?4 OR end_ns >= ?2) AND first_seq + count > ?5 "
        "AND (?6 = 0 OR track = ?6) AND (track > ?7 OR (track = ?7 AND first_seq + count > ?8)) "
        "ORDER BY track, first_seq";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
    strings_free(&t);
    return ltc_store_fail(s, "events");
  }
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, q->lo);
  sqlite3_bind_int64(st, 3, q->hi);
  sqlite3_bind_int(st, 4, q->from_start);
  sqlite3_bind_int64(st, 5, (int64_t)q->min_seq);
  sqlite3_bind_int64(st, 6, q->only_track);
  sqlite3_bind_int64(st, 7, q->from_track);
  sqlite3_bind_int64(st, 8, (int64_t)q->from_track_seq);
  int step;
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    uint32_t track = (uint32_t)sqlite3_column_int64(st, 0);
    if (q->block && q->block(q->user, track, sqlite3_column_int64(st, 3),
                             (uint64_t)sqlite3_column_int64(st, 1)))
      break;
    rc = store_block_decode(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                            track, (uint64_t)sqlite3_column_int64(st, 1), q->event, q->user);
  }
  if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE) rc = ltc_store_fail(s, "events");
  sqlite3_finalize(st);
  strings_free(&t);
  if (strings) *strings = NULL;
  return rc;
}

int ltc_store_session_events(ltc_store *s, int64_t id, const ltc_session_strings **strings,
                             void (*fn)(void *user, const ltc_event *e), void *user) {
  ltc_scan q = {.lo = INT64_MIN, .hi = INT64_MAX, .from_start = true, .event = fn, .user = user};
  return ltc_store_scan(s, id, &q, strings);
}

int64_t ltc_store_count_window(ltc_store *s, int64_t id, int64_t lo, int64_t hi) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT coalesce(sum(count), 0) FROM event_blocks WHERE session = ?1 "
                         "AND start_ns <= ?3 AND end_ns >= ?2",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "counting");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return n;
}


int ltc_store_tasks(ltc_store *s, int64_t id, void (*fn)(void *user, const ltc_task_row *t),
                    void *user) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT track, task, coalesce(parent, 0), name, spawn_file, spawn_func, "
                         "coalesce(spawn_line, 0), created_ns, coalesce(finished_ns, -1), "
                         "outcome, coalesce(status, 0) FROM tasks WHERE session = ? "
                         "ORDER BY track, task",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "tasks");
  sqlite3_bind_int64(st, 1, id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ltc_task_row t = {
        .track = (uint32_t)sqlite3_column_int64(st, 0),
        .task = (uint32_t)sqlite3_column_int64(st, 1),
        .parent = (uint32_t)sqlite3_column_int64(st, 2),
        .name = (const char *)sqlite3_column_text(st, 3),
        .spawn_file = text_or_null(st, 4),
        .spawn_func = text_or_null(st, 5),
        .spawn_line = sqlite3_column_int64(st, 6),
        .created_ns = sqlite3_column_int64(st, 7),
        .finished_ns = sqlite3_column_int64(st, 8),
        .outcome = text_or_null(st, 9),
        .status = sqlite3_column_int64(st, 10),
    };
    fn(user, &t);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : ltc_store_fail(s, "tasks");
}

int ltc_store_marks(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t max,
                    void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts,
                               uint32_t task, const char *text),
                    void *user, int64_t *count) {
  /* Two range scans of marks_by_time, whose order (session, ts, then the key: track, seq) is
   * the reply's: no sort. (count(*) OVER () in one statement made SQLite read every mark of
   * the window: 0.24 s instead of 0.03 s for 128k marks.) */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT count(*) FROM marks WHERE session = ?1 AND ts BETWEEN ?2 AND ?3",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "marks");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  *count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(s->db,
                         "SELECT track, seq, ts, task, text FROM marks "
                         "WHERE session = ?1 AND ts BETWEEN ?2 AND ?3 ORDER BY ts, track, seq "
                         "LIMIT ?4",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "marks");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  sqlite3_bind_int64(st, 4, max);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    fn(user, (uint32_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
       sqlite3_column_int64(st, 2), (uint32_t)sqlite3_column_int64(st, 3),
       (const char *)sqlite3_column_text(st, 4));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : ltc_store_fail(s, "marks");
}

int ltc_store_mark_buckets(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t nb,
                           void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track,
                                      uint64_t seq, int64_t ts, uint32_t task, const char *text),
                           void *user) {
  /* Bucket i holds lo + i * width <= ts < lo + (i + 1) * width (the last one up to hi), as a
   * summary's. Walked with two index lookups per bucket that holds marks, jumping over empty
   * ones: a GROUP BY over the window sorted every mark in a temporary b-tree instead. */
  double width = (double)(hi - lo) / (double)nb;
  sqlite3_stmt *first = NULL, *count = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT track, seq, ts, task, text FROM marks WHERE session = ?1 "
                         "AND ts >= ?2 AND ts <= ?3 ORDER BY ts, track, seq LIMIT 1",
                         -1, &first, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(s->db,
                         "SELECT count(*) FROM marks WHERE session = ?1 AND ts >= ?2 AND ts < ?3",
                         -1, &count, NULL) != SQLITE_OK) {
    sqlite3_finalize(first);
    return ltc_store_fail(s, "marks");
  }
  int rc = 0;
  for (int64_t i = 0; i < nb;) {
    int64_t from = lo + (int64_t)ceil((double)i * width);
    sqlite3_reset(first);
    sqlite3_bind_int64(first, 1, id);
    sqlite3_bind_int64(first, 2, from);
    sqlite3_bind_int64(first, 3, hi);
    int step = sqlite3_step(first);
    if (step != SQLITE_ROW) {
      if (step != SQLITE_DONE) rc = ltc_store_fail(s, "marks");
      break;
    }
    int64_t ts = sqlite3_column_int64(first, 2);
    i = (int64_t)((double)(ts - lo) / width); /* the bucket of the next mark */
    if (i >= nb) i = nb - 1;
    while (i + 1 < nb && ts >= lo + (int64_t)ceil((double)(i + 1) * width)) i++; /* rounding */
    int64_t end = i + 1 == nb ? hi + 1 : lo + (int64_t)ceil((double)(i + 1) * width);
    sqlite3_reset(count);
    sqlite3_bind_int64(count, 1, id);
    sqlite3_bind_int64(count, 2, ts);
    sqlite3_bind_int64(count, 3, end);
    int64_t n = sqlite3_step(count) == SQLITE_ROW ? sqlite3_column_int64(count, 0) : 0;
    fn(user, i, n, (uint32_t)sqlite3_column_int64(first, 0),
       (uint64_t)sqlite3_column_int64(first, 1), ts, (uint32_t)sqlite3_column_int64(first, 3),
       (const char *)sqlite3_column_text(first, 4));
    i++;
  }
  sqlite3_finalize(first);
  sqlite3_finalize(count);
  return rc;
}
