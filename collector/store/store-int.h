/* store-int.h: what the store's files share: the store's struct, its statements and its
 * error helpers (sql.c). Not for use outside store/. Within store/, calls run one way:
 * store.c (open, close) -> schema.c, writer.c -> read.c -> strings.c -> sql.c. */
#ifndef LTC_STORE_INT_H
#define LTC_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "store/checkpoint.h"
#include "store/store.h"

/* The writer's statements, prepared once when the store opens (writer.c has their text). */
enum {
  ST_SESSION_INSERT,
  ST_SESSION_ID,
  ST_SESSION_PROGRESS,
  ST_SESSION_END,
  ST_BLOCK_INSERT,
  ST_STRING_INSERT,
  ST_TASK_INSERT,
  ST_TASK_DONE,
  ST_TASK_RENAME,
  ST_SITE_INSERT,
  ST_MARK_INSERT,
  ST_COUNT
};

struct live_session;
struct ltc_chstore;
typedef struct ltc_pending ltc_pending;

struct ltc_store {
  sqlite3 *db;              /* NULL for a ClickHouse store, whose side is ch */
  struct ltc_chstore *ch;   /* a ClickHouse store (chstore-int.h); NULL for SQLite */
  bool reader; /* opened with ltc_store_open_reader: never writes */
  /* the text of the last ltc_store_session_row, per store (a reader thread has its own) */
  char row_program[4096], row_label[1024], row_status[32], row_clock[16];
  char row_argv[8192], row_error[512], row_host[256];
  sqlite3_stmt *st[ST_COUNT];
  struct live_session *live;
  ltc_pending *pending; /* rows written at the next commit (pending.c) */
  ltc_checkpointer *checkpointer; /* checkpoint.c, when the writer has one */
  char reserve[4200];             /* ltc_store_keep_reserve's file, or "" */
  void *attachment;               /* ltc_store_attach */
  void (*attachment_free)(void *);
  sqlite3_stmt *lookup[2];        /* one string, one site by key (ltc_store_lookup) */
};

/* The store's statement that reads one string (LTC_LOOKUP_STRING: text) or one site
 * (LTC_LOOKUP_SITE: file, func, line) by ?1 session, ?2 track, ?3 id: prepared once, kept
 * until the store closes, reset after each use. NULL when it cannot be prepared. */
enum { LTC_LOOKUP_STRING, LTC_LOOKUP_SITE };
sqlite3_stmt *ltc_store_lookup(ltc_store *s, int which, ltc_err *err);

/* ---- the rows between two commits (pending.c) ---- */

/* A value of a row: an integer, text, a blob or NULL. */
enum { LTC_V_NULL, LTC_V_INT, LTC_V_TEXT, LTC_V_BLOB };
#define LTC_MAX_VALUES 9
typedef struct ltc_value {
  uint8_t type;
  int64_t i;       /* LTC_V_INT */
  const void *ptr; /* text, blob: copied when the row is kept */
  size_t len;
} ltc_value;
static inline ltc_value ltc_int(int64_t i) { return (ltc_value){LTC_V_INT, i, NULL, 0}; }
static inline ltc_value ltc_null(void) { return (ltc_value){LTC_V_NULL, 0, NULL, 0}; }
static inline ltc_value ltc_textn(const char *t, size_t n) {
  return t ? (ltc_value){LTC_V_TEXT, 0, t, n} : ltc_null();
}
static inline ltc_value ltc_text(const char *t) { return ltc_textn(t, t ? strlen(t) : 0); }
static inline ltc_value ltc_blob(const void *p, size_t n) {
  return (ltc_value){LTC_V_BLOB, 0, p, n};
}

/* Keeps a row for the next commit: statement stmt's n values (copied), holding records
 * records of the stream (for counting what waits). 0 or -ENOMEM. */
int ltc_pending_add(ltc_store *s, int stmt, const ltc_value *v, int n, uint64_t records);
/* Writes every row kept, in one transaction; on failure the transaction is rolled back and the
 * rows stay for the next attempt. 0, or -ENOSPC / -EIO with why in err. */
int ltc_pending_run(ltc_store *s, ltc_err *err);
/* Calls fn with every row kept, in order, until it returns nonzero (returned). */
int ltc_pending_each(ltc_store *s, int (*fn)(void *user, int stmt, const ltc_value *v, int n),
                     void *user);
/* Lets go of every row kept (they are stored). */
void ltc_pending_clear(ltc_store *s);
uint64_t ltc_pending_records(const ltc_store *s);
bool ltc_pending_empty(const ltc_store *s);
void ltc_pending_free(ltc_store *s);

/* Session id's strings and sites, read whole (for a scan that names every record). */
int ltc_store_strings_whole(ltc_store *s, int64_t id, ltc_session_strings **out, ltc_err *err);

/* Says in err what failed, with SQLite's message; returns -ENOSPC when the disk (or the
 * database's size limit) is full, else -EIO. */
int ltc_store_fail(ltc_store *s, ltc_err *err, const char *what);
/* Runs SQL text without parameters (pragmas, BEGIN/COMMIT, DDL). 0 or as ltc_store_fail. */
int ltc_store_exec(ltc_store *s, const char *sql, ltc_err *err);
/* Brings the writer's database to this build's schema (schema.c). */
int ltc_store_migrate(ltc_store *s, ltc_err *err);
/* 0 when the database's schema is this build's, else -EPROTONOSUPPORT saying which. */
int ltc_store_check_version(ltc_store *s, ltc_err *err);
/* This process as a session's writer: "PID START", START its start time in clock ticks since
 * boot (/proc/self/stat), so that a pid used again is not taken for it. */
const char *ltc_store_writer_id(void);

/* argv as a JSON array; sqlite3_free it. NULL without memory. */
char *ltc_store_argv_json(const ltc_hello *h);
/* True when writer ("PID START", as ltc_store_writer_id) names a process still running. */
bool ltc_store_writer_alive(const char *writer);

/* Prepares the writer's statements (writer.c). */
int ltc_store_prepare(ltc_store *s, ltc_err *err);
/* Frees what the writer holds of sessions still open (writer.c). */
void ltc_store_free_live(ltc_store *s);

#endif
