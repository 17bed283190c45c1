/* commands.c: what the looptrace commands share. */
#include "commands.h"

#include <stdio.h>

ltc_store *ltc_open_db(const char *command, const char **db, char *path, size_t len) {
  if (!*db) *db = ltc_store_default_path(path, len);
  char err[512];
  ltc_store *store;
  if (ltc_store_open(*db, &store, err, sizeof err) < 0) {
    fprintf(stderr, "looptrace %s: %s\n", command, err);
    return NULL;
  }
  return store;
}
