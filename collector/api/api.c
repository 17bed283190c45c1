/* api.c: the table of the API's reads, the reads of sessions and tasks, and the reply
 * envelope (see api.h). */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/args.h"
#include "api/event.h"

typedef cJSON *(*read_fn)(ltc_store *s, const cJSON *args, ltc_err *err);

static const struct {
  const char *op;
  read_fn fn;
} reads[] = {
    {"sessions", ltc_api_sessions}, {"session", ltc_api_session},
    {"tasks", ltc_api_tasks},       {"events", ltc_api_events},
    {"summary", ltc_api_summary},   {"diff", ltc_api_diff},
    {"orderings", ltc_api_orderings}, {"lint", ltc_api_lint},
    {"awaits", ltc_api_awaits},
};

static read_fn find(const char *op) {
  for (size_t i = 0; op && i < sizeof reads / sizeof *reads; i++)
    if (strcmp(op, reads[i].op) == 0) return reads[i].fn;
  return NULL;
}

bool ltc_api_is_read(const char *op) { return find(op) != NULL; }

cJSON *ltc_api_read(ltc_store *s, const char *op, const cJSON *args, ltc_err *err) {
  read_fn fn = find(op);
  if (!fn) {
    if (op)
      ltc_fail(err, -EINVAL, "unknown op '%.64s'", op);
    else
      ltc_fail(err, -EINVAL, "no 'op'");
    return NULL;
  }
  return fn(s, args, err);
}

char *ltc_api_reply(int64_t id, cJSON *result, const ltc_err *err) {
  cJSON *o = cJSON_CreateObject();
  char digits[24]; /* exact: cJSON would print an id past 10^15 rounded (%.15g) */
  snprintf(digits, sizeof digits, "%lld", (long long)id);
  if (id >= 0)
    cJSON_AddRawToObject(o, "id", digits);
  else
    cJSON_AddNullToObject(o, "id");
  cJSON_AddBoolToObject(o, "ok", result != NULL);
  if (result) {
    cJSON_AddItemToObject(o, "result", result);
  } else {
    cJSON_AddNumberToObject(o, "status", ltc_err_http_status(err ? err->code : -EIO));
    cJSON_AddStringToObject(o, "error", err && err->msg[0] ? err->msg : "failed");
  }
  char *text = ltc_json_print(o);
  cJSON_Delete(o);
  return text;
}

/* ---- sessions and tasks ---- */

static void add_session(void *user, const ltc_session_row *row) {
  cJSON_AddItemToArray(user, ltc_session_json(row));
}

cJSON *ltc_api_sessions(ltc_store *s, const cJSON *args, ltc_err *err) {
  cJSON *out = cJSON_CreateObject();
  cJSON *list = cJSON_AddArrayToObject(out, "sessions");
  if (ltc_store_list_sessions(s, add_session, list, err) < 0) {
    cJSON_Delete(out);
    return NULL;
  }
  return out;
}

cJSON *ltc_api_session(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  if (ltc_arg_session(s, args, &row, err) < 0) return NULL;
  cJSON *out = cJSON_CreateObject();
  cJSON_AddItemToObject(out, "session", ltc_session_json(&row));
  return out;
}

static void add_task(void *user, const ltc_task_row *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", t->track);
  cJSON_AddNumberToObject(o, "task", t->task);
  cJSON_AddNumberToObject(o, "parent", t->parent);
  cJSON_AddStringToObject(o, "name", t->name ? t->name : "?");
  if (t->spawn_file) {
    cJSON *site = cJSON_AddObjectToObject(o, "spawn");
    cJSON_AddStringToObject(site, "file", t->spawn_file);
    cJSON_AddStringToObject(site, "func", t->spawn_func ? t->spawn_func : "");
    cJSON_AddNumberToObject(site, "line", (double)t->spawn_line);
  }
  cJSON_AddNumberToObject(o, "created_ns", (double)t->created_ns);
  if (t->finished_ns >= 0) {
    cJSON_AddNumberToObject(o, "finished_ns", (double)t->finished_ns);
    cJSON_AddStringToObject(o, "outcome", t->outcome ? t->outcome : "");
    cJSON_AddNumberToObject(o, "status", (double)t->status);
  }
  cJSON_AddItemToArray(user, o);
}

cJSON *ltc_api_tasks(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  if (ltc_arg_session(s, args, &row, err) < 0) return NULL;
  cJSON *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(out, "session", (double)row.id);
  cJSON *list = cJSON_AddArrayToObject(out, "tasks");
  if (ltc_store_tasks(s, row.id, add_task, list, err) < 0) {
    cJSON_Delete(out);
    return NULL;
  }
  return out;
}
