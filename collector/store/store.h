/* store.h: the SQLite store of recorded sessions (docs/schema.md explains the schema). One
 * thread uses a store at a time: the writer side takes a session's decoded events, buffers
 * them as packed blocks per track and writes everything since the last commit in one
 * transaction when ltc_store_commit is called (the caller does so at least every 100 ms); the
 * read side lists sessions. Opening a store marks the sessions a killed writer left "live" as
 * "interrupted". */
#ifndef LTC_STORE_H
#define LTC_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "wire/reader.h"

typedef struct ltc_store ltc_store;

/* Records per event block (codec.h): a block is the unit of reading and of replay. */
#define LTC_STORE_BLOCK_EVENTS 4096

/* The default database: $LOOPTRACE_DB, else $XDG_DATA_HOME/looptrace/looptrace.db, else
 * ~/.local/share/looptrace/looptrace.db. Creates the directory. buf holds the path. */
const char *ltc_store_default_path(char *buf, size_t len);

/* Every function that can fail returns 0 (or a count) or a negative errno, and says why in
 * err (base/err.h) when it is not NULL: -ENOENT for an unknown session ("no session N"),
 * -EPROTO for a damaged block, -ENOSPC when the disk is full, -EIO for other SQLite failures
 * (with SQLite's message), -ENOMEM. */

/* Opens (creating if needed) the database at path, bringing its schema up to this build's
 * version (schema.c); a database made by a newer build is refused (-EPROTONOSUPPORT). */
int ltc_store_open(const char *path, ltc_store **out, ltc_err *err);
/* Opens an existing database for reading only (the daemon's web thread): no schema changes,
 * no status fixes; reads see what the writer has committed. Also refuses a schema it does not
 * know (older or newer): the writer that shares the file brings an older one up to date. */
int ltc_store_open_reader(const char *path, ltc_store **out, ltc_err *err);
void ltc_store_close(ltc_store *s);

/* What a layer above keeps with a store and that goes with it (a reader's replay
 * checkpoints, model/replay.c): one per store; free_fn runs when it is replaced or the store
 * closes. */
void *ltc_store_attachment(const ltc_store *s);
void ltc_store_attach(ltc_store *s, void *data, void (*free_fn)(void *data));

/* ---- writing a session ---- */

/* A new session from a stream's hello; label overrides the hello's when not NULL. */
int ltc_store_session_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id,
                            ltc_err *err);
/* One decoded record of that session's stream; r resolves its strings and sites. */
int ltc_store_session_event(ltc_store *s, int64_t id, const ltc_event *e, const ltc_reader *r,
                            ltc_err *err);
/* Ends the session: status is complete, truncated, aborted or interrupted. An ended session's
 * status may be set again this way; -ENOENT for an unknown id. */
int ltc_store_session_end(ltc_store *s, int64_t id, const char *status, uint64_t lost,
                          const char *error, ltc_err *err);
/* From now on WAL checkpoints run on a thread of their own (with a connection to path),
 * never inside this store's commits: for the daemon, whose writer also feeds live clients. */
int ltc_store_checkpoint_in_background(ltc_store *s, const char *path, ltc_err *err);
/* Writes everything taken in since the last commit, in one transaction. When that fails (a
 * full disk: -ENOSPC) nothing of it is written and all of it is kept, to be written by the
 * next commit: the caller stops taking more in (ltc_store_waiting) until one succeeds. */
int ltc_store_commit(ltc_store *s, ltc_err *err);
/* Records taken in and not yet committed (0 after a commit that succeeded). */
uint64_t ltc_store_waiting(const ltc_store *s);
/* Keeps bytes of the disk the database is on in reserve (a file beside it, PATH-reserve),
 * let go of by ltc_store_give_up so that a full disk still takes its last few bytes; removed
 * when the store closes. 0 or -errno. */
int ltc_store_keep_reserve(ltc_store *s, const char *path, size_t bytes, ltc_err *err);
/* The writer stops for good while a commit cannot succeed: what waits is let go of, and every
 * session still open is marked interrupted with what it lost (sessions.unstored, and an error
 * saying so), in a transaction of a few bytes that may still fit. *unstored: how many records
 * that is. 0, or -errno when even that could not be written. */
int ltc_store_give_up(ltc_store *s, uint64_t *unstored, ltc_err *err);
/* A new label for a session. 0 or -ENOENT. */
int ltc_store_session_label(ltc_store *s, int64_t id, const char *label, ltc_err *err);
/* Deletes a session and everything of it. -EBUSY while it is being written, -ENOENT. */
int ltc_store_session_delete(ltc_store *s, int64_t id, ltc_err *err);

/* ---- reading ---- */

