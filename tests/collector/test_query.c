/* test_query.c: the API's reads (collector/api/) over sessions that `looptrace record`
 * stored from real seed runs under the virtual clock, where every time is exact: a window's
 * records in order with their text and sites, what each task was doing when a window opens,
 * per-bucket summaries whose times add up to what the program slept, and clear errors for
 * unknown sessions, bad arguments and unknown ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "db_query.h"
#include "api/api.h"
#include "model/replay.h"
#include "wire/reader.h"

static char dir[64], db[160];
static ltc_store *reader;
static int64_t ordering, say_after, ticker;

#define MS 1000000LL

static void record(const char *seed) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "%s/looptrace record --db %s --clock virtual --name '%s' -- %s/%s > %s/out 2>%s/err",
           LT_BIN_DIR, db, seed, LT_BIN_DIR, seed, dir, dir);
  int st = system(cmd);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-query-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(db, sizeof db, "%s/t.db", dir);
  record("seed_ordering");
  record("seed_say_after");
  record("demo_ticker 600 1 16"); /* 16 workers ticking 600 times: ~100k records, 1-17 ms apart */
  ordering = db_int(db, "SELECT id FROM sessions WHERE label = 'seed_ordering'");
  say_after = db_int(db, "SELECT id FROM sessions WHERE label = 'seed_say_after'");
  ticker = db_int(db, "SELECT id FROM sessions WHERE label LIKE 'demo_ticker%'");
  return ltc_store_open_reader(db, &reader, NULL);
}

static int teardown(void **state) {
  ltc_store_close(reader);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

/* Runs op with args given as JSON text; the reply must parse back (events are raw JSON). */
static cJSON *ask(const char *op, const char *args_json, ltc_err *err) {
  cJSON *args = cJSON_Parse(args_json);
  assert_non_null(args);
  memset(err, 0, sizeof *err);
  cJSON *out = ltc_api_read(reader, op, args, err);
  cJSON_Delete(args);
  if (!out) return NULL;
  char *text = cJSON_PrintUnformatted(out);
  cJSON_Delete(out);
  cJSON *back = cJSON_Parse(text);
  free(text);
  assert_non_null(back);
  return back;
}

static cJSON *ok(const char *op, const char *fmt, ...) {
  char args[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  ltc_err err;
  cJSON *out = ask(op, args, &err);
  if (!out) fail_msg("%s %s: %d %s", op, args, ltc_err_http_status(err.code), err.msg);
  return out;
}

static int64_t num(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  assert_true(cJSON_IsNumber(v));
  return (int64_t)v->valuedouble;
}

static const char *str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_sessions_and_tasks(void **state) {
  cJSON *out = ok("sessions", "{}");
  const cJSON *list = cJSON_GetObjectItem(out, "sessions");
  assert_int_equal(cJSON_GetArraySize(list), 3);
  assert_string_equal(str(cJSON_GetArrayItem(list, 0), "label"), "seed_ordering");
  assert_string_equal(str(cJSON_GetArrayItem(list, 0), "status"), "complete");
  assert_string_equal(str(cJSON_GetArrayItem(list, 0), "clock"), "virtual");
  assert_true(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "argv")));
  cJSON_Delete(out);

  out = ok("tasks", "{\"session\":%lld}", (long long)ordering);
  char names[256] = "";
  const cJSON *t;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(out, "tasks")) {
    strcat(names, str(t, "name"));
    strcat(names, " ");
    assert_string_equal(str(t, "outcome"), "result");
    if (num(t, "parent"))
      assert_non_null(strstr(str(cJSON_GetObjectItem(t, "spawn"), "file"), "seed_ordering.c"));
  }
  /* lt_run's own shutdown steps are tasks too, as in asyncio.run */
  assert_string_equal(names, "main T1 T3 T2 shutdown_asyncgens shutdown_default_executor ");
  cJSON_Delete(out);
}

