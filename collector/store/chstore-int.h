/* chstore-int.h: what the ClickHouse store's files share (clickhouse.c: open, schema, spool;
 * chwrite.c: the writer; chread.c: the reads). A ClickHouse store is an ltc_store whose ch is
 * set: the public functions of store.h hand their work to these. Not for use outside store/. */
#ifndef LTC_CHSTORE_INT_H
#define LTC_CHSTORE_INT_H

#include "base/map-inl.h"
#include "store/chttp.h"
#include "store/store-int.h"

/* A session this writer writes (or restates): its whole row, which every change inserts
 * again with a newer version (the sessions table keeps the newest: ReplacingMergeTree). */
typedef struct ch_session {
  int64_t id;
  char *host, *program, *argv, *label, *clock, *status, *error, *writer;
  int64_t pid, wall_ns, mono_ns, start_ns, end_ns, events, lost, unstored, seed;
  bool has_time, shuffled, touched;
  ltc_map steps; /* chsteps.c: each task's last suspension */
  struct ch_session *next;
} ch_session;

/* The tables a commit inserts into, in this order: the session rows last, so that a reader
 * that sees a session's counts finds the rows that make them. */
enum {
  CT_BLOCKS, CT_STRINGS, CT_SITES, CT_TASKS, CT_TASK_ENDS, CT_MARKS, CT_WAITS, CT_SESSIONS,
  CT_COUNT
};
/* The pending rows of the waits table (chsteps.c), beside the SQLite writer's statements. */
#define ST_CH_WAIT ST_COUNT

struct ltc_chstore {
  ltc_chttp *http;
  ch_session *sessions;
  ch_session *last; /* of sessions, the one the last record was of */
  char host[256];  /* this machine, as every session it writes says */
  char spool[4200]; /* the directory of what a stopped writer could not insert */
};

/* Opens the store at url (clickhouse://HOST:PORT/DB; see store.h's ltc_store_open). A writer
 * makes the database and tables when missing, inserts what the spool holds and ends this
 * host's orphaned sessions; a reader checks the server answers. */
int ltc_ch_open(const char *url, bool reader, ltc_store **out, ltc_err *err);
/* Frees what the ClickHouse side of s holds (s itself stays). */
void ltc_ch_close(ltc_store *s);

/* The INSERT of table t (its columns, in the order a commit writes them). */
const char *ltc_ch_insert_sql(int t);
/* Inserts the rows of every table in bufs, in order; 0 or as ltc_chttp_query. */
int ltc_ch_insert_all(struct ltc_chstore *ch, const ltc_chbuf *bufs, ltc_err *err);
/* Writes bufs to a new file in the spool directory, to be inserted when a writer next opens
 * the store. 0 or -errno. */
int ltc_ch_spool(struct ltc_chstore *ch, const ltc_chbuf *bufs, ltc_err *err);

/* ---- chsteps.c ---- */
/* Follows record e of session id for the waits table; 0 or -ENOMEM. */
int ltc_ch_step(ltc_store *s, int64_t id, const ltc_event *e);
void ltc_ch_steps_free(ch_session *c);

/* ---- chwrite.c ---- */
int ltc_ch_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id,
                 ltc_err *err);
int ltc_ch_commit(ltc_store *s, ltc_err *err);
int ltc_ch_give_up(ltc_store *s, uint64_t *unstored, ltc_err *err);
int ltc_ch_label(ltc_store *s, int64_t id, const char *label, ltc_err *err);
int ltc_ch_delete(ltc_store *s, int64_t id, ltc_err *err);
/* Holds session id's row (read from ClickHouse) so that a change to it can be committed. */
int ltc_ch_restate(ltc_store *s, int64_t id, ltc_err *err);
void ltc_ch_free_sessions(struct ltc_chstore *ch);
/* Marks this host's live sessions whose writer is gone interrupted. */
int ltc_ch_end_orphans(ltc_store *s, ltc_err *err);

/* ---- chread.c: as store.h's functions of the same names ---- */
int ltc_ch_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                         void *user, ltc_err *err);
int ltc_ch_session_row(ltc_store *s, int64_t id, ltc_session_row *row, ltc_err *err);
int ltc_ch_scan(ltc_store *s, int64_t id, const ltc_scan *q, ltc_err *err);
int64_t ltc_ch_count_window(ltc_store *s, int64_t id, int64_t lo, int64_t hi, ltc_err *err);
int ltc_ch_tasks(ltc_store *s, int64_t id, void (*fn)(void *user, const ltc_task_row *t),
                 void *user, ltc_err *err);
int ltc_ch_marks(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t max,
                 void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts, uint32_t task,
                            const char *text),
                 void *user, int64_t *count, ltc_err *err);
int ltc_ch_mark_buckets(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t nb,
                        void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track,
                                   uint64_t seq, int64_t ts, uint32_t task, const char *text),
                        void *user, ltc_err *err);
/* The strings (which: LTC_LOOKUP_STRING) or sites of a track numbered from .. from + 4095,
 * or (track -1) a session's whole table of them: each entry (track, id, a string's text or
 * a site's file and func, a site's line) to put. */
int ltc_ch_strings_load(ltc_store *s, int64_t id, int which, int64_t track, int64_t from,
                        int (*put)(void *user, uint32_t track, uint64_t id, const char *a,
                                   size_t alen, const char *b, size_t blen, int64_t line),
                        void *user, ltc_err *err);

#endif
