/* test_queue.c: lt_queue as a user relies on it: FIFO items, getters and blocked producers
 * resumed in arrival order, a bounded queue holding its producer back, the -EAGAIN non-waiting
 * forms, join waiting for task_done, a cancelled getter / putter passing its turn on as CPython
 * 3.11 does, and misuse returning errors. Tasks record; cmocka asserts after lt_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "looptrace.h"

#include "task_harness.h"

typedef struct ctx ctx;
typedef struct warg {
  ctx *c;
  int id;
} warg;

struct ctx {
  lt_queue *q;
  rec r;      /* items (or ids) in the order they were seen */
  int rc[8];
  int got[8];
  int progress;
  size_t size_seen;
  int64_t t_join;
};

/* ---- plain FIFO and the non-waiting forms ---- */

static int fifo_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(0);
  for (int i = 0; i < 1000; i++) CHECK(lt_queue_put_nowait(c->q, ITEM(i)) == 0);
  c->size_seen = lt_queue_size(c->q);
  for (int i = 0; i < 1000; i++) {
    void *v = NULL;
    CHECK(lt_queue_get(c->q, &v) == 0 && INT(v) == i);
  }
  void *v = ITEM(-1);
  c->rc[0] = lt_queue_get_nowait(c->q, &v);
  CHECK(INT(v) == -1);
  lt_queue_free(c->q);
  /* Bounded: put_nowait refuses when full, get_nowait when empty. */
  c->q = lt_queue_new(1);
  CHECK(lt_queue_put_nowait(c->q, ITEM(7)) == 0);
  c->rc[1] = lt_queue_put_nowait(c->q, ITEM(8));
  CHECK(lt_queue_size(c->q) == 1);
  CHECK(lt_queue_get_nowait(c->q, &v) == 0 && INT(v) == 7);
  c->rc[2] = lt_queue_get_nowait(c->q, &v);
  lt_queue_free(c->q);
  return 0;
}

static void test_queue_fifo_and_nowait_eagain(void **state) {
  ctx c = {0};
  run_main(fifo_main, &c);
  assert_int_equal(c.size_seen, 1000);
  assert_int_equal(c.rc[0], -EAGAIN);
  assert_int_equal(c.rc[1], -EAGAIN);
  assert_int_equal(c.rc[2], -EAGAIN);
}

/* ---- getters ---- */

static int consumer(void *arg, void **res) {
  warg *a = arg;
  void *v = ITEM(-1);
  a->c->rc[a->id] = lt_queue_get(a->c->q, &v);
  a->c->got[a->id] = INT(v);
  rec_add(&a->c->r, a->id);
  return 0;
}

static int getters_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(0);
  warg a[3];
  lt_task *ts[3];
  for (int i = 0; i < 3; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(consumer, &a[i]);
  }
  lt_yield();
  CHECK(c->r.n == 0); /* all waiting on an empty queue */
  for (int i = 0; i < 3; i++) CHECK(lt_queue_put_nowait(c->q, ITEM(10 * (i + 1))) == 0);
  join_all(ts, 3);
  c->size_seen = lt_queue_size(c->q);
  lt_queue_free(c->q);
  return 0;
}

static void test_getters_are_served_in_fifo_order(void **state) {
  ctx c = {0};
  run_main(getters_main, &c);
  assert_rec(&c.r, (int[]){0, 1, 2}, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(c.rc[i], 0);
    assert_int_equal(c.got[i], 10 * (i + 1));
  }
  assert_int_equal(c.size_seen, 0);
}

/* ---- bounded: producers held back ---- */

static int producer5(void *arg, void **res) {
  ctx *c = arg;
  for (int i = 0; i < 5; i++) {
    CHECK(lt_queue_put(c->q, ITEM(i)) == 0);
    c->progress++;
  }
  return 0;
}

static int bounded_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(2);
  lt_task *p = lt_spawn(producer5, c);
  lt_yield();
  lt_yield();
  rec_add(&c->r, c->progress); /* 2: blocked on the third put */
  rec_add(&c->r, (int)lt_queue_size(c->q));
  void *v;
  CHECK(lt_queue_get(c->q, &v) == 0 && INT(v) == 0);
  lt_yield();
  rec_add(&c->r, c->progress); /* 3: resumed by the get, blocked again */
  for (int i = 1; i < 5; i++) {
    CHECK(lt_queue_get(c->q, &v) == 0);
    rec_add(&c->r, INT(v));
  }
  join_all(&p, 1);
  rec_add(&c->r, c->progress);
  lt_queue_free(c->q);
  return 0;
}

