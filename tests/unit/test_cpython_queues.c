/* test_cpython_queues.c: ports of the ordering cases of CPython 3.11's
 * Lib/test/test_asyncio/test_queues.py onto lt_queue: each test is named after the CPython test
 * it mirrors (QueueBasicTests, QueueGetTests, QueuePutTests, _QueueJoinTestMixin) and checks
 * the same order, step for step (`await asyncio.sleep(0)` there is lt_yield() here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrace.h"
#include "task_harness.h"

static lt_queue *q;

/* asyncio.create_task(q.get()) / asyncio.create_task(q.put(item)) */
static int get_task(void *arg, void **res) { return lt_queue_get(q, res); }
static int put_task(void *arg, void **res) { return lt_queue_put(q, arg); }

static void *got(lt_task *t) {
  void *v = NULL;
  CHECK(lt_await(t, &v) == 0);
  lt_task_release(t);
  return v;
}

/* ---- QueueBasicTests ---- */

static rec items;

static int order_main(void *arg, void **res) {
  q = lt_queue_new(0);
  int in[] = {1, 3, 2};
  for (int i = 0; i < 3; i++) lt_queue_put(q, ITEM(in[i]));
  for (int i = 0; i < 3; i++) {
    void *v;
    CHECK(lt_queue_get(q, &v) == 0);
    rec_add(&items, INT(v));
  }
  lt_queue_free(q);
  return 0;
}

/* QueueBasicTests.test_order */
static void QueueBasicTests_test_order(void **state) {
  items.n = 0;
  run_main(order_main, NULL);
  int want[] = {1, 3, 2};
  assert_rec(&items, want, 3);
}

static rec have_been_put;

static int putter3(void *arg, void **res) {
  for (int i = 0; i < 3; i++) {
    lt_queue_put(q, ITEM(i));
    rec_add(&have_been_put, i);
  }
  *res = ITEM(1);
  return 0;
}

static int maxsize_main(void *arg, void **res) {
  q = lt_queue_new(2);
  have_been_put.n = 0;
  lt_task *t = lt_spawn(putter3, NULL);
  lt_yield();
  lt_yield();
  CHECK(have_been_put.n == 2); /* blocked after putting two items */
  void *v;
  CHECK(lt_queue_get(q, &v) == 0 && INT(v) == 0);
  lt_yield(); /* the putter resumes and puts the last item */
  CHECK(have_been_put.n == 3);
  CHECK(lt_queue_get(q, &v) == 0 && INT(v) == 1);
  CHECK(lt_queue_get(q, &v) == 0 && INT(v) == 2);
  CHECK(lt_task_done(t));
  CHECK(INT(got(t)) == 1);
  lt_queue_free(q);
  return 0;
}

/* QueueBasicTests.test_maxsize */
static void QueueBasicTests_test_maxsize(void **state) { run_main(maxsize_main, NULL); }

/* ---- QueueGetTests ---- */

