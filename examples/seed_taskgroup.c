/* seed_taskgroup: a task group waits for two messages, then as_completed reports three more in
 * the order they finish (shared/oracle/seed_taskgroup.py). */
#include <stdio.h>

#include <looptrace.h>

typedef struct message {
  const char *to;
  int64_t delay;
  char result[64];
} message;

static int send_message(void *arg, void **result) {
  message *m = arg;
  lt_print("Sending message to %s", m->to);
  int rc = lt_sleep(m->delay);
  if (rc < 0) return rc;
  lt_print("Message sent to %s", m->to);
  snprintf(m->result, sizeof m->result, "Completed message to %s", m->to);
  *result = m->result;
  return 0;
}

static int amain(void *arg, void **result) {
  message group_msgs[2] = {{"John Doe", LT_MSEC(200), ""}, {"Anna Herb", LT_MSEC(100), ""}};
  lt_taskgroup *tg = lt_taskgroup_new();
  if (!tg) return -errno;
  for (int i = 0; i < 2; i++) lt_task_release(lt_taskgroup_spawn(tg, send_message, &group_msgs[i]));
  int rc = lt_taskgroup_end(tg, 0);
  lt_taskgroup_free(tg);
  if (rc < 0) return rc;
  lt_print("group done");

  message msgs[3] = {{"John Does", LT_MSEC(300), ""},
                     {"Anna Herb", LT_MSEC(100), ""},
                     {"Chris Jakson", LT_MSEC(200), ""}};
  lt_future *tasks[3];
  for (int i = 0; i < 3; i++) tasks[i] = lt_task_future(lt_spawn(send_message, &msgs[i]));
  lt_as_completed *ac = lt_as_completed_new(tasks, 3, -1);
  if (!ac) rc = -errno;
  void *value;
  while (ac && (rc = lt_as_completed_next(ac, &value, NULL)) == 0) lt_print("%s", (char *)value);
  if (rc == -ENOENT) rc = 0;
  lt_as_completed_free(ac);
  for (int i = 0; i < 3; i++) lt_future_release(tasks[i]);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }
