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

#include "wire_reader.h"

typedef struct ltc_store ltc_store;

/* The default database: $LOOPTRACE_DB, else $XDG_DATA_HOME/looptrace/looptrace.db, else
 * ~/.local/share/looptrace/looptrace.db. Creates the directory. buf holds the path. */
const char *ltc_store_default_path(char *buf, size_t len);

/* Opens (creating if needed) the database at path. 0, or -errno with a message in err. */
int ltc_store_open(const char *path, ltc_store **out, char *err, size_t errlen);
void ltc_store_close(ltc_store *s);

/* ---- writing a session ---- */

/* A new session from a stream's hello; label overrides the hello's when not NULL. */
int ltc_store_session_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id);
/* One decoded record of that session's stream; r resolves its strings and sites. */
int ltc_store_session_event(ltc_store *s, int64_t id, const ltc_event *e, const ltc_reader *r);
/* Ends the session: status is complete, truncated, aborted or interrupted. An ended session's
 * status may be set again this way; -ENOENT for an unknown id. */
int ltc_store_session_end(ltc_store *s, int64_t id, const char *status, uint64_t lost,
                          const char *error);
/* Writes everything buffered, in one transaction. */
int ltc_store_commit(ltc_store *s);

/* ---- reading ---- */

typedef struct ltc_session_row {
  int64_t id;
  const char *program, *label, *status, *clock;
  int64_t pid, started_wall_ns, start_ns, end_ns;
  int64_t events, lost, tasks;
} ltc_session_row;

int ltc_store_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                            void *user);
const char *ltc_store_error(const ltc_store *s);

/* One session's records, track by track in sequence order, decoded from their blocks, with
 * the session's strings for resolving them. 0, -ENOENT for an unknown session, -EPROTO for a
 * damaged block. */
typedef struct ltc_session_strings ltc_session_strings;
int ltc_store_session_events(ltc_store *s, int64_t id, const ltc_session_strings **strings,
                             void (*fn)(void *user, const ltc_event *e), void *user);
const char *ltc_strings_get(const ltc_session_strings *t, uint32_t track, uint64_t id);
/* The session's row; its text lives in the store until the next call of this function. */
int ltc_store_session_row(ltc_store *s, int64_t id, ltc_session_row *row);

#endif
