/* fuzz_request.c: any bytes as a websocket message, through the daemon's request reader
 * (serve/request.c, what ws.c answers with) and, for a read, the API's dispatch (api.c) over
 * seed sessions stored in a real SQLite file: nothing may crash or overflow, a command must
 * come out checked (a session that exists, a label of at most 256 bytes, from_seq / from_ts
 * in range; a label is stored and read back as UTF-8), and every reply is valid UTF-8 JSON
 * carrying the request's id. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/utf8.h"
#include "fuzz_util.h"
#include "serve/request.h"

static ltc_store *writer, *reader;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  lt_fuzz_open_seeded("request.db", &writer, &reader);
  return 0;
}

/* A checked command; a label is carried out as the ingest thread does, and read back. */
static void check_command(const ltc_hub_cmd *cmd) {
  ltc_session_row row;
  LT_FUZZ_ASSERT(ltc_store_session_row(reader, cmd->session, &row, NULL) == 0,
                 "a command for session %lld, which is not there", (long long)cmd->session);
  LT_FUZZ_ASSERT(cmd->kind != LTC_CMD_LABEL || (cmd->label && strlen(cmd->label) <= 256),
                 "a label unchecked");
  if (cmd->kind == LTC_CMD_LABEL) {
    ltc_err err = {0};
    size_t len = strlen(cmd->label);
    LT_FUZZ_ASSERT(ltc_store_session_label(writer, cmd->session, cmd->label, &err) == 0,
                   "label: %s", err.msg);
    LT_FUZZ_ASSERT(ltc_store_session_row(reader, cmd->session, &row, &err) == 0, "row: %s",
                   err.msg);
    LT_FUZZ_ASSERT(ltc_utf8_valid(row.label, strlen(row.label)), "a label stored as bytes");
    LT_FUZZ_ASSERT(!ltc_utf8_valid(cmd->label, len) || strcmp(row.label, cmd->label) == 0,
                   "label '%s' stored as '%s'", cmd->label, row.label);
  }
  LT_FUZZ_ASSERT(cmd->from_seq <= (uint64_t)1 << 53, "from_seq %llu",
                 (unsigned long long)cmd->from_seq);
  LT_FUZZ_ASSERT(cmd->from_ts == INT64_MIN ||
                     (cmd->from_ts >= INT64_MIN / 2 && cmd->from_ts <= INT64_MAX / 2),
                 "from_ts %lld", (long long)cmd->from_ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ltc_err err = {0};
  ltc_request req;
  cJSON *result = NULL;
  int rc = ltc_request_parse(reader, (const char *)data, size, &req, &err);
  if (rc == 0 && req.kind == LTC_REQUEST_READ) {
    result = ltc_api_read(reader, req.op, req.msg, &err);
    if (!result) lt_fuzz_check_err(req.op, &err);
  } else if (rc == 0 && req.kind == LTC_REQUEST_COMMAND) {
    check_command(&req.cmd);
  } else if (rc < 0) {
    lt_fuzz_check_err("request", &err);
  }
  if (rc == 0 && req.kind != LTC_REQUEST_READ) { /* answered elsewhere */
    cJSON_Delete(req.msg);
    return 0;
  }
  char *reply = ltc_api_reply(req.id, result, &err);
  size_t len = strlen(reply);
  lt_fuzz_check_json("reply", reply, len);
  cJSON *back = cJSON_ParseWithLength(reply, len);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(back, "id");
  LT_FUZZ_ASSERT(req.id < 0 ? cJSON_IsNull(id) : cJSON_IsNumber(id) &&
                                                     id->valuedouble == (double)req.id,
                 "reply to %lld: %.200s", (long long)req.id, reply);
  cJSON_Delete(back);
  free(reply);
  cJSON_Delete(req.msg);
  return 0;
}
