/* test_wire_reader.c: the trace stream, written by the real runtime and read by the collector's
 * decoder: every kind round-trips with its fields; any split of the bytes decodes the same; a
 * stream cut anywhere is "truncated" and keeps exactly its complete chunks; corruptions are
 * named and keep the valid prefix; drop mode's lost counts are exact under a stalled sink. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

#include "internal.h"
#include "trace.h"
#include "wire/reader.h"

/* ---- decoding into an array ---- */

typedef struct decoded {
  ltc_event *ev;
  size_t n, cap;
  int hellos;
  char label[64];
  ltc_reader *r;
  char marks[4096];
} decoded;

static void on_hello(void *user, const ltc_hello *h) {
  decoded *d = user;
  d->hellos++;
  snprintf(d->label, sizeof d->label, "%s", h->label);
}

static void on_event(void *user, const ltc_event *e) {
  decoded *d = user;
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 1024;
    d->ev = realloc(d->ev, d->cap * sizeof *d->ev);
  }
  d->ev[d->n] = *e;
  d->ev[d->n].text = NULL; /* points into the reader's buffer: not kept */
  d->n++;
  if (e->kind == LT_EV_MARK) {
    const char *t = ltc_reader_string(d->r, e->track, e->a[0], NULL);
    size_t len = strlen(d->marks);
    snprintf(d->marks + len, sizeof d->marks - len, "%s|", t ? t : "?");
  }
}

/* Decodes bytes fed in pieces of `step` (0: all at once). */
static ltc_stream_status decode(const uint8_t *bytes, size_t len, size_t step, decoded *d) {
  memset(d, 0, sizeof *d);
  ltc_reader_callbacks cb = {on_hello, on_event, d};
  d->r = ltc_reader_new(&cb);
  if (!step) step = len ? len : 1;
  for (size_t off = 0; off < len; off += step)
    if (ltc_reader_feed(d->r, bytes + off, len - off < step ? len - off : step) < 0) break;
  return ltc_reader_finish(d->r);
}

static void decoded_free(decoded *d) {
  ltc_reader_free(d->r);
  free(d->ev);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len ? *len : 1);
  assert_int_equal(fread(b, 1, *len, f), *len);
  fclose(f);
  return b;
}

/* ---- a recording with every kind the runtime writes, plus hand-made records ---- */

static void cb_noop(lt_future *f, void *arg) {}

#define HAND_MADE_JOB 777777

static int sleeper(void *arg, void **result) { return lt_sleep(LT_MSEC(50)); }

static int seven(void *arg, void **result) {
  *result = (void *)(intptr_t)7;
  return 0;
}

static int pair[2];
static int io_reader(void *arg, void **result) {
  char c;
  return lt_read(pair[0], &c, 1) == 1 ? 0 : -EIO;
}

static int workload(void *arg, void **result) {
  lt_print("hello from main");
  lt_future *f = lt_future_new();
  lt_future_add_done_callback(f, cb_noop, NULL);
  lt_task *s = lt_spawn_named(sleeper, NULL, "sleeper");
  lt_task *c = lt_spawn_named(sleeper, NULL, "cancelled");
  lt_yield();
  lt_task_cancel(c);
  lt_future_set_result(f, NULL);
  lt_await(s, NULL);
  lt_await(c, NULL);
  lt_mark("a mark of %d", 42);
  /* a job on a worker thread, and a task woken by a socket */
  lt_to_thread(seven, NULL, NULL);
  socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
  lt_set_nonblocking(pair[0]);
  lt_task *r = lt_spawn_named(io_reader, NULL, "io_reader");
  lt_yield();
  lt_write(pair[1], "x", 1);
  lt_await(r, NULL);
  lt_task_release(r);
  close(pair[0]);
  close(pair[1]);
  for (int i = 0; i < 20000; i++) lt_yield(); /* enough records for several chunks */
  /* The kinds the runtime writes only with threads or loss: written by hand, exact values. */
  lt__track *tr = lt_loop_current()->track;
  uint64_t *a = lt__track_emit(tr, LT_EV_EXEC_SUBMIT, 0, 1, 111, 1, NULL, 0);
  a[0] = HAND_MADE_JOB;
  a = lt__track_emit(tr, LT_EV_EXEC_START, 0, 0, 222, 2, NULL, 0);
  a[0] = HAND_MADE_JOB;
  a[1] = 3;
  a = lt__track_emit(tr, LT_EV_EXEC_END, 0, 0, 333, 2, NULL, 0);
  a[0] = HAND_MADE_JOB;
  a[1] = (uint64_t)-5;
  a = lt__track_emit(tr, LT_EV_SINK_WAIT, 0, 0, 444, 1, NULL, 0);
  a[0] = 123456;
  lt_future_release(f);
  lt_task_release(s);
  lt_task_release(c);
  return 0;
}

