/* task_info.c: what a program asks about its tasks beyond their outcome: renaming one
 * (Task.set_name, traced so that its lane takes the name) and listing those not done
 * (asyncio.all_tasks). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "trace.h"

static void trace_rename(lt_loop *loop, lt_task *t) {
  lt__track *tr = lt__track_group(loop->track);
  const char *name = lt_task_name(t);
  uint32_t name_id = lt__track_string(tr, name, strlen(name));
  uint64_t *a = lt__track_put(tr, LT_EV_TASK_RENAME, 0, (uint32_t)t->id, 1);
  a[0] = name_id;
}

int lt_task_set_name(lt_task *t, const char *name) {
  if (!t || !name) {
    lt__misuse("lt_task_set_name with a NULL %s", t ? "name" : "task");
    return -EINVAL;
  }
  lt_loop *loop = t->fut.loop;
  if (loop != lt__tls_loop) {
    lt__misuse("lt_task_set_name called from a thread that does not run the task's loop");
    return -EPERM;
  }
  char *old = t->name && t->name != t->name_buf ? t->name : NULL;
  size_t n = strlen(name);
  if (n < sizeof t->name_buf) {
    memmove(t->name_buf, name, n + 1); /* name may be the old one */
    t->name = t->name_buf;
  } else {
    char *copy = strdup(name);
    if (!copy) return -ENOMEM;
    t->name = copy;
  }
  free(old);
  if (LT_TRACING(loop)) trace_rename(loop, t);
  return 0;
}

long lt_all_tasks(lt_task **out, size_t cap) {
  lt_loop *loop = lt__loop_check("lt_all_tasks");
  if (!loop) return -EPERM;
  size_t n = 0;
  for (lt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next) {
    lt_task *t = lt__container_of(l, lt_task, link);
    if (t->fut.state != LT_FUTURE_PENDING) continue;
    if (out && n < cap) out[n] = t;
    n++;
  }
  return (long)n;
}