static void test_window_holds_the_records_in_order(void **state) {
  cJSON *out = ok("events", "{\"session\":%lld}", (long long)ordering);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(out, "complete")));
  char marks[1024] = "";
  int64_t last_ts = INT64_MIN, n = 0;
  bool saw_site = false;
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "events")) {
    assert_true(num(e, "ts") >= last_ts);
    last_ts = num(e, "ts");
    n++;
    const char *kind = str(e, "kind");
    if (strcmp(kind, "mark") == 0) {
      strcat(marks, str(e, "text"));
      strcat(marks, "\n");
    }
    if (strcmp(kind, "create") == 0) assert_non_null(str(e, "name"));
    if (strcmp(kind, "suspend") == 0) {
      assert_non_null(str(e, "reason"));
      const cJSON *site = cJSON_GetObjectItem(e, "site");
      if (site) {
        assert_non_null(strstr(str(site, "file"), "seed_ordering.c"));
        assert_true(num(site, "line") > 0);
        saw_site = true;
      }
    }
  }
  assert_true(saw_site);
  char oracle[512];
  snprintf(oracle, sizeof oracle, "%s/seed_ordering.out", LT_ORACLE_DIR);
  assert_string_equal(marks, file_text(oracle));
  /* records stored, less the STRING and SITE records that only define text */
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT events - (SELECT count(*) FROM strings t WHERE t.session = s.id) - "
           "(SELECT count(*) FROM sites t WHERE t.session = s.id) FROM sessions s WHERE s.id = %lld",
           (long long)ordering);
  assert_int_equal(n, db_int(db, sql));
  assert_true(num(out, "estimate") >= n);
  cJSON_Delete(out);

  /* at most max records: the earliest ones, and where to go on from */
  out = ok("events", "{\"session\":%lld,\"max\":5}", (long long)ordering);
  assert_false(cJSON_IsTrue(cJSON_GetObjectItem(out, "complete")));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "events")), 5);
  const cJSON *fifth = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "events"), 4);
  assert_int_equal(num(out, "next_from"), num(fifth, "ts"));
  cJSON_Delete(out);
}

static void test_window_says_what_tasks_were_doing(void **state) {
  /* seed_say_after: main sleeps 100 ms, then 200 ms; between 150 and 250 ms nothing happens,
   * and main waits on its sleep since 100 ms */
  int64_t start = db_int(db, "SELECT start_ns FROM sessions WHERE label = 'seed_say_after'");
  cJSON *out = ok("events", "{\"session\":%lld,\"from\":%lld,\"to\":%lld}", (long long)say_after,
                  (long long)(start + 150 * MS), (long long)(start + 250 * MS));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "events")), 0);
  const cJSON *initial = cJSON_GetObjectItem(out, "initial");
  assert_int_equal(cJSON_GetArraySize(initial), 1);
  const cJSON *main_state = cJSON_GetArrayItem(initial, 0);
  assert_string_equal(str(main_state, "state"), "waiting");
  assert_string_equal(str(main_state, "reason"), "sleep");
  assert_int_equal(num(main_state, "since"), start + 100 * MS);
  /* ...and on what: the 200 ms sleep's timer, awaited at say_after's lt_sleep */
  assert_true(num(main_state, "seq") > 0);
  assert_true(num(main_state, "obj") > 0);
  const cJSON *site = cJSON_GetObjectItem(main_state, "site");
  assert_non_null(strstr(str(site, "file"), "seed_say_after.c"));
  assert_string_equal(str(site, "func"), "say_after");
  /* the one timer pending then: armed at 100 ms by main, due at 300 ms */
  const cJSON *timers = cJSON_GetObjectItem(out, "timers");
  assert_int_equal(cJSON_GetArraySize(timers), 1);
  const cJSON *timer = cJSON_GetArrayItem(timers, 0);
  assert_int_equal(num(timer, "id"), num(main_state, "obj"));
  assert_int_equal(num(timer, "task"), 1);
  assert_int_equal(num(timer, "armed"), start + 100 * MS);
  assert_int_equal(num(timer, "deadline"), start + 300 * MS);
  cJSON_Delete(out);
}

/* The sum of one column (1 busy, 2 ready, 3 waiting) of a task's bucket rows. */
static int64_t column_sum(const cJSON *rows, int col, const char *reason, int64_t *with_reason) {
  int64_t sum = 0;
  *with_reason = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    int64_t v = (int64_t)cJSON_GetArrayItem(r, col)->valuedouble;
    sum += v;
    const cJSON *why = cJSON_GetArrayItem(r, 4);
    if (col == 3 && why && strcmp(why->valuestring, reason) == 0) *with_reason += v;
  }
  return sum;
}

