/* demo_fifo: a program whose output depends on the ready queue's FIFO order. main spawns five
 * workers; each yields once (sleep(0)) and then prints its name. Under the loop's FIFO rule
 * they print A B C D E, every run; shuffle mode (LOOPTRACE_SHUFFLE=SEED, or `looptrace record
 * --shuffle`) permutes each iteration's batch and so the lines, which is what
 * `looptrace orderings` groups runs by. */
#include <looptrace.h>

static int worker(void *arg, void **result) {
  int rc = lt_yield();
  if (rc < 0) return rc;
  lt_print("%s", (const char *)arg);
  return 0;
}

static int amain(void *arg, void **result) {
  static const char *const names[] = {"A", "B", "C", "D", "E"};
  enum { N = sizeof names / sizeof *names };
  lt_future *all[N];
  lt_task *tasks[N];
  for (int i = 0; i < N; i++) {
    tasks[i] = lt_spawn_named(worker, (void *)names[i], names[i]);
    all[i] = lt_task_future(tasks[i]);
  }
  int rc = lt_gather(all, N, NULL, NULL, 0);
  for (int i = 0; i < N; i++) lt_task_release(tasks[i]);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }
