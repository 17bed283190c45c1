/* sql.c: how the store's files run SQL text and say what failed (see store-int.h). */
#include <errno.h>

#include "store/store-int.h"

int ltc_store_fail(ltc_store *s, ltc_err *err, const char *what) {
  int code = sqlite3_errcode(s->db) == SQLITE_FULL ? -ENOSPC : -EIO;
  return ltc_fail(err, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

int ltc_store_exec(ltc_store *s, const char *sql, ltc_err *err) {
  char *msg = NULL;
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
  if (rc == SQLITE_OK) return 0;
  int code = (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
  ltc_fail(err, code, "%s", msg ? msg : sqlite3_errstr(rc));
  sqlite3_free(msg);
  return code;
}
