/* test_queue_kinds.c: lt_priority_queue_new and lt_lifo_queue_new as asyncio.PriorityQueue
 * and LifoQueue of CPython 3.11 behave: equal priorities coming out in heapq's order (not the
 * order put), a bounded priority queue's putters and getters taking turns, LIFO getters woken
 * in FIFO order each taking the newest item when it runs, and a comparator-less priority
 * queue ordering ITEM(n)s as numbers. Each expected log is what CPython 3.11.7 printed for the
 * same program on a virtual-clock loop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

#define ITEM(x) ((void *)(intptr_t)(x))
#define INT(p) ((int)(intptr_t)(p))

typedef struct item {
  int key;
  char name;
} item;

static int by_key(const void *a, const void *b) { /* It.__lt__ compares keys only */
  const item *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key;
}

static lt_queue *q;
static item items[16];

static int putter(void *arg, void **result) {
  item *it = arg;
  int rc = lt_queue_put(q, it);
  if (rc == 0) logf_("put %c", it->name);
  return rc;
}

static int getter(void *arg, void **result) {
  void *v;
  int rc = lt_queue_get(q, &v);
  if (rc == 0) logf_("g%d got %c", (int)(intptr_t)arg, ((item *)v)->name);
  return rc;
}

static void join(lt_task **ts, int n) {
  for (int i = 0; i < n; i++) {
    lt_await(ts[i], NULL);
    lt_task_release(ts[i]);
  }
}

static int kinds_main(void *arg, void **result) {
  const char *names = "abcdefghi";
  int keys[] = {3, 1, 3, 1, 2, 3, 1, 2, 1};
  q = lt_priority_queue_new(0, by_key);
  for (int i = 0; i < 9; i++) {
    items[i] = (item){keys[i], names[i]};
    lt_queue_put_nowait(q, &items[i]);
  }
  char out[16] = {0};
  void *v;
  for (int i = 0; lt_queue_get_nowait(q, &v) == 0; i++) out[i] = ((item *)v)->name;
  logf_("prio %s", out);
  lt_queue_free(q);

  q = lt_priority_queue_new(2, by_key);
  lt_task *ts[8];
  int pk[] = {5, 4, 1, 0};
  for (int i = 0; i < 4; i++) {
    items[i] = (item){pk[i], "pqrs"[i]};
    ts[i] = lt_spawn(putter, &items[i]);
  }
  lt_yield();
  for (int i = 0; i < 4; i++) ts[4 + i] = lt_spawn(getter, (void *)(intptr_t)i);
  join(ts, 8);
  lt_queue_free(q);

  q = lt_lifo_queue_new(0);
  for (int i = 0; i < 2; i++) ts[i] = lt_spawn(getter, (void *)(intptr_t)i);
  lt_yield();
  for (int i = 0; i < 3; i++) {
    items[i] = (item){0, "xyz"[i]};
    lt_queue_put_nowait(q, &items[i]);
  }
  lt_yield();
  lt_queue_get_nowait(q, &v);
  logf_("lifo left %c size %zu", ((item *)v)->name, lt_queue_size(q));
  join(ts, 2);
  lt_queue_free(q);

  q = lt_priority_queue_new(0, NULL);
  int nums[] = {7, -2, 5, 0, 9};
  for (int i = 0; i < 5; i++) lt_queue_put_nowait(q, ITEM(nums[i]));
  for (int i = 0; i < 5; i++) {
    lt_queue_get_nowait(q, &v);
    nums[i] = INT(v);
  }
  logf_("numbers %d %d %d %d %d", nums[0], nums[1], nums[2], nums[3], nums[4]);
  lt_queue_free(q);
  return 0;
}

static void test_priority_and_lifo_as_cpython(void **state) {
  assert_int_equal(run_watched(kinds_main, NULL), 0);
  LOG_EXPECT("prio bgdihefac", "put p", "put q", "g0 got q", "g1 got p", "put r", "put s",
             "g2 got s", "g3 got r", "g0 got z", "g1 got y", "lifo left x size 0",
             "numbers -2 0 5 7 9");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_priority_and_lifo_as_cpython),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