static int get_cancelled_race_main(void *arg, void **res) {
  q = lt_queue_new(0);
  lt_task *t1 = lt_spawn(get_task, NULL), *t2 = lt_spawn(get_task, NULL);
  lt_yield();
  lt_task_cancel(t1);
  lt_yield();
  CHECK(lt_task_done(t1));
  lt_queue_put(q, ITEM('a'));
  lt_yield();
  CHECK(INT(got(t2)) == 'a');
  lt_task_release(t1);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_get_cancelled_race */
static void QueueGetTests_test_get_cancelled_race(void **state) {
  run_main(get_cancelled_race_main, NULL);
}

static int get_with_waiting_putters_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_task *a = lt_spawn(put_task, ITEM('a')), *b = lt_spawn(put_task, ITEM('b'));
  void *v;
  CHECK(lt_queue_get(q, &v) == 0 && INT(v) == 'a');
  CHECK(lt_queue_get(q, &v) == 0 && INT(v) == 'b');
  lt_task *ts[] = {a, b};
  join_all(ts, 2);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_get_with_waiting_putters */
static void QueueGetTests_test_get_with_waiting_putters(void **state) {
  run_main(get_with_waiting_putters_main, NULL);
}

static int consumer(void *arg, void **res) {
  for (int i = 0; i < INT(arg); i++) {
    void *v;
    int rc = lt_queue_get(q, &v);
    if (rc < 0) return rc;
  }
  return 0;
}

static int producer(void *arg, void **res) {
  for (int i = 0; i < INT(arg); i++) {
    int rc = lt_queue_put(q, ITEM(i));
    if (rc < 0) return rc;
  }
  return 0;
}

static int getters_waiting_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_taskgroup *tg = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(tg, producer, ITEM(5)));
  lt_task_release(lt_taskgroup_spawn(tg, consumer, ITEM(5)));
  CHECK(lt_taskgroup_end(tg, 0) == 0); /* finishes: no getter is left waiting for nothing */
  lt_taskgroup_free(tg);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_why_are_getters_waiting */
static void QueueGetTests_test_why_are_getters_waiting(void **state) {
  run_main(getters_waiting_main, NULL);
}

