/* commands.c: what the looptrace commands share. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

void ltc_default_ingest_socket(char *buf, size_t len) {
  const char *run = getenv("XDG_RUNTIME_DIR");
  char dir[256];
  if (run && *run)
    snprintf(dir, sizeof dir, "%s/looptrace", run);
  else
    snprintf(dir, sizeof dir, "/tmp/looptrace-%u", (unsigned)getuid());
  mkdir(dir, 0700);
  snprintf(buf, len, "%s/ingest.sock", dir);
}

bool ltc_collector_listens(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return false;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  if (fd >= 0) close(fd);
  return ok;
}