static char dir[64];
static char rec_path[128];
static uint8_t *rec_bytes;
static size_t rec_len;

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-wire-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(rec_path, sizeof rec_path, "%s/rec.ltr", dir);
  char spec[160];
  snprintf(spec, sizeof spec, "file:%s", rec_path);
  assert_int_equal(lt_trace_start(spec, "round-trip", LT_TRACE_BLOCK), 0);
  lt_run_opts o = {.clock = LT_CLOCK_VIRTUAL};
  assert_int_equal(lt_run(workload, NULL, NULL, &o), 0);
  assert_int_equal(lt_trace_stop(), 0);
  rec_bytes = slurp(rec_path, &rec_len);
  return 0;
}

static int teardown(void **state) {
  free(rec_bytes);
  unlink(rec_path);
  rmdir(dir);
  return 0;
}

static const ltc_event *find_kind(const decoded *d, uint8_t kind) {
  for (size_t i = 0; i < d->n; i++)
    if (d->ev[i].kind == kind) return &d->ev[i];
  return NULL;
}

static void test_every_kind_round_trips(void **state) {
  decoded d;
  assert_int_equal(decode(rec_bytes, rec_len, 0, &d), LTC_STREAM_CLEAN);
  assert_int_equal(d.hellos, 1);
  assert_string_equal(d.label, "round-trip");
  const uint8_t kinds[] = {LT_EV_STRING,       LT_EV_SITE,         LT_EV_TRACK,
                           LT_EV_SINK_WAIT,    LT_EV_LOOP_START,   LT_EV_LOOP_ITER,
                           LT_EV_POLL_BEGIN,   LT_EV_POLL_END,     LT_EV_LOOP_STOP,
                           LT_EV_TASK_CREATE,  LT_EV_TASK_READY,   LT_EV_TASK_RESUME,
                           LT_EV_TASK_SUSPEND, LT_EV_TASK_DONE,    LT_EV_TASK_CANCEL,
                           LT_EV_TIMER_ARM,    LT_EV_TIMER_FIRE,   LT_EV_TIMER_CANCEL,
                           LT_EV_FUTURE_CREATE, LT_EV_FUTURE_RESOLVE, LT_EV_FUTURE_CALLBACK,
                           LT_EV_EXEC_SUBMIT,  LT_EV_EXEC_START,   LT_EV_EXEC_END,
                           LT_EV_MARK};
  for (size_t i = 0; i < sizeof kinds; i++) {
    if (!find_kind(&d, kinds[i])) fail_msg("no %s record decoded", ltc_kind_name(kinds[i]));
  }
  const ltc_event *e = NULL;
  for (size_t i = 0; i < d.n; i++)
    if (d.ev[i].kind == LT_EV_EXEC_END && d.ev[i].a[0] == HAND_MADE_JOB) e = &d.ev[i];
  assert_non_null(e);
  assert_int_equal(e->ts, 333);
  assert_int_equal((int64_t)e->a[1], -5);
  for (size_t i = 0; i < d.n; i++)
    if (d.ev[i].kind == LT_EV_EXEC_SUBMIT && d.ev[i].a[0] == HAND_MADE_JOB) e = &d.ev[i];
  assert_int_equal(e->task, 1);
  assert_int_equal(e->ts, 111);
  const ltc_event *w = NULL; /* the hand-made one (the writer may record real waits too) */
  for (size_t i = 0; i < d.n; i++)
    if (d.ev[i].kind == LT_EV_SINK_WAIT && d.ev[i].ts == 444) w = &d.ev[i];
  assert_non_null(w);
  assert_int_equal(w->a[0], 123456);
  /* strings and sites resolve: marks in order, a suspend's site names this file */
  assert_string_equal(d.marks, "hello from main|a mark of 42|");
  e = find_kind(&d, LT_EV_TASK_SUSPEND);
  const char *file, *func;
  uint32_t line;
  assert_int_equal(ltc_reader_site(d.r, e->track, e->a[1], &file, &func, &line), 0);
  assert_non_null(strstr(file, "test_wire_reader.c"));
  assert_true(line > 0);
  /* the cancelled task ended cancelled, the sleeper with a result */
  int cancelled = 0;
  for (size_t i = 0; i < d.n; i++)
    if (d.ev[i].kind == LT_EV_TASK_DONE && d.ev[i].flags == LT_OUTCOME_CANCELLED) cancelled++;
  assert_int_equal(cancelled, 1);
  /* each track's sequence numbers count up by one from 0 */
  uint64_t next[8] = {0};
  for (size_t i = 0; i < d.n; i++) {
    assert_true(d.ev[i].track < 8);
    assert_int_equal(d.ev[i].seq, next[d.ev[i].track]++);
  }
  decoded_free(&d);
}

