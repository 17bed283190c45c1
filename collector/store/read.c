/* read.c: the read side of the store (see store.h): sessions, one session's row, its tasks
 * and marks, and its records decoded from their blocks, whole or by time window. The daemon's
 * web thread reads through a store of its own (ltc_store_open_reader). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/chstore-int.h"
#include "store/store-int.h"

static const char *text_or_null(sqlite3_stmt *st, int col) {
  return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
                                                     : (const char *)sqlite3_column_text(st, col);
}

/* A session row's columns, in the order session_from reads them. */
#define SESSION_COLUMNS                                                                  \
  "id, program, label, status, clock, pid, started_wall_ns, start_ns, end_ns, events, "  \
  "lost, (SELECT count(*) FROM tasks t WHERE t.session = s.id), argv, error, "

/* Selects sessions (rest: what follows FROM sessions s). */
static int prepare_sessions(ltc_store *s, const char *rest, sqlite3_stmt **st, ltc_err *err) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT " SESSION_COLUMNS "shuffle_seed, unstored, flight_from_ns, flight_to_ns, "
           "flight_lost, flight_dump FROM sessions s %s",
           rest);
  return sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK
             ? 0
             : ltc_store_fail(s, err, "reading sessions");
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
      .unstored = sqlite3_column_int64(st, 15),
      .flight = sqlite3_column_type(st, 16) != SQLITE_NULL,
      .flight_from_ns = sqlite3_column_int64(st, 16),
      .flight_to_ns = sqlite3_column_int64(st, 17),
      .flight_lost = sqlite3_column_int64(st, 18),
      .flight_dump = sqlite3_column_int64(st, 19),
  };
}

int ltc_store_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                            void *user, ltc_err *err) {
  if (s->ch) return ltc_ch_list_sessions(s, fn, user, err);
  sqlite3_stmt *st;
  int rc = prepare_sessions(s, "ORDER BY id", &st, err);
  if (rc < 0) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ltc_session_row row = session_from(st);
    fn(user, &row);
  }
  rc = rc == SQLITE_DONE ? 0 : ltc_store_fail(s, err, "listing sessions");
  sqlite3_finalize(st);
  return rc;
}

int ltc_store_session_row(ltc_store *s, int64_t id, ltc_session_row *row, ltc_err *err) {
  if (s->ch) return ltc_ch_session_row(s, id, row, err);
  sqlite3_stmt *st;
  int rc = prepare_sessions(s, "WHERE id = ?", &st, err);
  if (rc < 0) return rc;
  sqlite3_bind_int64(st, 1, id);
  int step = sqlite3_step(st);
  if (step == SQLITE_DONE)
    rc = ltc_fail(err, -ENOENT, "no session %lld", (long long)id);
  else if (step != SQLITE_ROW)
    rc = ltc_store_fail(s, err, "reading a session");
  if (step == SQLITE_ROW) {
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

int ltc_store_scan(ltc_store *s, int64_t id, const ltc_scan *q,
                   const ltc_session_strings **strings, ltc_err *err) {
  ltc_session_row row;
  int rc = ltc_store_session_row(s, id, &row, err);
  if (rc < 0) return rc;
  ltc_session_strings *t = NULL;
  if (strings && (rc = ltc_store_strings_whole(s, id, &t, err)) < 0) return rc;
  if (strings) *strings = t; /* valid while the callbacks run */
  if (s->ch) {
    rc = ltc_ch_scan(s, id, q, err);
    ltc_strings_free(t);
    if (strings) *strings = NULL;
    return rc;
  }
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
    ltc_strings_free(t);
    return ltc_store_fail(s, err, "reading records");
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
    if (rc == -EPROTO)
      ltc_fail(err, rc, "session %lld: a damaged event block (track %u, from seq %lld)",
               (long long)id, track, (long long)sqlite3_column_int64(st, 1));
  }
  if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
    rc = ltc_store_fail(s, err, "reading records");
  sqlite3_finalize(st);
  ltc_strings_free(t);
  if (strings) *strings = NULL;
  return rc;
}

int ltc_store_session_events(ltc_store *s, int64_t id, const ltc_session_strings **strings,
                             void (*fn)(void *user, const ltc_event *e), void *user,
                             ltc_err *err) {
  ltc_scan q = {.lo = INT64_MIN, .hi = INT64_MAX, .from_start = true, .event = fn, .user = user};
  return ltc_store_scan(s, id, &q, strings, err);
}

int64_t ltc_store_count_window(ltc_store *s, int64_t id, int64_t lo, int64_t hi, ltc_err *err) {
  if (s->ch) return ltc_ch_count_window(s, id, lo, hi, err);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT coalesce(sum(count), 0) FROM event_blocks WHERE session = ?1 "
                         "AND start_ns <= ?3 AND end_ns >= ?2",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, "counting records");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return n;
}

int ltc_store_tasks(ltc_store *s, int64_t id, void (*fn)(void *user, const ltc_task_row *t),
                    void *user, ltc_err *err) {
  if (s->ch) return ltc_ch_tasks(s, id, fn, user, err);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT track, task, coalesce(parent, 0), name, spawn_file, spawn_func, "
                         "coalesce(spawn_line, 0), created_ns, coalesce(finished_ns, -1), "
                         "outcome, coalesce(status, 0) FROM tasks WHERE session = ? "
                         "ORDER BY track, task",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, "reading tasks");
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
  rc = rc == SQLITE_DONE ? 0 : ltc_store_fail(s, err, "reading tasks");
  sqlite3_finalize(st);
  return rc;
}

int ltc_store_marks(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t max,
                    void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts,
                               uint32_t task, const char *text),
                    void *user, int64_t *count, ltc_err *err) {
  /* Two range scans of marks_by_time, whose order (session, ts, then the key: track, seq) is
   * the reply's: no sort. (count(*) OVER () in one statement made SQLite read every mark of
   * the window: 0.24 s instead of 0.03 s for 128k marks.) */
  if (s->ch) return ltc_ch_marks(s, id, lo, hi, max, fn, user, count, err);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT count(*) FROM marks WHERE session = ?1 AND ts BETWEEN ?2 AND ?3",
                         -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, "reading marks");
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
    return ltc_store_fail(s, err, "reading marks");
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  sqlite3_bind_int64(st, 4, max);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    fn(user, (uint32_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
       sqlite3_column_int64(st, 2), (uint32_t)sqlite3_column_int64(st, 3),
       (const char *)sqlite3_column_text(st, 4));
  rc = rc == SQLITE_DONE ? 0 : ltc_store_fail(s, err, "reading marks");
  sqlite3_finalize(st);
  return rc;
}

int ltc_store_mark_buckets(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t nb,
                           void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track,
                                      uint64_t seq, int64_t ts, uint32_t task, const char *text),
                           void *user, ltc_err *err) {
  /* Bucket i holds lo + i * width <= ts < lo + (i + 1) * width (the last one up to hi), as a
   * summary's. Walked with two index lookups per bucket that holds marks, jumping over empty
   * ones: a GROUP BY over the window sorted every mark in a temporary b-tree instead. */
  if (s->ch) return ltc_ch_mark_buckets(s, id, lo, hi, nb, fn, user, err);
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
    return ltc_store_fail(s, err, "reading marks");
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
      if (step != SQLITE_DONE) rc = ltc_store_fail(s, err, "reading marks");
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
