/* export.c: `looptrace export N [--format chrome|jsonl] [--db FILE] [-o FILE]`: a stored
 * session written out by api/export.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/export.h"
#include "cli/commands.h"

static const char export_usage[] =
    "usage: looptrace export SESSION [--format chrome|jsonl] [--db FILE] [-o FILE]\n"
    "  chrome (default): Chrome Trace Event JSON; open it in https://ui.perfetto.dev or\n"
    "                    chrome://tracing (a process per loop, a thread per task)\n"
    "  jsonl:            one JSON object per record\n";

int ltc_cmd_export(int argc, char **argv) {
  const char *db = NULL, *format = "chrome", *outpath = NULL, *id_arg = NULL;
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db), LTC_OPT_VALUE("--format", &format),
                          LTC_OPT_VALUE("-o", &outpath), LTC_OPT_END};
  ltc_cmdline c = {"export", export_usage, opts, ltc_take_one, &id_arg};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  char *end = NULL;
  long long id = id_arg ? strtoll(id_arg, &end, 10) : 0;
  if (!id_arg || *end || id <= 0) {
    fprintf(stderr, "looptrace export: which session? (a number from looptrace sessions)\n%s",
            export_usage);
    return 2;
  }
  if (strcmp(format, "chrome") != 0 && strcmp(format, "jsonl") != 0) {
    fprintf(stderr, "looptrace export: --format is chrome or jsonl, not '%s'\n", format);
    return 2;
  }
  char path[4096];
  ltc_store *store = ltc_open_db("export", &db, path, sizeof path);
  if (!store) return 1;
  ltc_session_row row;
  ltc_err err = {0};
  if (ltc_store_session_row(store, id, &row, &err) < 0) {
    fprintf(stderr, "looptrace export: %s in %s\n", err.msg, db);
    ltc_store_close(store);
    return 1;
  }
  FILE *out = outpath ? fopen(outpath, "w") : stdout;
  if (!out) {
    fprintf(stderr, "looptrace export: cannot write %s: %s\n", outpath, strerror(errno));
    ltc_store_close(store);
    return 1;
  }
  int rc = ltc_export_session(store, id, strcmp(format, "chrome") == 0, out, &err);
  if (rc < 0) fprintf(stderr, "looptrace export: session %lld: %s\n", id, err.msg);
  int werr = ferror(out);
  if (out != stdout) fclose(out);
  ltc_store_close(store);
  return rc < 0 || werr ? 1 : 0;
}