static void assert_same_events(const decoded *a, const decoded *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(a->ev[i].seq, b->ev[i].seq);
    assert_int_equal(a->ev[i].kind, b->ev[i].kind);
    assert_int_equal(a->ev[i].flags, b->ev[i].flags);
    assert_int_equal(a->ev[i].task, b->ev[i].task);
    assert_int_equal(a->ev[i].ts, b->ev[i].ts);
    assert_memory_equal(a->ev[i].a, b->ev[i].a, sizeof a->ev[i].a);
  }
}

static void test_any_split_decodes_the_same(void **state) {
  decoded whole, bytewise, odd;
  assert_int_equal(decode(rec_bytes, rec_len, 0, &whole), LTC_STREAM_CLEAN);
  assert_int_equal(decode(rec_bytes, rec_len, 1, &bytewise), LTC_STREAM_CLEAN);
  assert_int_equal(decode(rec_bytes, rec_len, 7, &odd), LTC_STREAM_CLEAN);
  assert_int_equal(whole.n, bytewise.n);
  assert_int_equal(whole.n, odd.n);
  assert_same_events(&whole, &bytewise, whole.n);
  assert_same_events(&whole, &odd, whole.n);
  decoded_free(&whole);
  decoded_free(&bytewise);
  decoded_free(&odd);
}

/* The stream's framing, walked independently of the reader: chunk ends and record counts. */
typedef struct frame {
  size_t end;
  uint32_t count;
  uint32_t track;
} frame;

static size_t frames_of(const uint8_t *b, size_t len, frame *out, size_t max) {
  uint32_t hello;
  memcpy(&hello, b + 12, 4);
  size_t off = 16 + hello, n = 0;
  while (off + 24 <= len && n < max) {
    lt_wire_chunk c;
    memcpy(&c, b + off, sizeof c);
    off += 24 + c.bytes;
    out[n++] = (frame){off, c.count, c.track};
  }
  return n;
}

static void test_truncated_anywhere_keeps_complete_chunks(void **state) {
  frame fr[4096];
  size_t nf = frames_of(rec_bytes, rec_len, fr, 4096);
  assert_true(nf >= 2);
  decoded whole;
  decode(rec_bytes, rec_len, 0, &whole);
  size_t step = rec_len / 700 + 1;
  for (size_t cut = 0; cut < rec_len; cut += (cut < 300 ? 1 : step)) {
    size_t expect = 0;
    for (size_t i = 0; i < nf && fr[i].end <= cut; i++)
      if (fr[i].track) expect += fr[i].count;
    decoded d;
    ltc_stream_status st = decode(rec_bytes, cut, 0, &d);
    if (st != LTC_STREAM_TRUNCATED) fail_msg("cut at %zu of %zu: status %d", cut, rec_len, st);
    if (d.n != expect) fail_msg("cut at %zu: %zu records kept, %zu expected", cut, d.n, expect);
    assert_same_events(&whole, &d, d.n);
    decoded_free(&d);
  }
  decoded_free(&whole);
}

/* Corrupts a copy of the recording with `how`, applied at the first chunk of a track that
 * already had one (only there is a sequence number expected), and checks that the damage is
 * named and every chunk before it kept. */