static void test_summary_adds_up(void **state) {
  /* 500 ms in five buckets: main sleeps 300 ms (sequential), then awaits its two tasks for
   * 200 ms; say_after(world) sleeps 200 ms. Under the virtual clock nothing takes CPU time. */
  cJSON *out = ok("summary", "{\"session\":%lld,\"buckets\":5}", (long long)say_after);
  assert_int_equal(num(out, "to") - num(out, "from"), 500 * MS);
  const cJSON *t;
  int seen = 0;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(out, "tasks")) {
    const cJSON *rows = cJSON_GetObjectItem(t, "buckets");
    int64_t sleep_ns, task_ns;
    if (num(t, "task") == 1) { /* main */
      assert_int_equal(column_sum(rows, 3, "sleep", &sleep_ns), 500 * MS);
      column_sum(rows, 3, "task", &task_ns);
      assert_int_equal(sleep_ns, 300 * MS);
      assert_int_equal(task_ns, 200 * MS);
      seen++;
    }
    if (num(t, "task") == 3) { /* say_after(world) */
      assert_int_equal(column_sum(rows, 3, "sleep", &sleep_ns), 200 * MS);
      assert_int_equal(sleep_ns, 200 * MS);
      assert_int_equal(column_sum(rows, 1, "", &sleep_ns), 0);
      seen++;
    }
  }
  assert_int_equal(seen, 2);
  /* the loop's lane: idle (polling) all the time the program slept */
  const cJSON *lane = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "lanes"), 0);
  int64_t unused;
  assert_int_equal(column_sum(cJSON_GetObjectItem(lane, "buckets"), 2, "", &unused), 500 * MS);
  assert_int_equal(num(out, "marks_total"), 6);
  assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(out, "marks"), 5), "text"),
                      "concurrent took 2 units");
  /* each bucket's first mark and count: main's hello at 100 ms; main's world and the
   * sequential line at 300; say_after(hello)'s hello, world and the concurrent line from 400
   * on (the last bucket ends at 500) */
  char *rows = cJSON_PrintUnformatted(cJSON_GetObjectItem(out, "mark_buckets"));
  char want[512];
  snprintf(want, sizeof want,
           "[[1,1,1,%lld,%lld,1,\"hello\"],[3,2,1,%lld,%lld,1,\"world\"],"
           "[4,3,1,%lld,%lld,2,\"hello\"]]",
           (long long)db_int(db, "SELECT seq FROM marks WHERE text = 'hello' AND session = (SELECT id FROM sessions WHERE label = 'seed_say_after') "
                                 "ORDER BY seq LIMIT 1"),
           (long long)(100 * MS),
           (long long)db_int(db, "SELECT seq FROM marks WHERE text = 'world' AND session = (SELECT id FROM sessions WHERE label = 'seed_say_after') "
                                 "ORDER BY seq LIMIT 1"),
           (long long)(300 * MS),
           (long long)db_int(db, "SELECT seq FROM marks WHERE text = 'hello' AND session = (SELECT id FROM sessions WHERE label = 'seed_say_after') "
                                 "ORDER BY seq DESC LIMIT 1"),
           (long long)(400 * MS));
  assert_string_equal(rows, want);
  free(rows);
  cJSON_Delete(out);

  /* only the tasks asked for */
  out = ok("summary", "{\"session\":%lld,\"buckets\":5,\"tasks\":\"1:3\"}", (long long)say_after);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "tasks")), 1);
  assert_int_equal(num(cJSON_GetArrayItem(cJSON_GetObjectItem(out, "tasks"), 0), "task"), 3);
  cJSON_Delete(out);
}

static char *answer(const char *op, const char *args) {
  ltc_err err;
  cJSON *out = ask(op, args, &err);
  if (!out) fail_msg("%s %s: %s", op, args, err.msg);
  char *text = cJSON_PrintUnformatted(out);
  cJSON_Delete(out);
  return text;
}

/* A window names its records from the strings it needs, looked up one by one (a session that
 * printed millions of lines is not read whole): over 4000 records of the ticker, hundreds of
 * distinct lines, every mark carries exactly the text stored for it, and every task created
 * in the window its name. */