static int getters_not_held_main(void *arg, void **res) {
  q = lt_queue_new(5);
  lt_task *g = lt_spawn(get_task, NULL);
  CHECK(lt_wait_for(g, LT_MSEC(100), NULL) == -ETIMEDOUT);
  lt_task_release(g);
  /* no getter is held: an item put now stays in the queue */
  lt_queue_put_nowait(q, ITEM(1));
  lt_yield();
  CHECK(lt_queue_size(q) == 1);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters */
static void QueueGetTests_test_cancelled_getters_not_being_held_in_self_getters(void **state) {
  run_main(getters_not_held_main, NULL);
}

static int drop_one_reader_main(void *arg, void **res) {
  q = lt_queue_new(0);
  lt_task *reader = lt_spawn(get_task, NULL);
  lt_yield();
  lt_queue_put_nowait(q, ITEM(1));
  lt_queue_put_nowait(q, ITEM(2));
  lt_task_cancel(reader);
  void *v = NULL;
  if (lt_await(reader, &v) == -ECANCELED) { /* try again */
    lt_task_release(reader);
    reader = lt_spawn(get_task, NULL);
    lt_await(reader, &v);
  }
  CHECK(INT(v) == 1); /* 2 would mean 1 was dropped */
  lt_task_release(reader);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_get_cancel_drop_one_pending_reader */
static void QueueGetTests_test_get_cancel_drop_one_pending_reader(void **state) {
  run_main(drop_one_reader_main, NULL);
}

static int drop_many_readers_main(void *arg, void **res) {
  q = lt_queue_new(0);
  lt_taskgroup *tg = lt_taskgroup_new();
  lt_task *r[3];
  for (int i = 0; i < 3; i++) r[i] = lt_taskgroup_spawn(tg, get_task, NULL);
  lt_yield();
  lt_queue_put_nowait(q, ITEM(1));
  lt_queue_put_nowait(q, ITEM(2));
  lt_task_cancel(r[0]);
  CHECK(lt_await(r[0], NULL) == -ECANCELED);
  lt_await(r[2], NULL);
  CHECK(lt_taskgroup_end(tg, 0) == 0);
  void *a = NULL, *b = NULL;
  CHECK(lt_task_result(r[1], &a) == 0 && lt_task_result(r[2], &b) == 0);
  CHECK(INT(a) + INT(b) == 3 && INT(a) != INT(b)); /* {1, 2}: neither item dropped */
  lt_taskgroup_free(tg);
  join_all(r, 3);
  lt_queue_free(q);
  return 0;
}

/* QueueGetTests.test_get_cancel_drop_many_pending_readers */
static void QueueGetTests_test_get_cancel_drop_many_pending_readers(void **state) {
  run_main(drop_many_readers_main, NULL);
}

/* ---- QueuePutTests ---- */

static int put_cancel_drop_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_queue_put_nowait(q, ITEM(1));
  lt_task *writer = lt_spawn(put_task, ITEM(2)); /* has to block */
  lt_yield();
  void *v;
  CHECK(lt_queue_get_nowait(q, &v) == 0 && INT(v) == 1);
  lt_task_cancel(writer);
  if (lt_await(writer, NULL) == -ECANCELED) { /* try again */
    lt_task_release(writer);
    writer = lt_spawn(put_task, ITEM(2));
    lt_await(writer, NULL);
  }
  CHECK(lt_queue_get_nowait(q, &v) == 0 && INT(v) == 2);
  CHECK(lt_queue_size(q) == 0);
  lt_task_release(writer);
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_put_cancel_drop */
static void QueuePutTests_test_put_cancel_drop(void **state) {
  run_main(put_cancel_drop_main, NULL);
}

static int put_cancelled_race_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_task *a = lt_spawn(put_task, ITEM('a')), *b = lt_spawn(put_task, ITEM('b')),
          *c = lt_spawn(put_task, ITEM('X'));
  lt_yield();
  CHECK(lt_task_done(a) && !lt_task_done(b));
  lt_task_cancel(c);
  lt_yield();
  CHECK(lt_task_done(c));
  void *v;
  CHECK(lt_queue_get_nowait(q, &v) == 0 && INT(v) == 'a');
  lt_yield();
  CHECK(lt_queue_get_nowait(q, &v) == 0 && INT(v) == 'b');
  CHECK(lt_await(b, NULL) == 0);
  lt_task *ts[] = {a, b, c};
  join_all(ts, 3);
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_put_cancelled_race */
static void QueuePutTests_test_put_cancelled_race(void **state) {
  run_main(put_cancelled_race_main, NULL);
}

static int put_with_waiting_getters_main(void *arg, void **res) {
  q = lt_queue_new(0);
  lt_task *t = lt_spawn(get_task, NULL);
  lt_yield();
  lt_queue_put(q, ITEM('a'));
  CHECK(INT(got(t)) == 'a');
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_put_with_waiting_getters */
static void QueuePutTests_test_put_with_waiting_getters(void **state) {
  run_main(put_with_waiting_getters_main, NULL);
}

static int drain_getter(void *arg, void **res) {
  lt_yield();
  size_t n = lt_queue_size(q);
  void *v;
  for (size_t i = 0; i < n; i++) CHECK(lt_queue_get_nowait(q, &v) == 0);
  return 0;
}

static int putters_waiting_main(void *arg, void **res) {
  q = lt_queue_new(2);
  lt_taskgroup *tg = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(tg, drain_getter, NULL));
  for (int i = 0; i < 4; i++) lt_task_release(lt_taskgroup_spawn(tg, put_task, ITEM(i)));
  CHECK(lt_taskgroup_end(tg, 0) == 0); /* every putter got its turn: no hang */
  lt_taskgroup_free(tg);
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_why_are_putters_waiting */
static void QueuePutTests_test_why_are_putters_waiting(void **state) {
  run_main(putters_waiting_main, NULL);
}

static int puts_not_held_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_queue_put_nowait(q, ITEM(1));
  lt_task *p = lt_spawn(put_task, ITEM(1));
  lt_yield();
  lt_task_cancel(p);
  CHECK(lt_await(p, NULL) == -ECANCELED);
  /* the cancelled putter is gone: freeing a slot wakes nobody, the queue just empties */
  void *v;
  CHECK(lt_queue_get_nowait(q, &v) == 0);
  lt_yield();
  CHECK(lt_queue_size(q) == 0);
  lt_task_release(p);
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters */
static void QueuePutTests_test_cancelled_puts_not_being_held_in_self_putters(void **state) {
  run_main(puts_not_held_main, NULL);
}

static int put_silence_main(void *arg, void **res) {
  q = lt_queue_new(1);
  lt_queue_put_nowait(q, ITEM(1));
  lt_task *p = lt_spawn(put_task, ITEM(1));
  lt_yield();
  void *v;
  lt_queue_get_nowait(q, &v); /* wakes the putter (its waiter leaves the putters) */
  lt_task_cancel(p);
  CHECK(lt_await(p, NULL) == -ECANCELED); /* cancelled, nothing else */
  lt_task_release(p);
  lt_queue_free(q);
  return 0;
}

/* QueuePutTests.test_cancelled_put_silence_value_error_exception */
static void QueuePutTests_test_cancelled_put_silence_value_error_exception(void **state) {
  run_main(put_silence_main, NULL);
}

/* ---- _QueueJoinTestMixin (QueueJoinTests) ---- */

static int accumulator;
static bool running;

static int worker(void *arg, void **res) {
  while (running) {
    void *v;
    int rc = lt_queue_get(q, &v);
    if (rc < 0) return rc;
    accumulator += INT(v);
    lt_queue_task_done(q);
  }
  return 0;
}

static int task_done_main(void *arg, void **res) {
  q = lt_queue_new(0);
  for (int i = 0; i < 100; i++) lt_queue_put_nowait(q, ITEM(i));
  accumulator = 0;
  running = true;
  lt_taskgroup *tg = lt_taskgroup_new();
  for (int i = 0; i < 2; i++) lt_task_release(lt_taskgroup_spawn(tg, worker, NULL));
  CHECK(lt_queue_join(q) == 0);
  CHECK(accumulator == 99 * 100 / 2);
  running = false;
  for (int i = 0; i < 2; i++) lt_queue_put_nowait(q, ITEM(0));
  CHECK(lt_taskgroup_end(tg, 0) == 0);
  lt_taskgroup_free(tg);
  lt_queue_free(q);
  return 0;
}

/* QueueJoinTests.test_task_done (_QueueJoinTestMixin) */
static void QueueJoinTests_test_task_done(void **state) { run_main(task_done_main, NULL); }

static int join_empty_main(void *arg, void **res) {
  q = lt_queue_new(0);
  uint64_t it = lt_loop_iterations();
  CHECK(lt_queue_join(q) == 0);
  CHECK(lt_queue_join(q) == 0);
  CHECK(lt_loop_iterations() == it); /* at once, before anything else */
  lt_queue_free(q);
  return 0;
}

/* QueueJoinTests.test_join_empty_queue (_QueueJoinTestMixin) */
static void QueueJoinTests_test_join_empty_queue(void **state) {
  run_main(join_empty_main, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(QueueBasicTests_test_order),
      cmocka_unit_test(QueueBasicTests_test_maxsize),
      cmocka_unit_test(QueueGetTests_test_get_cancelled_race),
      cmocka_unit_test(QueueGetTests_test_get_with_waiting_putters),
      cmocka_unit_test(QueueGetTests_test_why_are_getters_waiting),
      cmocka_unit_test(QueueGetTests_test_cancelled_getters_not_being_held_in_self_getters),
      cmocka_unit_test(QueueGetTests_test_get_cancel_drop_one_pending_reader),
      cmocka_unit_test(QueueGetTests_test_get_cancel_drop_many_pending_readers),
      cmocka_unit_test(QueuePutTests_test_put_cancel_drop),
      cmocka_unit_test(QueuePutTests_test_put_cancelled_race),
      cmocka_unit_test(QueuePutTests_test_put_with_waiting_getters),
      cmocka_unit_test(QueuePutTests_test_why_are_putters_waiting),
      cmocka_unit_test(QueuePutTests_test_cancelled_puts_not_being_held_in_self_putters),
      cmocka_unit_test(QueuePutTests_test_cancelled_put_silence_value_error_exception),
      cmocka_unit_test(QueueJoinTests_test_task_done),
      cmocka_unit_test(QueueJoinTests_test_join_empty_queue),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
