/* lint.h: what is wrong with a session, found by reading it: long steps, tasks that never
 * yielded, late timers, long waits in the ready queue, tasks that mostly wake themselves,
 * lost wakers, cancellations that do not finish, long lock and queue waits. Each finding
 * names its task, the await site (file:line) and the moment; the timing percentiles come
 * with them. `looptrace lint`, the API's lint read and the UI's list all read this. */
#ifndef LTC_LINT_H
#define LTC_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* The lints: XX(NAME, "name", what it says). */
#define LTC_LINT_MAP(XX)                                                                      \
  XX(LONG_STEP, "long-step", "a step ran longer than the threshold without yielding")       \
  XX(NEVER_YIELDED, "never-yielded", "a task ran over 1 s in one step, never yielding")      \
  XX(LATE_TIMER, "late-timer", "a timer fired later than the threshold after its deadline")  \
  XX(READY_DELAY, "ready-delay", "a ready task waited longer than the threshold to run")     \
  XX(SELF_WAKE, "self-wake", "a task woke itself for most of its wake-ups")                  \
  XX(LOST_WAKER, "lost-waker", "a task still waited at the end on a future nothing resolved") \
  XX(CANCEL_STUCK, "cancel-stuck", "a cancelled task did not finish within the grace")       \
  XX(LONG_WAIT, "long-wait", "a wait on a lock, queue, semaphore or event was long")
typedef enum ltc_lint_kind {
#define LTC__LINT(name, text, what) LTC_LINT_##name,
  LTC_LINT_MAP(LTC__LINT)
#undef LTC__LINT
  LTC_LINT_COUNT
} ltc_lint_kind;
const char *ltc_lint_name(unsigned kind);
const char *ltc_lint_what(unsigned kind);

/* Thresholds (ns; the ratio in percent), with the defaults ltc_lint_defaults gives. */
typedef struct ltc_lint_opts {
  int64_t long_step;    /* 100 ms: asyncio debug mode's slow_callback_duration */
  int64_t never_yield;  /* 1 s: tokio-console's */
  int64_t late_timer;   /* 20 ms */
  int64_t ready_delay;  /* 50 ms */
  int64_t long_wait;    /* 100 ms */
  int64_t cancel_grace; /* 1 s */
  int self_wake_pct;    /* 50 % of a task's wake-ups, at least 10 of them */
} ltc_lint_opts;
void ltc_lint_defaults(ltc_lint_opts *o);

typedef struct ltc_finding {
  uint8_t kind;      /* ltc_lint_kind */
  uint32_t track, task;
  char name[64];     /* the task's name */
  char file[128];    /* the await site: file and line (empty: none known) */
  int64_t line;
  int64_t at_ns;     /* the moment: where the timeline should go */
  int64_t value;     /* how long (ns) or, for self-wake, the percentage */
  uint64_t object;   /* the timer, lock, queue... when there is one */
  char reason[16];   /* what the task waited on (long-wait, lost-waker) */
} ltc_finding;

/* Percentiles of a timing (ns): p50, p99, max, over n samples. */
typedef struct ltc_pct {
  uint64_t n;
  int64_t p50, p99, max;
} ltc_pct;

typedef struct ltc_lint {
  ltc_finding *f;
  size_t n;
  ltc_pct late, ready, step; /* timer lateness, ready -> running, step durations */
  uint64_t wakes, self_wakes; /* over the session */
} ltc_lint;

/* Lints session id. 0, -ENOENT, -ENOMEM, -EPROTO (a damaged block). */
int ltc_lint_session(ltc_store *s, int64_t id, const ltc_lint_opts *o, ltc_lint *out,
                     ltc_err *err);
void ltc_lint_free(ltc_lint *l);

/* What got worse from run b to run a: findings of a with no like in b (same lint, task name
 * and site), and percentiles of a over b's by more than tol_pct percent and tol_ns. */
typedef struct ltc_lint_regress {
  const ltc_finding **fresh; /* into a */
  size_t nfresh;
  char grew[512];            /* "late p99 1.2 ms -> 30 ms; ..." (empty: none) */
  int ngrew;
} ltc_lint_regress;
int ltc_lint_against(const ltc_lint *a, const ltc_lint *b, int tol_pct, int64_t tol_ns,
                     ltc_lint_regress *out);
void ltc_lint_regress_free(ltc_lint_regress *r);

#endif