static void test_bounded_queue_blocks_producer_when_full(void **state) {
  ctx c = {0};
  run_main(bounded_main, &c);
  assert_rec(&c.r, (int[]){2, 2, 3, 1, 2, 3, 4, 5}, 8);
}

static int producer(void *arg, void **res) {
  warg *a = arg;
  a->c->rc[a->id] = lt_queue_put(a->c->q, ITEM(a->id));
  if (a->c->rc[a->id] == 0) rec_add(&a->c->r, a->id);
  return 0;
}

static int putters_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(1);
  CHECK(lt_queue_put_nowait(c->q, ITEM(100)) == 0);
  warg a[3];
  lt_task *ts[3];
  for (int i = 0; i < 3; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(producer, &a[i]);
  }
  lt_yield();
  CHECK(c->r.n == 0); /* all three wait for room */
  for (int i = 0; i < 4; i++) {
    void *v;
    CHECK(lt_queue_get(c->q, &v) == 0);
    c->got[i] = INT(v);
  }
  join_all(ts, 3);
  lt_queue_free(c->q);
  return 0;
}

static void test_blocked_producers_resume_in_fifo_order(void **state) {
  ctx c = {0};
  run_main(putters_main, &c);
  assert_rec(&c.r, (int[]){0, 1, 2}, 3);
  assert_int_equal(c.got[0], 100);
  assert_int_equal(c.got[1], 0);
  assert_int_equal(c.got[2], 1);
  assert_int_equal(c.got[3], 2);
}

/* ---- task_done / join ---- */

static int worker(void *arg, void **res) {
  ctx *c = arg;
  for (;;) {
    void *v;
    int rc = lt_queue_get(c->q, &v);
    if (rc < 0) {
      c->rc[0] = rc;
      return 0;
    }
    lt_sleep(LT_MSEC(10));
    rec_add(&c->r, INT(v));
    CHECK(lt_queue_task_done(c->q) == 0);
  }
}

static int join_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(0);
  CHECK(lt_queue_join(c->q) == 0); /* nothing put: at once */
  for (int i = 1; i <= 3; i++) lt_queue_put_nowait(c->q, ITEM(i));
  lt_task *w = lt_spawn(worker, c);
  CHECK(lt_queue_join(c->q) == 0);
  c->t_join = lt_now();
  c->progress = c->r.n;
  c->rc[1] = lt_queue_task_done(c->q); /* one too many */
  lt_task_cancel(w);
  join_all(&w, 1);
  lt_queue_free(c->q);
  return 0;
}

static void test_join_waits_for_every_task_done(void **state) {
  ctx c = {0};
  run_main(join_main, &c);
  assert_int_equal(c.progress, 3);
  assert_int_equal(c.t_join, LT_MSEC(30));
  assert_rec(&c.r, (int[]){1, 2, 3}, 3);
  assert_int_equal(c.rc[1], -EINVAL);
  assert_int_equal(c.rc[0], -ECANCELED);
}

/* ---- cancellation ---- */

static int getter_cancel_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(0);
  warg a[4];
  lt_task *ts[4];
  for (int i = 0; i < 4; i++) a[i] = (warg){c, i};
  /* Cancelled while waiting: the item goes to the next getter. */
  ts[0] = lt_spawn(consumer, &a[0]);
  ts[1] = lt_spawn(consumer, &a[1]);
  lt_yield();
  lt_task_cancel(ts[0]);
  lt_yield();
  lt_queue_put_nowait(c->q, ITEM(11));
  join_all(ts, 2);
  /* Woken by a put, then cancelled before it ran: it wakes the next getter for the item. */
  ts[2] = lt_spawn(consumer, &a[2]);
  ts[3] = lt_spawn(consumer, &a[3]);
  lt_yield();
  lt_queue_put_nowait(c->q, ITEM(22));
  lt_task_cancel(ts[2]);
  join_all(ts + 2, 2);
  c->size_seen = lt_queue_size(c->q);
  lt_queue_free(c->q);
  return 0;
}

static void test_cancelled_getter_passes_item_on(void **state) {
  ctx c = {0};
  run_main(getter_cancel_main, &c);
  assert_int_equal(c.rc[0], -ECANCELED);
  assert_int_equal(c.rc[1], 0);
  assert_int_equal(c.got[1], 11);
  assert_int_equal(c.rc[2], -ECANCELED);
  assert_int_equal(c.rc[3], 0);
  assert_int_equal(c.got[3], 22);
  assert_int_equal(c.size_seen, 0);
}