static void test_window_names_its_records(void **state) {
  int64_t start = db_int(db, "SELECT start_ns FROM sessions WHERE label LIKE 'demo_ticker%'");
  int64_t end = db_int(db, "SELECT end_ns FROM sessions WHERE label LIKE 'demo_ticker%'");
  cJSON *w = ok("events", "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"max\":5000}",
                (long long)ticker, (long long)start, (long long)(start + (end - start) / 4));
  const cJSON *e;
  int marks = 0, names = 0;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(w, "events")) {
    const char *kind = str(e, "kind");
    if (strcmp(kind, "mark") == 0) {
      char sql[256];
      snprintf(sql, sizeof sql, "SELECT text FROM marks WHERE session = %lld AND "
               "track = %lld AND seq = %lld", (long long)ticker, (long long)num(e, "track"),
               (long long)num(e, "seq"));
      const char *want = db_lines(db, sql);
      assert_non_null(str(e, "text"));
      assert_int_equal(strlen(want), strlen(str(e, "text")) + 1);
      assert_memory_equal(want, str(e, "text"), strlen(want) - 1);
      marks++;
    } else if (strcmp(kind, "create") == 0) {
      assert_non_null(str(e, "name"));
      assert_true(strlen(str(e, "name")) > 0);
      names++;
    }
  }
  assert_true(marks > 300);
  assert_true(names >= 16);
  cJSON_Delete(w);
}

/* Fails showing where two answers part, not both whole (they run to megabytes). */
static void assert_same_answer(const char *what, const char *got, const char *want) {
  size_t i = 0;
  while (got[i] && got[i] == want[i]) i++;
  if (got[i] == want[i]) return;
  size_t from = i > 60 ? i - 60 : 0;
  fail_msg("%s: byte %zu differs\n  got:  ...%.120s\n  want: ...%.120s",
           what, i, got + from, want + from);
}

/* The window [a, b] of session id asked with and without checkpoints (every 2 blocks). */
static void same_with_checkpoints(int64_t id, int64_t a, int64_t b) {
  char sum[256], ev[256];
  snprintf(sum, sizeof sum, "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"buckets\":37}",
           (long long)id, (long long)a, (long long)b);
  snprintf(ev, sizeof ev, "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"max\":500}",
           (long long)id, (long long)a, (long long)b);
  size_t kept = ltc_sumcache_max_bytes;
  ltc_sumcache_max_bytes = 0; /* summaries replayed, not summed from kept spans */
  ltc_replay_every = 0; /* from the start */
  char *plain_sum = answer("summary", sum), *plain_ev = answer("events", ev);
  ltc_replay_every = 2;
  char *fast_sum = answer("summary", sum), *fast_ev = answer("events", ev);
  ltc_replay_every = 16;
  ltc_sumcache_max_bytes = kept;
  assert_same_answer(sum, fast_sum, plain_sum);
  assert_same_answer(ev, fast_ev, plain_ev);
  free(plain_sum), free(plain_ev), free(fast_sum), free(fast_ev);
}

/* Replays that start from checkpoints answer exactly what replays from the start answer:
 * summaries and windows (with their first states and pending timers) all over a session
 * long enough to have many. */
static void test_checkpoints_change_nothing(void **state) {
  int64_t start = db_int(db, "SELECT start_ns FROM sessions WHERE label LIKE 'demo_ticker%'");
  int64_t end = db_int(db, "SELECT end_ns FROM sessions WHERE label LIKE 'demo_ticker%'");
  assert_true(db_int(db, "SELECT count(*) FROM event_blocks WHERE session = "
                         "(SELECT id FROM sessions WHERE label LIKE 'demo_ticker%')") >= 16);
  char first[256];
  snprintf(first, sizeof first, "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"max\":500}",
           (long long)ticker, (long long)(start + (end - start) / 2), (long long)end);
  char *mid = answer("events", first);
  assert_non_null(strstr(mid, "\"timers\":[{")); /* there is something to restore */
  free(mid);
  uint64_t x = 12345;
  for (int i = 0; i < 24; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int64_t a = start + (int64_t)((x >> 33) % (uint64_t)(end - start));
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int64_t b = a + (int64_t)((x >> 33) % (uint64_t)(end - a + 1));
    same_with_checkpoints(ticker, a, b);
  }
}

/* A finished session's summary summed from its kept spans answers exactly what a replay of
 * its records answers, on random grids of every size over (and past) each session, with and
 * without "tasks". */