static void expect_corrupt(void (*how)(uint8_t *b, size_t len, size_t at), bool at_start,
                           const char *why) {
  frame fr[4096];
  size_t nf = frames_of(rec_bytes, rec_len, fr, 4096), target = 0;
  for (size_t k = 1; k < nf && !target; k++)
    for (size_t j = 0; j < k; j++)
      if (fr[j].track == fr[k].track && fr[k].track) {
        target = k;
        break;
      }
  assert_true(target > 0);
  if (at_start) target = 0;
  uint8_t *b = malloc(rec_len + 64);
  memcpy(b, rec_bytes, rec_len);
  how(b, rec_len, target ? fr[target - 1].end : 0);
  size_t expect = 0;
  for (size_t i = 0; i < target; i++) expect += fr[i].count;
  decoded d;
  assert_int_equal(decode(b, rec_len, 0, &d), LTC_STREAM_CORRUPT);
  if (!strstr(ltc_reader_error(d.r), why))
    fail_msg("error '%s' does not say '%s'", ltc_reader_error(d.r), why);
  assert_int_equal(d.n, expect);
  decoded_free(&d);
  free(b);
}

static void flip_chunk_magic(uint8_t *b, size_t len, size_t at) { b[at] ^= 0xff; }
static void huge_chunk(uint8_t *b, size_t len, size_t at) {
  uint32_t big = 0x7ffffff8u;
  memcpy(b + at + 4, &big, 4);
}
static void record_overrun(uint8_t *b, size_t len, size_t at) {
  uint16_t size = 0; /* the chunk's first record: an impossible size */
  memcpy(b + at + 24, &size, 2);
}
static void seq_jump(uint8_t *b, size_t len, size_t at) {
  uint64_t seq;
  memcpy(&seq, b + at + 16, 8);
  seq += 5;
  memcpy(b + at + 16, &seq, 8);
}
static void bad_magic(uint8_t *b, size_t len, size_t at) { b[0] = 'X'; }

static void test_corruption_is_named_and_prefix_kept(void **state) {
  expect_corrupt(flip_chunk_magic, false, "chunk magic");
  expect_corrupt(huge_chunk, false, "not possible");
  expect_corrupt(record_overrun, false, "does not fit");
  expect_corrupt(seq_jump, false, "sequence jumps");
  expect_corrupt(bad_magic, true, "not a looptrace stream");
}

static void test_bytes_after_the_end_are_corrupt(void **state) {
  uint8_t *b = malloc(rec_len + 8);
  memcpy(b, rec_bytes, rec_len);
  memset(b + rec_len, 0, 8);
  decoded d;
  assert_int_equal(decode(b, rec_len + 8, 0, &d), LTC_STREAM_CORRUPT);
  decoded_free(&d);
  free(b);
}

/* ---- strings numbered 0 are strings like any other ---- */

/* A stream of hand-made bytes: the hello, then one chunk of n STRING records, all id 0. */
static uint8_t *zero_strings(uint32_t n, size_t *len) {
  size_t cap = 128 + (size_t)n * 32;
  uint8_t *b = calloc(1, cap), *p = b;
  uint32_t version = LT_WIRE_VERSION, hello = 36;
  memcpy(p, LT_WIRE_MAGIC, 8), p += 8;
  memcpy(p, &version, 4), p += 4;
  memcpy(p, &hello, 4), p += 4;
  p[4] = LT_WIRE_CLOCK_VIRTUAL; /* pid 0, clock, times 0, argc 0, empty program and label */
  p += hello;
  lt_wire_chunk c = {LT_WIRE_CHUNK_MAGIC, n * 32, 1, n, 0};
  memcpy(p, &c, sizeof c), p += sizeof c;
  for (uint32_t i = 0; i < n; i++) {
    lt_wire_event e = {32, LT_EV_STRING, 0, 0, 0};
    uint64_t a0 = (uint64_t)7 << 32; /* id 0, 7 bytes of text (padded to 8) */
    memcpy(p, &e, sizeof e), p += sizeof e;
    memcpy(p, &a0, 8), p += 8;
    snprintf((char *)p, 8, "s%06u", i % 1000000), p += 8;
  }
  *len = (size_t)(p - b);
  return b;
}

