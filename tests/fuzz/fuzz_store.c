/* fuzz_store.c: any bytes as a producer's stream, decoded and stored (in pieces the input
 * chooses) in a real SQLite file, then the reads of it as the daemon's web thread makes them
 * from its own read-only store: the session list and row, tasks, windows of records (whole,
 * narrow), summaries, a diff against itself and against a seed session, orderings, both
 * exports, the lints and the await graph mid-session, each for a third of the inputs (the input picks which). Nothing may crash or
 * overflow; every read must answer valid UTF-8 JSON, or refuse the request; never fail on
 * what the store itself wrote. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/export.h"
#include "fuzz_util.h"

static ltc_store *writer, *reader;
static int64_t seed_session = 1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  lt_fuzz_open_seeded("store.db", &writer, &reader);
  return 0;
}

/* Asks op with args (JSON text, printf-style); checks the reply. */
static void ask(const char *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ask(const char *op, const char *fmt, ...) {
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  cJSON *args = cJSON_Parse(text);
  LT_FUZZ_ASSERT(args, "bad args %s", text);
  ltc_err err = {0};
  cJSON *result = ltc_api_read(reader, op, args, &err);
  cJSON_Delete(args);
  if (!result) lt_fuzz_check_err(op, &err);
  char *reply = ltc_api_reply(7, result, &err);
  lt_fuzz_check_json(op, reply, strlen(reply));
  free(reply);
}

static void export(int64_t id, bool chrome) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  LT_FUZZ_ASSERT(f, "open_memstream");
  ltc_err err = {0};
  int rc = ltc_export_session(reader, id, chrome, f, &err);
  fclose(f);
  LT_FUZZ_ASSERT(rc == 0, "export %lld: %s", (long long)id, err.msg);
  if (chrome) {
    lt_fuzz_check_json("chrome export", buf, len);
  } else { /* JSON lines */
    for (char *line = buf, *nl; line < buf + len; line = nl + 1) {
      nl = memchr(line, '\n', (size_t)(buf + len - line));
      LT_FUZZ_ASSERT(nl, "export: a line without its newline");
      lt_fuzz_check_json("jsonl export", line, (size_t)(nl - line));
    }
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lt_fuzz_rng rng = lt_fuzz_rng_of(data, size);
  ltc_stream_result res;
  int64_t id = lt_fuzz_store(writer, data, size, &rng, &res);
  if (id == 0) return 0; /* no hello: nothing stored */
  ltc_err err = {0};
  ltc_session_row row;
  LT_FUZZ_ASSERT(ltc_store_session_row(reader, id, &row, &err) == 0, "row: %s", err.msg);
  LT_FUZZ_ASSERT(row.events == (int64_t)res.events, "%lld records stored, %llu taken",
                 (long long)row.events, (unsigned long long)res.events);
  /* a window somewhere inside: from a third of the way, a tenth of the session wide */
  __int128 span = (__int128)row.end_ns - row.start_ns;
  int64_t mid = (int64_t)(row.start_ns + span / 3), w = (int64_t)(span / 10);
  /* each read for a third of the inputs (which, the input decides): three times the inputs
   * a second for the same reads in all */
  uint64_t pick = lt_fuzz_next(&rng);
#define MAYBE(i) if ((pick >> (2 * (i))) % 3 == 0)
  MAYBE(0) ask("sessions", "{}");
  MAYBE(1) ask("session", "{\"session\": %lld}", (long long)id);
  MAYBE(2) ask("tasks", "{\"session\": %lld}", (long long)id);
  MAYBE(3) ask("events", "{\"session\": %lld}", (long long)id);
  MAYBE(4)
  ask("events", "{\"session\": %lld, \"from\": %lld, \"to\": %lld, \"max\": 50}",
      (long long)id, (long long)mid, (long long)(mid + w));
  MAYBE(5) ask("summary", "{\"session\": %lld}", (long long)id);
  MAYBE(6)
  ask("summary", "{\"session\": %lld, \"buckets\": 7, \"from\": %lld, \"to\": %lld}",
      (long long)id, (long long)mid, (long long)(mid + w));
  MAYBE(7) ask("diff", "{\"a\": %lld, \"b\": %lld}", (long long)id, (long long)id);
  MAYBE(8)
  ask("diff", "{\"a\": %lld, \"b\": %lld, \"context\": -1}", (long long)seed_session,
      (long long)id);
  MAYBE(9)
  ask("orderings", "{\"sessions\": \"%lld,%lld\"}", (long long)seed_session, (long long)id);
  MAYBE(10) export(id, true);
  MAYBE(11) export(id, false);
  MAYBE(12) ask("lint", "{\"session\": %lld}", (long long)id);
  MAYBE(13) ask("awaits", "{\"session\": %lld, \"at\": %lld}", (long long)id, (long long)mid);
#undef MAYBE
  LT_FUZZ_ASSERT(ltc_store_session_delete(writer, id, &err) == 0, "delete: %s", err.msg);
  LT_FUZZ_ASSERT(ltc_store_commit(writer, &err) == 0, "commit: %s", err.msg);
  return 0;
}
