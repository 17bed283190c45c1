/* checkpoint.h: WAL checkpoints on a thread of their own (checkpoint.c explains why). */
#ifndef LTC_CHECKPOINT_H
#define LTC_CHECKPOINT_H

#include <sqlite3.h>

#include "base/err.h"

typedef struct ltc_checkpointer ltc_checkpointer;

/* Takes over db's WAL checkpoints, with a connection of its own to path. 0 or -errno. */
int ltc_checkpointer_start(sqlite3 *db, const char *path, ltc_checkpointer **out, ltc_err *err);
/* Gives db's checkpoints back (it then checkpoints as SQLite does by default) and joins the
 * thread. */
void ltc_checkpointer_stop(ltc_checkpointer *c, sqlite3 *db);

#endif
