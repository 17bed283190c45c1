/* test_handover.c: direct transfer. A task that suspends hands the CPU straight to the next
 * task step of its batch (and begins the next batch itself when that needs no poll), and every
 * ordering stays asyncio's: the expected orders below are what CPython 3.11 prints for the
 * same programs (written out in the comments), and loop->handovers proves the path was taken.
 * Batch boundaries hold (what a step schedules runs next iteration, a plain callback in a
 * batch goes through the loop), a task that spawns and yields, cancellation of a task whose
 * wake-up is queued behind the canceller, and a task cancelled before its first step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <looptrace.h>

#include "internal.h"
#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static uint64_t handovers(void) { return lt_loop_current()->handovers; }
static uint64_t iter0;
static int iter(void) { return (int)(lt_loop_iterations() - iter0); }

/* ---- batch boundaries ----
 *   async def yielder(name, n):                       # A also call_soon()s cb at its step 1
 *       for i in 1..n: log(name + i); if i < n: await asyncio.sleep(0)
 *   gather(A, B, C)  ->  A1 B1 C1 cb A2 B2 C2 A3 B3 C3 */
static void cb(void *arg) { rec("cb@%d", iter()); }

static int yielder(void *arg, void **result) {
  const char *name = arg;
  for (int i = 1; i <= 3; i++) {
    if (name[0] == 'A' && i == 1) iter0 = lt_loop_iterations();
    rec("%s%d@%d", name, i, iter());
    if (name[0] == 'A' && i == 1) lt_call_soon(cb, NULL);
    if (i < 3) lt_yield();
  }
  return 0;
}

static uint64_t handed;
static int main_batches(void *arg, void **result) {
  static const char *const names[] = {"A", "B", "C"};
  lt_future *f[3];
  for (int i = 0; i < 3; i++) f[i] = lt_task_future(lt_spawn(yielder, (void *)names[i]));
  uint64_t h0 = handovers();
  int rc = lt_gather(f, 3, NULL, NULL, 0);
  handed = handovers() - h0;
  for (int i = 0; i < 3; i++) lt_future_release(f[i]);
  return rc;
}

static void test_batch_boundaries(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_batches, NULL, NULL, &virtual_clock), 0);
  /* cb is queued before A's second step: the loop runs it, then A; B and C are handed over */
  rec_is("A1@0 B1@0 C1@0 cb@1 A2@1 B2@1 C2@1 A3@2 B3@2 C3@2");
  /* from yields: B1 C1 (batch 0), B2 C2 (after cb), A3 (batch 2, begun by C2 itself); B3
   * and C3 follow tasks that end, handed over too unless under AddressSanitizer */
  assert_true(handed >= 5);
}

/* ---- a task that spawns and yields ----
 *   A: log A1; d = create_task(D()); log Aspawned; sleep(0); log A2; await d; log A3
 *   B: log B1; sleep(0); log B2          D: log D1; sleep(0); log D2
 *   gather(A, B)  ->  A1 Aspawned B1 D1 A2 B2 D2 A3 */
static int task_d(void *arg, void **result) {
  rec("D1");
  lt_yield();
  rec("D2");
  return 0;
}

static int task_a(void *arg, void **result) {
  rec("A1");
  lt_task *d = lt_spawn(task_d, NULL);
  rec("Aspawned");
  lt_yield();
  rec("A2");
  int rc = lt_await(d, NULL);
  rec("A3");
  lt_task_release(d);
  return rc;
}

static int task_b(void *arg, void **result) {
  rec("B1");
  lt_yield();
  rec("B2");
  return 0;
}

static int main_spawn_yield(void *arg, void **result) {
  lt_future *f[2] = {lt_task_future(lt_spawn(task_a, NULL)), lt_task_future(lt_spawn(task_b, NULL))};
  uint64_t h0 = handovers();
  int rc = lt_gather(f, 2, NULL, NULL, 0);
  handed = handovers() - h0;
  lt_future_release(f[0]);
  lt_future_release(f[1]);
  return rc;
}

static void test_spawn_and_yield(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_spawn_yield, NULL, NULL, &virtual_clock), 0);
  rec_is("A1 Aspawned B1 D1 A2 B2 D2 A3");
  assert_true(handed >= 3); /* B1 after A1; D1 (a new task) after B1; A2 after D1 */
}

/* ---- cancellation while handed over ----
 *   b = create_task(waiter(f)); a = create_task(canceller(b)); sleep(0); f.set_result(1)
 *   waiter: log Bwaits; await f (CancelledError: log Bcancelled, raise)
 *   canceller: log A1; sleep(0); log Acancels:b.cancel()
 * b's wake-up is queued right behind a's step: a cancels b there and hands the CPU to it, and
 * b's await must raise. Then x cancels e before e's first step, and e never runs:
 *   x = create_task(xcancel(e)); e = create_task(never())  ->
 *   Bwaits A1 Acancels:1 Bcancelled b.cancelled:1 Xcancels:1 X2 e.cancelled:1 */
static lt_future *fut;
static lt_task *tb, *te;

static int waiter(void *arg, void **result) {
  rec("Bwaits");
  int rc = lt_await(fut, NULL);
  rec(rc == -ECANCELED ? "Bcancelled" : "Bgot");
  return rc;
}

static int canceller(void *arg, void **result) {
  rec("A1");
  lt_yield();
  rec("Acancels:%d", lt_task_cancel(tb));
  return 0;
}

static int never(void *arg, void **result) {
  rec("Eran");
  return 0;
}

static int xcancel(void *arg, void **result) {
  rec("Xcancels:%d", lt_task_cancel(te));
  lt_yield();
  rec("X2");
  return 0;
}

static int main_cancel(void *arg, void **result) {
  fut = lt_future_new();
  tb = lt_spawn(waiter, NULL);
  lt_task *ta = lt_spawn(canceller, NULL);
  lt_yield();
  lt_future_set_result(fut, NULL);
  uint64_t h0 = handovers();
  lt_await(ta, NULL);
  handed = handovers() - h0;
  if (lt_await(tb, NULL) == -ECANCELED) rec("b.cancelled:%d", lt_task_cancelled(tb));
  lt_task *tx = lt_spawn(xcancel, NULL);
  te = lt_spawn(never, NULL);
  lt_await(tx, NULL);
  if (lt_await(te, NULL) == -ECANCELED) rec("e.cancelled:%d", lt_task_cancelled(te));
  lt_task_release(ta);
  lt_task_release(tb);
  lt_task_release(tx);
  lt_task_release(te);
  lt_future_release(fut);
  return 0;
}

static void test_cancel_while_handed_over(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel, NULL, NULL, &virtual_clock), 0);
  rec_is("Bwaits A1 Acancels:1 Bcancelled b.cancelled:1 Xcancels:1 X2 e.cancelled:1");
  assert_true(handed >= 1); /* A's step handed the CPU to B's wake-up */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_boundaries),
      cmocka_unit_test(test_spawn_and_yield),
      cmocka_unit_test(test_cancel_while_handed_over),
  };
  return cmocka_run_group_tests_name("handover", tests, NULL, NULL);
}