static void test_kept_spans_answer_as_replays(void **state) {
  const int64_t ids[] = {ticker, say_after, ordering};
  uint64_t x = 777, used = ltc_sumcache_answered;
  for (int n = 0; n < 120; n++) {
    int64_t id = ids[n % 3];
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT start_ns FROM sessions WHERE id = %lld", (long long)id);
    int64_t start = db_int(db, sql);
    snprintf(sql, sizeof sql, "SELECT end_ns FROM sessions WHERE id = %lld", (long long)id);
    int64_t len = db_int(db, sql) - start + 1;
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int64_t a = start - len / 8 + (int64_t)((x >> 33) % (uint64_t)(len + len / 4));
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int64_t b = a + (int64_t)((x >> 33) % (uint64_t)(n % 4 ? len / 16 + 1 : len + 1));
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    if (n % 6 == 1) a = start; /* records at both edges */
    if (n % 6 == 1 || n % 6 == 2) b = start + len - 1, a = a < b ? a : b;
    int buckets = 1 + (int)((x >> 33) % (n % 5 ? 300 : 4000));
    char sum[256];
    snprintf(sum, sizeof sum, "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"buckets\":%d%s}",
             (long long)id, (long long)a, (long long)b, buckets,
             n % 7 == 3 ? ",\"tasks\":\"1:1,1:3,2:1\"" : "");
    size_t kept = ltc_sumcache_max_bytes;
    ltc_sumcache_max_bytes = 0;
    char *plain = answer("summary", sum);
    ltc_sumcache_max_bytes = kept;
    char *fast = answer("summary", sum);
    assert_same_answer(sum, fast, plain);
    free(plain), free(fast);
  }
  assert_int_equal(ltc_sumcache_answered - used, 120); /* none fell back to a replay */
}

/* The ticker's records stored again, through a writer of our own, as a new complete session
 * called label: each record goes to copy (user: a struct that starts with its copier), which
 * stores what it makes of it in c->id through c->w. */
typedef struct copier {
  ltc_store *w;
  int64_t id;
} copier;

static void store_ticker_again(const char *label, void (*copy)(void *user, const ltc_event *e),
                               copier *c) {
  assert_int_equal(ltc_store_open(db, &c->w, NULL), 0);
  const char *argv[] = {"demo_ticker"};
  ltc_hello h = {.pid = 1, .clock = LT_WIRE_CLOCK_VIRTUAL, .program = "demo_ticker",
                 .label = "", .argc = 1, .argv = argv};
  assert_int_equal(ltc_store_session_begin(c->w, &h, label, &c->id, NULL), 0);
  assert_int_equal(ltc_store_session_events(reader, ticker, NULL, copy, c, NULL), 0);
  assert_int_equal(ltc_store_session_end(c->w, c->id, "complete", 0, NULL, NULL), 0);
  assert_int_equal(ltc_store_commit(c->w, NULL), 0);
  ltc_store_close(c->w);
}

/* A producer whose clock steps back where a block begins (as the runtime's SINK_WAIT records
 * once did: stamped when the wait began, after records stamped later): the ticker's records
 * stored again, cut into blocks every 1000 records, each new block opening with a record
 * 3 ms older than the one before it. Windows that open inside such a step get the same answers
 * from checkpoints as from the start. */
typedef struct restamp {
  copier c; /* first: store_ticker_again passes it as the callback's user */
  int64_t latest;
  uint64_t seq[16], stored;
  int64_t steps[256][2]; /* [the stepped-back time, the latest time before it] */
  int nsteps;
} restamp;

static void restore_event(void *user, const ltc_event *e) {
  restamp *r = user;
  assert_true(e->track < 16);
  ltc_event c = *e;
  if (r->stored && r->stored % 1000 == 0 && !ltc_kind_defines(e->kind) && r->nsteps < 256) {
    assert_int_equal(ltc_store_commit(r->c.w, NULL), 0); /* ends every track's block */
    ltc_event back = {.track = e->track, .seq = r->seq[e->track]++, .kind = LT_EV_SINK_WAIT,
                      .ts = e->ts - 3 * MS, .nargs = 1, .a = {3 * MS}};
    assert_int_equal(ltc_store_session_event(r->c.w, r->c.id, &back, NULL, NULL), 0);
    r->steps[r->nsteps][0] = back.ts;
    r->steps[r->nsteps++][1] = r->latest;
  }
  c.seq = r->seq[e->track]++;
  assert_int_equal(ltc_store_session_event(r->c.w, r->c.id, &c, NULL, NULL), 0);
  if (c.ts > r->latest) r->latest = c.ts;
  r->stored++;
}

static void test_checkpoints_hold_when_the_clock_steps_back(void **state) {
  restamp r = {.latest = INT64_MIN};
  store_ticker_again("stepping back", restore_event, &r.c);
  assert_true(r.nsteps >= 50);
  int64_t end = db_int(db, "SELECT end_ns FROM sessions WHERE label = 'stepping back'");
  for (int i = 0; i < r.nsteps; i += 3) {
    int64_t stepped = r.steps[i][0], latest = r.steps[i][1];
    if (latest <= stepped + 1) continue;
    int64_t a = stepped + 1 + (latest - stepped) / 2; /* after the step's time, before its past */
    same_with_checkpoints(r.c.id, a, a + (end - a) / (1 + i % 7));
  }
}

