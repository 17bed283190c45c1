/* ordering.h: the ordering of a recorded session: its sequence of scheduling steps (a task
 * resumes, suspends with a reason, ends; a line is printed; a timer fires), each with the
 * identity of the task it concerns. Identities match tasks across runs without raw ids: a task
 * is its name, its spawn site (file base name, line, function) and its ordinal among the tasks
 * of the same name and site, in creation order. A step's key says what happened in those
 * terms, so two runs did the same step when their keys are equal. Also, per task, its
 * turnaround (finish minus start) and its time running / ready / waiting, from the one task
 * state machine (taskstate.c). `looptrace diff`, `looptrace orderings` and the API's diff and
 * orderings reads are built on this (orderdiff.h, api_compare.h). */
#ifndef LTC_ORDERING_H
#define LTC_ORDERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "store/store.h"

/* What a step did: XX(NAME, value, "name"). */
#define LTC_STEP_KIND_MAP(XX)                                                                 \
  XX(RESUME, 1, "resume")   /* a task runs (its step begins) */                              \
  XX(SUSPEND, 2, "suspend") /* it gives the loop back: flags = lt_wire_reason */             \
  XX(DONE, 3, "done")       /* it ended: flags = lt_wire_outcome */                          \
  XX(MARK, 4, "mark")       /* a line printed (lt_print) or a mark */                        \
  XX(FIRE, 5, "fire")       /* a timer fired; obj = the task that armed it */
typedef enum ltc_step_kind {
#define LTC__STEP_KIND(name, value, text) LTC_STEP_##name = value,
  LTC_STEP_KIND_MAP(LTC__STEP_KIND)
#undef LTC__STEP_KIND
} ltc_step_kind;
static inline const char *ltc_step_kind_name(unsigned k) {
  switch (k) {
#define LTC__STEP_KIND(name, value, text) case value: return text;
    LTC_STEP_KIND_MAP(LTC__STEP_KIND)
#undef LTC__STEP_KIND
    default: return "unknown";
  }
}

typedef struct ltc_otask {
  uint32_t track, task;
  const char *name;  /* as the program named it */
  const char *ident; /* the identity across runs (opaque text; equal means the same task) */
  const char *label; /* for people: the name, made unique in this session when needed */
  const char *spawn_file, *spawn_func; /* NULL when unknown (main) */
  int64_t spawn_line;
  int64_t created_ns, finished_ns;       /* finished_ns -1: never ended */
  const char *outcome;                   /* result, error, cancelled, or NULL */
  int64_t busy_ns, ready_ns, waiting_ns; /* running / scheduled / waiting, over its life */
} ltc_otask;

typedef struct ltc_ostep {
  uint32_t key;  /* the step's key: index into the ordering's keys */
  uint8_t kind;  /* ltc_step_kind */
  uint8_t flags; /* reason (SUSPEND), outcome (DONE) */
  int32_t task;  /* index into tasks; -1: the loop itself */
  int32_t obj;   /* SUSPEND on a task: the awaited task; FIRE: who armed it; else -1 */
  int64_t ts;    /* on the trace clock */
  uint32_t track;
  uint64_t seq;
  const char *text; /* MARK: the text; SUSPEND: the await's site "file:line" (or NULL) */
} ltc_ostep;

typedef struct ltc_ordering ltc_ordering;
struct ltc_ordering {
  int64_t session;
  int64_t start_ns, end_ns; /* the session's first and last record */
  const char *label, *program, *clock, *status;
  const char *argv; /* the command line, as a JSON array */
  bool shuffled;
  uint64_t seed;
  ltc_otask *tasks; /* creation order (track, then id) */
  size_t ntasks;
  ltc_ostep *steps; /* loop tracks in order, each in sequence order */
  size_t nsteps;
  const char *const *keys; /* the distinct step keys; steps[i].key indexes it */
  size_t nkeys;
  struct ltc_opriv *priv;
};

/* Reads session id's ordering. 0; -ENOENT (no such session), -EPROTO (a damaged block), -EIO
 * (the store failed), -ENOMEM; err says which. */
int ltc_ordering_load(ltc_store *s, int64_t id, ltc_ordering **out, ltc_err *err);
void ltc_ordering_free(ltc_ordering *o);

/* Across languages (a and b's tasks were spawned from files of different extensions: a
 * CPython run and its C port), spawn sites and await sites cannot agree and names seldom do
 * (asyncio calls a task Task-N where a port names it after its function). So the tasks are
 * matched instead: first those with a name of their own (not Task-N) that both runs have, the
 * k-th of a name in a with the k-th in b; then the others in creation order, loop by loop.
 * b's matched tasks take a's identities, and both runs' suspend steps are keyed without their
 * await site. 1 when it did so, 0 when a and b are of one language (left as they were),
 * -ENOMEM. */
int ltc_ordering_match_across(ltc_ordering *a, ltc_ordering *b);
/* The key id of text in o, or -1 when no step of o has it. */
int64_t ltc_ordering_find_key(const ltc_ordering *o, const char *key);
/* What step i did, for people: "main suspends: sleep at say_after.c:21". */
void ltc_ordering_step_text(const ltc_ordering *o, size_t i, char *buf, size_t len);
/* The label of task index t (-1: "loop"). */
const char *ltc_ordering_task_label(const ltc_ordering *o, int32_t t);
/* The whole run's turnaround: its last record's time minus its first's (saturated). */
static inline int64_t ltc_ordering_turnaround(const ltc_ordering *o) {
  return ltc_ns_sub(o->end_ns, o->start_ns);
}

#endif