static void test_strings_numbered_zero_replace_each_other(void **state) {
  size_t len;
  uint8_t *b = zero_strings(100000, &len);
  ltc_reader *r = ltc_reader_new(NULL);
  assert_int_equal(ltc_reader_feed(r, b, len), 0);
  /* one string held, not 100000 (id 0 read as an empty slot kept every one) */
  assert_int_equal(ltc_reader_strings_held(r), 1);
  assert_string_equal(ltc_reader_string(r, 1, 0, NULL), "s099999");
  ltc_reader_free(r);
  free(b);
}

/* ---- drop mode under a sink that stalls ---- */

typedef struct stall_server {
  int lfd;
  atomic_int producer_done;
  uint8_t *got;
  size_t len, cap;
} stall_server;

static void *stall_server_run(void *arg) {
  stall_server *s = arg;
  int c = accept(s->lfd, NULL, NULL);
  /* Read nothing until the producer has finished emitting: its socket fills and it drops. */
  while (!atomic_load(&s->producer_done)) {
    struct pollfd p = {.fd = c, .events = 0};
    poll(&p, 1, 5);
  }
  uint8_t buf[65536];
  ssize_t n;
  while ((n = read(c, buf, sizeof buf)) > 0) {
    if (s->len + (size_t)n > s->cap) {
      s->cap = (s->cap + (size_t)n) * 2;
      s->got = realloc(s->got, s->cap);
    }
    memcpy(s->got + s->len, buf, (size_t)n);
    s->len += (size_t)n;
  }
  close(c);
  return NULL;
}

static int yield_a_lot(void *arg, void **result) {
  for (int i = 0; i < 300000; i++) lt_yield();
  atomic_store(&((stall_server *)arg)->producer_done, 1);
  return 0;
}

static void test_drop_mode_counts_exactly(void **state) {
  char sock[128];
  snprintf(sock, sizeof sock, "%s/sink", dir);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, sock, strlen(sock) + 1);
  stall_server s = {.lfd = socket(AF_UNIX, SOCK_STREAM, 0)};
  assert_int_equal(bind(s.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(s.lfd, 1), 0);
  pthread_t th;
  pthread_create(&th, NULL, stall_server_run, &s);
  char spec[160];
  snprintf(spec, sizeof spec, "unix:%s", sock);
  assert_int_equal(lt_trace_start(spec, "drop", LT_TRACE_DROP), 0);
  lt_run_opts o = {.clock = LT_CLOCK_VIRTUAL};
  assert_int_equal(lt_run(yield_a_lot, &s, NULL, &o), 0);
  assert_int_equal(lt_trace_stop(), 0);
  pthread_join(th, NULL);
  close(s.lfd);
  unlink(sock);

  decoded d;
  ltc_stream_status st = decode(s.got, s.len, 0, &d);
  if (st != LTC_STREAM_CLEAN)
    fail_msg("status %d: %s at %llu of %zu", st, ltc_reader_error(d.r),
             (unsigned long long)ltc_reader_error_offset(d.r), s.len);
  uint64_t lost = ltc_reader_lost(d.r);
  assert_true(lost > 0);
  /* Every record has a sequence number: the last one + 1 is how many were emitted, and each was
   * either delivered or counted in a LOST record (the decoder checked each gap on the way). */
  uint64_t last_seq = 0;
  size_t delivered = 0;
  uint32_t track = d.ev[d.n - 1].track; /* the loop of this run */
  for (size_t i = 0; i < d.n; i++) {
    if (d.ev[i].track != track) continue;
    last_seq = d.ev[i].seq;
    delivered++;
  }
  assert_int_equal(delivered + lost, last_seq + 1);
  assert_int_equal(d.ev[d.n - 1].kind, LT_EV_LOOP_STOP); /* the last chunk is never dropped */
  decoded_free(&d);
  free(s.got);
}

/* The real executor and a real socket, as the trace tells them. */
/* A program printing more distinct lines than the runtime's string table holds: its table
 * starts over and says so, and the reader lets go of what no record can refer to again, so
 * the collector's memory stays bounded through a long live session, while every line still
 * reads back as printed. */
#define MANY_LINES 150000
static int many_lines(void *arg, void **result) {
  for (int i = 0; i < MANY_LINES; i++) lt_mark("line %d", i);
  return 0;
}

typedef struct lines_check {
  ltc_reader *r;
  uint64_t marks, wrong, resets, max_held;
} lines_check;

