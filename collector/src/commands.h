/* commands.h: the looptrace subcommands, each `int ltc_cmd_NAME(argc, argv)` with argv[0] the
 * subcommand's name; exit status as each one's --help says. */
#ifndef LTC_COMMANDS_H
#define LTC_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

/* Opens *db (the default database when NULL; *db then names it, in path), or says why not on
 * stderr as `looptrace COMMAND: ...` and returns NULL. */
ltc_store *ltc_open_db(const char *command, const char **db, char *path, size_t len);

/* The daemon's default ingest socket, per user: $XDG_RUNTIME_DIR/looptrace/ingest.sock, else
 * /tmp/looptrace-UID/ingest.sock (the directory is created, 0700). */
void ltc_default_ingest_socket(char *buf, size_t len);
/* True when a collector answers on the Unix socket at path. */
bool ltc_collector_listens(const char *path);

/* Writes session id as Chrome Trace Event JSON (chrome) or JSON lines; the export command
 * and the daemon's /api/sessions/N/export both write through it. 0, -ENOENT, -EPROTO, -EIO. */
int ltc_export_session(ltc_store *store, int64_t id, bool chrome, FILE *out);

int ltc_cmd_dump(int argc, char **argv);
int ltc_cmd_record(int argc, char **argv);
int ltc_cmd_sessions(int argc, char **argv);
int ltc_cmd_export(int argc, char **argv);
int ltc_cmd_serve(int argc, char **argv);
int ltc_cmd_diff(int argc, char **argv);
int ltc_cmd_orderings(int argc, char **argv);

#endif
