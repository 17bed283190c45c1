/* store_internal.h: what store.c (schema, writer) and store_read.c (queries) share: the
 * store's struct and its error helpers. Not for use outside the store. */
#ifndef LTC_STORE_INTERNAL_H
#define LTC_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store.h"

enum {
  ST_SESSION_INSERT,
  ST_SESSION_PROGRESS,
  ST_SESSION_END,
  ST_BLOCK_INSERT,
  ST_STRING_INSERT,
  ST_TASK_INSERT,
  ST_TASK_DONE,
  ST_SITE_INSERT,
  ST_MARK_INSERT,
  ST_COUNT
};

struct live_session;
typedef struct ltc_checkpointer ltc_checkpointer;
struct ltc_replay_cache;

struct ltc_store {
  sqlite3 *db;
  bool reader; /* opened with ltc_store_open_reader: never writes */
  /* the text of the last ltc_store_session_row, per store (a reader thread has its own) */
  char row_program[4096], row_label[1024], row_status[32], row_clock[16];
  char row_argv[8192], row_error[512];
  sqlite3_stmt *st[ST_COUNT];
  bool in_tx;
  struct live_session *live;
  ltc_checkpointer *checkpointer; /* checkpoint.c, when the writer has one */
  struct ltc_replay_cache *replay; /* replay.c's checkpoints of sessions, for a reader */
  sqlite3_stmt *lookup[2];         /* one string, one site by key (ltc_store_lookup) */
  char error[256];
};

/* Stops the checkpoint thread (the store's close does, before closing the writer). */
void ltc_checkpointer_stop(ltc_checkpointer *c);

/* The store's statement that reads one string (LTC_LOOKUP_STRING: text) or one site
 * (LTC_LOOKUP_SITE: file, func, line) by ?1 session, ?2 track, ?3 id: prepared once, kept
 * until the store closes, reset after each use. NULL when it cannot be prepared. */
enum { LTC_LOOKUP_STRING, LTC_LOOKUP_SITE };
sqlite3_stmt *ltc_store_lookup(ltc_store *s, int which);

/* Records sqlite's message for what failed; returns -EIO. */
int ltc_store_fail(ltc_store *s, const char *what);
/* Runs SQL text without parameters (pragmas, BEGIN/COMMIT). 0 or -EIO. */
int ltc_store_exec(ltc_store *s, const char *sql);

#endif