static void check_line(void *user, const ltc_event *e) {
  lines_check *c = user;
  if (e->kind == LT_EV_INTERN_RESET) c->resets++;
  if (e->kind != LT_EV_MARK) return;
  char want[32];
  snprintf(want, sizeof want, "line %llu", (unsigned long long)c->marks++);
  const char *got = ltc_reader_string(c->r, e->track, e->a[0], NULL);
  if (!got || strcmp(got, want) != 0) c->wrong++;
  uint64_t held = ltc_reader_strings_held(c->r);
  if (held > c->max_held) c->max_held = held;
}

static void test_string_tables_start_over_and_memory_stays_bounded(void **state) {
  char path[160], spec[170];
  snprintf(path, sizeof path, "%s/lines.ltr", dir);
  snprintf(spec, sizeof spec, "file:%s", path);
  assert_int_equal(lt_trace_start(spec, "many lines", LT_TRACE_BLOCK), 0);
  lt_run_opts o = {.clock = LT_CLOCK_VIRTUAL};
  assert_int_equal(lt_run(many_lines, NULL, NULL, &o), 0);
  assert_int_equal(lt_trace_stop(), 0);
  size_t len;
  uint8_t *bytes = slurp(path, &len);
  lines_check c = {0};
  ltc_reader_callbacks cb = {NULL, check_line, &c};
  c.r = ltc_reader_new(&cb);
  assert_int_equal(ltc_reader_feed(c.r, bytes, len), 0);
  assert_int_equal(ltc_reader_finish(c.r), LTC_STREAM_CLEAN);
  assert_int_equal(c.marks, MANY_LINES);
  assert_int_equal(c.wrong, 0);
  assert_true(c.resets >= 2);
  assert_true(c.max_held <= 65536 + 64); /* the producer's table, and a few sites and names */
  ltc_reader_free(c.r);
  free(bytes);
  unlink(path);
}

static void test_executor_and_io_are_traced(void **state) {
  decoded d;
  assert_int_equal(decode(rec_bytes, rec_len, 0, &d), LTC_STREAM_CLEAN);
  const ltc_event *submit = NULL, *start = NULL, *end = NULL, *woke_by_job = NULL, *woke_by_fd = NULL;
  for (size_t i = 0; i < d.n; i++) {
    const ltc_event *e = &d.ev[i];
    if (e->kind == LT_EV_EXEC_SUBMIT && e->a[0] != HAND_MADE_JOB) submit = e;
    if (e->kind == LT_EV_EXEC_START && e->a[0] != HAND_MADE_JOB) start = e;
    if (e->kind == LT_EV_EXEC_END && e->a[0] != HAND_MADE_JOB) end = e;
    if (e->kind == LT_EV_TASK_READY && (e->flags >> 4) == LT_WAKER_THREAD) woke_by_job = e;
    if (e->kind == LT_EV_TASK_READY && (e->flags >> 4) == LT_WAKER_IO) woke_by_fd = e;
  }
  assert_non_null(submit);
  assert_non_null(start);
  assert_non_null(end);
  assert_int_equal(start->a[0], submit->a[0]); /* one job, seen from both sides */
  assert_int_equal(end->a[0], submit->a[0]);
  assert_int_not_equal(start->track, submit->track); /* the worker writes its own track */
  assert_int_equal(start->a[1], submit->track);      /* and names the loop it serves */
  assert_int_equal(end->a[1], 0);                    /* the job's status */
  assert_non_null(woke_by_job);
  assert_int_equal(woke_by_job->a[0], submit->a[0]); /* main was woken by that job */
  assert_non_null(woke_by_fd);
  assert_int_equal(woke_by_fd->a[0], (uint64_t)pair[0]); /* io_reader was woken by its fd */
  decoded_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_round_trips),
      cmocka_unit_test(test_executor_and_io_are_traced),
      cmocka_unit_test(test_string_tables_start_over_and_memory_stays_bounded),
      cmocka_unit_test(test_any_split_decodes_the_same),
      cmocka_unit_test(test_truncated_anywhere_keeps_complete_chunks),
      cmocka_unit_test(test_corruption_is_named_and_prefix_kept),
      cmocka_unit_test(test_bytes_after_the_end_are_corrupt),
      cmocka_unit_test(test_strings_numbered_zero_replace_each_other),
      cmocka_unit_test(test_drop_mode_counts_exactly),
  };
  return cmocka_run_group_tests_name("wire_reader", tests, setup, teardown);
}