static int putter_cancel_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(1);
  lt_queue_put_nowait(c->q, ITEM(100));
  warg a[2] = {{c, 0}, {c, 1}};
  lt_task *ts[2] = {lt_spawn(producer, &a[0]), lt_spawn(producer, &a[1])};
  lt_yield();
  void *v;
  /* The free slot wakes producer 0; cancelled before it runs, it hands the slot to 1. */
  CHECK(lt_queue_get_nowait(c->q, &v) == 0 && INT(v) == 100);
  lt_task_cancel(ts[0]);
  join_all(ts, 2);
  c->size_seen = lt_queue_size(c->q);
  CHECK(lt_queue_get_nowait(c->q, &v) == 0);
  c->got[0] = INT(v);
  lt_queue_free(c->q);
  return 0;
}

static void test_cancelled_putter_passes_slot_on(void **state) {
  ctx c = {0};
  run_main(putter_cancel_main, &c);
  assert_int_equal(c.rc[0], -ECANCELED);
  assert_int_equal(c.rc[1], 0);
  assert_rec(&c.r, (int[]){1}, 1);
  assert_int_equal(c.size_seen, 1);
  assert_int_equal(c.got[0], 1);
}

/* The queue is freed by its user while a getter waits: the getter keeps it alive. */
static int free_waited_main(void *arg, void **res) {
  ctx *c = arg;
  c->q = lt_queue_new(0);
  warg a = {c, 0};
  lt_task *t = lt_spawn(consumer, &a);
  lt_yield();
  lt_queue_free(c->q);
  lt_task_cancel(t);
  join_all(&t, 1);
  return 0;
}

static void test_queue_freed_while_waited_on(void **state) {
  ctx c = {0};
  run_main(free_waited_main, &c);
  assert_int_equal(c.rc[0], -ECANCELED);
}

/* ---- misuse ---- */

typedef struct misuse {
  lt_queue *q;
  int cb_put, cb_get, cb_join, cb_put_nowait;
  int th_put_nowait, th_get_nowait, th_task_done;
  int null_put;
} misuse;

static void from_callback(void *arg) {
  misuse *m = arg;
  void *v;
  m->cb_put = lt_queue_put(m->q, ITEM(1));
  m->cb_get = lt_queue_get(m->q, &v);
  m->cb_join = lt_queue_join(m->q);
  m->cb_put_nowait = lt_queue_put_nowait(m->q, ITEM(2)); /* allowed: no wait */
}

static void *from_thread(void *arg) {
  misuse *m = arg;
  void *v;
  m->th_put_nowait = lt_queue_put_nowait(m->q, ITEM(3));
  m->th_get_nowait = lt_queue_get_nowait(m->q, &v);
  m->th_task_done = lt_queue_task_done(m->q);
  return NULL;
}

static int misuse_main(void *arg, void **res) {
  misuse *m = arg;
  m->q = lt_queue_new(0);
  m->null_put = lt_queue_put(NULL, ITEM(1));
  lt_call_soon(from_callback, m);
  lt_yield();
  CHECK(lt_queue_size(m->q) == 1);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, from_thread, m) == 0);
  pthread_join(th, NULL);
  CHECK(lt_queue_size(m->q) == 1);
  /* Not freed on purpose: lt_run frees what is left (LeakSanitizer checks it). */
  return 0;
}

static void test_misuse_returns_errors(void **state) {
  misuse m = {0};
  run_main(misuse_main, &m);
  assert_int_equal(m.null_put, -EINVAL);
  assert_int_equal(m.cb_put, -EPERM);
  assert_int_equal(m.cb_get, -EPERM);
  assert_int_equal(m.cb_join, -EPERM);
  assert_int_equal(m.cb_put_nowait, 0);
  assert_int_equal(m.th_put_nowait, -EPERM);
  assert_int_equal(m.th_get_nowait, -EPERM);
  assert_int_equal(m.th_task_done, -EPERM);
  errno = 0;
  assert_null(lt_queue_new(0));
  assert_int_equal(errno, EPERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_queue_fifo_and_nowait_eagain),
      cmocka_unit_test(test_getters_are_served_in_fifo_order),
      cmocka_unit_test(test_bounded_queue_blocks_producer_when_full),
      cmocka_unit_test(test_blocked_producers_resume_in_fifo_order),
      cmocka_unit_test(test_join_waits_for_every_task_done),
      cmocka_unit_test(test_cancelled_getter_passes_item_on),
      cmocka_unit_test(test_cancelled_putter_passes_slot_on),
      cmocka_unit_test(test_queue_freed_while_waited_on),
      cmocka_unit_test(test_misuse_returns_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