typedef struct ltc_session_row {
  int64_t id;
  const char *program, *label, *status, *clock;
  const char *argv, *error; /* argv: a JSON array; error: NULL unless cut or corrupt */
  bool shuffled;            /* recorded in shuffle mode, with this seed (replays the run) */
  uint64_t shuffle_seed;
  int64_t pid, started_wall_ns, start_ns, end_ns;
  int64_t events, lost, tasks;
  int64_t unstored; /* records taken in that could not be stored (a full disk) */
  bool flight;      /* a flight recorder's dump, covering from .. to on the trace clock, */
  int64_t flight_from_ns, flight_to_ns;
  int64_t flight_lost, flight_dump; /* with what fell out of its ring before; its number */
  const char *host; /* the machine it was recorded on: a ClickHouse store's; NULL in SQLite */
  int64_t mono_start_ns; /* a ClickHouse store's: CLOCK_MONOTONIC at started_wall_ns */
  bool has_time;         /* a ClickHouse store's: start_ns and end_ns are known */
} ltc_session_row;

int ltc_store_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                            void *user, ltc_err *err);

/* One session's records, track by track in sequence order, decoded from their blocks, with
 * the session's strings for resolving them. 0, -ENOENT for an unknown session, -EPROTO for a
 * damaged block. */
typedef struct ltc_session_strings ltc_session_strings;
int ltc_store_session_events(ltc_store *s, int64_t id, const ltc_session_strings **strings,
                             void (*fn)(void *user, const ltc_event *e), void *user,
                             ltc_err *err);
const char *ltc_strings_get(const ltc_session_strings *t, uint32_t track, uint64_t id);
/* A session's strings and sites for resolving the records of a window: each looked up in the
 * database when first asked for and kept, so that naming a window's records never reads all
 * the lines a program printed. Uses the store: free it before closing the store. NULL
 * without memory. (A scan that asks for strings loads them whole: it resolves every record.) */
ltc_session_strings *ltc_store_strings(ltc_store *s, int64_t id);
void ltc_strings_free(ltc_session_strings *t);
/* A site (where a task was spawned or awaited): 0, or -ENOENT. */
int ltc_sites_get(const ltc_session_strings *t, uint32_t track, uint64_t id, const char **file,
                  const char **func, int64_t *line);
/* The session's row; its text lives in the store until the next call of this function. */
int ltc_store_session_row(ltc_store *s, int64_t id, ltc_session_row *row, ltc_err *err);

/* A read of a session's records from their blocks. */
typedef struct ltc_scan {
  int64_t lo, hi;    /* blocks that hold records timed in [lo, hi] */
  bool from_start;   /* and every block before lo too: a replay from the session's start */
  bool by_time;      /* blocks in order of their first timestamp (else track, then sequence) */
  uint64_t min_seq;  /* only blocks that hold a record numbered min_seq or later */
  uint32_t only_track; /* only this track's blocks (0: every track) */
  /* Resuming a scan in track order: only blocks of tracks after from_track, and of
   * from_track those that hold a record numbered from_track_seq or later (0: every track) */
  uint32_t from_track;
  uint64_t from_track_seq;
  /* Called before each block with its track, first timestamp and first seq; nonzero stops
   * the scan. */
  int (*block)(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq);
  void (*event)(void *user, const ltc_event *e);
  void *user;
} ltc_scan;
/* Runs q over session id's blocks; *strings (when not NULL) resolves the session's strings
 * while the callbacks run. 0, -ENOENT, -EPROTO for a damaged block, -EIO. */
int ltc_store_scan(ltc_store *s, int64_t id, const ltc_scan *q,
                   const ltc_session_strings **strings, ltc_err *err);
/* How many records the blocks that overlap [lo, hi] hold: a cheap upper bound of the
 * records in the window (or a negative errno). */
int64_t ltc_store_count_window(ltc_store *s, int64_t id, int64_t lo, int64_t hi, ltc_err *err);

/* The marks of [lo, hi] in nb equal buckets: per bucket that holds any, how many and the
 * first of them, in bucket order. */
int ltc_store_mark_buckets(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t nb,
                           void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track,
                                      uint64_t seq, int64_t ts, uint32_t task, const char *text),
                           void *user, ltc_err *err);

typedef struct ltc_task_row {
  uint32_t track, task, parent; /* parent 0: created at the top */
  const char *name, *spawn_file, *spawn_func; /* spawn_* NULL when unknown */
  int64_t spawn_line, created_ns, finished_ns; /* finished_ns -1 while it runs */
  const char *outcome; /* result, error, cancelled, or NULL */
  int64_t status;
} ltc_task_row;
/* The session's tasks in creation order (track, then id). */
int ltc_store_tasks(ltc_store *s, int64_t id, void (*fn)(void *user, const ltc_task_row *t),
                    void *user, ltc_err *err);
/* Its marks timed in [lo, hi], in time order, at most max of them; the total in *count. */
int ltc_store_marks(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t max,
                    void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts,
                               uint32_t task, const char *text),
                    void *user, int64_t *count, ltc_err *err);

#endif
