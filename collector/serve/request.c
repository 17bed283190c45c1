/* request.c: a websocket message read as a request, sorted and checked (see request.h). */
#define _GNU_SOURCE
#include "serve/request.h"

#include <errno.h>
#include <string.h>

#include "api/api.h"
#include "api/args.h"

/* The request's "id" (-1 when it has none). 0, or -EINVAL. */
static int request_id(const cJSON *msg, int64_t *out, ltc_err *err) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
  *out = -1;
  if (!id || cJSON_IsNull(id)) return 0;
  if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 9007199254740991.0 ||
      id->valuedouble != (double)(int64_t)id->valuedouble)
    return ltc_fail(err, -EINVAL, "'id' must be a whole number from 0");
  *out = (int64_t)id->valuedouble;
  return 0;
}

static bool is_command(const char *op) {
  return strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0 ||
         strcmp(op, "label") == 0 || strcmp(op, "delete") == 0;
}

/* A write or a subscription's arguments into cmd. 0, or -errno with why in err. */
static int command(ltc_store *s, const char *op, const cJSON *msg, ltc_hub_cmd *cmd,
                   ltc_err *err) {
  const cJSON *session = cJSON_GetObjectItemCaseSensitive(msg, "session");
  const cJSON *label = cJSON_GetObjectItemCaseSensitive(msg, "label");
  const cJSON *from = cJSON_GetObjectItemCaseSensitive(msg, "from_seq");
  const cJSON *from_ts = cJSON_GetObjectItemCaseSensitive(msg, "from_ts");
  const cJSON *form = cJSON_GetObjectItemCaseSensitive(msg, "form");
  ltc_session_row row;
  if (!cJSON_IsNumber(session) || ltc_arg_whole(session, 1, INT64_MAX / 2, &cmd->session) < 0)
    return ltc_fail(err, -EINVAL, "which session? ('session' must be a number)");
  int rc = ltc_store_session_row(s, cmd->session, &row, err);
  if (rc < 0) return rc;
  if (strcmp(op, "label") == 0 && (!cJSON_IsString(label) || strlen(label->valuestring) > 256))
    return ltc_fail(err, -EINVAL, "'label' must be a string of at most 256 bytes");
  int64_t seq = 0, ts = INT64_MIN;
  if (from && ltc_arg_whole(from, 0, (int64_t)1 << 53, &seq) < 0)
    return ltc_fail(err, -EINVAL, "'from_seq' must be a whole number from 0 to 2^53");
  if (from_ts && ltc_arg_whole(from_ts, INT64_MIN / 2, INT64_MAX / 2, &ts) < 0)
    return ltc_fail(err, -EINVAL, "'from_ts' must be a whole number of ns within +-2^62");
  bool rows = form && cJSON_IsString(form) && strcmp(form->valuestring, "rows") == 0;
  if (form && !rows && !(cJSON_IsString(form) && strcmp(form->valuestring, "events") == 0))
    return ltc_fail(err, -EINVAL, "'form' is \"events\" (the default) or \"rows\"");
  cmd->kind = strcmp(op, "subscribe") == 0     ? LTC_CMD_SUBSCRIBE
              : strcmp(op, "unsubscribe") == 0 ? LTC_CMD_UNSUBSCRIBE
              : strcmp(op, "label") == 0       ? LTC_CMD_LABEL
                                               : LTC_CMD_DELETE;
  cmd->from_seq = (uint64_t)seq;
  cmd->from_ts = ts;
  cmd->rows = rows;
  cmd->label = cJSON_IsString(label) ? label->valuestring : NULL;
  return 0;
}

int ltc_request_parse(ltc_store *s, const char *text, size_t len, ltc_request *req,
                      ltc_err *err) {
  memset(req, 0, sizeof *req);
  req->id = -1;
  cJSON *msg = req->msg = cJSON_ParseWithLength(text, len);
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(msg, "op");
  int rc;
  if (!msg || !cJSON_IsObject(msg)) return ltc_fail(err, -EINVAL, "not a JSON object");
  if ((rc = request_id(msg, &req->id, err)) < 0) return rc;
  if (memmem(text, len, "\\u0000", 6)) /* cJSON would cut a string there unseen */
    return ltc_fail(err, -EINVAL, "a request may not hold NUL characters (\\u0000)");
  if (!cJSON_IsString(op)) return ltc_fail(err, -EINVAL, "no 'op' (a string)");
  req->op = op->valuestring;
  req->cmd.request = req->id;
  if (is_command(req->op)) {
    req->kind = LTC_REQUEST_COMMAND;
    return command(s, req->op, msg, &req->cmd, err);
  }
  if (strcmp(req->op, "status") == 0) {
    req->kind = LTC_REQUEST_STATUS;
    return 0;
  }
  if (strcmp(req->op, "dump_ring") == 0) { /* its arguments are checked by ws.c's dump_ring */
    req->kind = LTC_REQUEST_DUMP_RING;
    return 0;
  }
  if (!ltc_api_is_read(req->op)) return ltc_fail(err, -EINVAL, "unknown op '%.64s'", req->op);
  req->kind = LTC_REQUEST_READ;
  return 0;
}
