/* scratch.h: a collector test's scratch folder, made fresh under /tmp before its tests and
 * removed after them (cmocka group fixtures), with the SQLite file they record into; and
 * `looptrace record` of a program of build/bin into that file. Include after cmocka.h. */
#ifndef LT_TEST_SCRATCH_H
#define LT_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>

#include "db_query.h"

static char scratch_dir[64], scratch_db[128];
static int scratch_sessions; /* recorded so far: the next is scratch_sessions + 1 */

/* Makes /tmp/lt-NAME-XXXXXX, with NAME.db in it as scratch_db; 0, or -1 when it cannot. */
static inline int scratch_make(const char *name) {
  snprintf(scratch_dir, sizeof scratch_dir, "/tmp/lt-%s-XXXXXX", name);
  if (!mkdtemp(scratch_dir)) return -1;
  snprintf(scratch_db, sizeof scratch_db, "%s/%s.db", scratch_dir, name);
  return 0;
}

/* Removes the folder and all in it: a group teardown. */
static inline int scratch_remove(void **state) {
  (void)state;
  return shell("rm -rf %s", scratch_dir);
}

/* Records prog (its name in build/bin) under clock ("virtual" or "real") into scratch_db,
 * and returns its session id (sessions are numbered in the order they are recorded). */
static inline int scratch_record(const char *clock, const char *prog) {
  assert_int_equal(shell("%s/looptrace record --clock %s --db %s -- %s/%s >/dev/null 2>&1",
                         LT_BIN_DIR, clock, scratch_db, LT_BIN_DIR, prog),
                   0);
  return ++scratch_sessions;
}

#endif