/* A scan in track order stopped before a block and resumed from it (from_track,
 * from_track_seq: how a subscription's backlog is sent a turn at a time) reads every record
 * once, in order: over a session of two tracks cut into blocks of 1000 records. */
typedef struct turns {
  copier c; /* first: store_ticker_again passes it as the callback's user */
  uint64_t *keys; /* track << 32 | seq, in the order read */
  size_t n, cap, in_turn;
  uint32_t stop_track;
  uint64_t stop_seq;
  bool stopped;
} turns;

static void two_tracks_event(void *user, const ltc_event *e) {
  turns *t = user;
  for (uint32_t track = 1; track <= 2; track++) {
    ltc_event c = *e;
    c.track = track;
    assert_int_equal(ltc_store_session_event(t->c.w, t->c.id, &c, NULL, NULL), 0);
  }
  if (e->seq % 1000 == 999) assert_int_equal(ltc_store_commit(t->c.w, NULL), 0);
}

static void keep_key(void *user, const ltc_event *e) {
  turns *t = user;
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 4096;
    t->keys = realloc(t->keys, t->cap * sizeof *t->keys);
    assert_non_null(t->keys);
  }
  t->keys[t->n++] = (uint64_t)e->track << 32 | e->seq;
}

static int three_blocks(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq) {
  (void)start_ns;
  turns *t = user;
  if (t->in_turn++ < 3) return 0;
  t->stop_track = track;
  t->stop_seq = first_seq;
  t->stopped = true;
  return 1;
}

static void test_a_scan_resumes_where_it_stopped(void **state) {
  turns t = {0};
  store_ticker_again("two tracks", two_tracks_event, &t.c);
  /* whole */
  ltc_scan all = {.lo = INT64_MIN, .hi = INT64_MAX, .event = keep_key, .user = &t};
  assert_int_equal(ltc_store_scan(reader, t.c.id, &all, NULL, NULL), 0);
  uint64_t *whole = t.keys;
  size_t nwhole = t.n;
  assert_true(nwhole > 8000);
  assert_int_equal(whole[0] >> 32, 1);
  assert_int_equal(whole[nwhole - 1] >> 32, 2);
  /* in turns of three blocks */
  t.keys = NULL, t.n = t.cap = 0;
  int nturns = 0;
  do {
    t.stopped = false;
    t.in_turn = 0;
    ltc_scan turn = {.lo = INT64_MIN, .hi = INT64_MAX, .from_track = t.stop_track,
                     .from_track_seq = t.stop_seq, .block = three_blocks, .event = keep_key,
                     .user = &t};
    assert_int_equal(ltc_store_scan(reader, t.c.id, &turn, NULL, NULL), 0);
    nturns++;
  } while (t.stopped);
  assert_true(nturns > 4);
  assert_int_equal(t.n, nwhole);
  assert_memory_equal(t.keys, whole, nwhole * sizeof *whole);
  free(whole);
  free(t.keys);
}

static void test_errors_say_what_is_wrong(void **state) {
  ltc_err err;
  assert_null(ask("session", "{\"session\":999}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 404);
  assert_string_equal(err.msg, "no session 999");
  assert_null(ask("events", "{}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("events", "{\"session\":\"x\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("events", "{\"session\":1,\"from\":10,\"to\":5}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("events", "{\"session\":1,\"max\":0}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("summary", "{\"session\":1,\"buckets\":1e9}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("summary", "{\"session\":1,\"tasks\":\"1:x\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("drop tables", "{}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_string_equal(err.msg, "unknown op 'drop tables'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sessions_and_tasks),
      cmocka_unit_test(test_window_holds_the_records_in_order),
      cmocka_unit_test(test_window_says_what_tasks_were_doing),
      cmocka_unit_test(test_summary_adds_up),
      cmocka_unit_test(test_window_names_its_records),
      cmocka_unit_test(test_checkpoints_change_nothing),
      cmocka_unit_test(test_checkpoints_hold_when_the_clock_steps_back),
      cmocka_unit_test(test_kept_spans_answer_as_replays),
      cmocka_unit_test(test_a_scan_resumes_where_it_stopped),
      cmocka_unit_test(test_errors_say_what_is_wrong),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
