/* http.c: the web thread's HTTP side (see web-int.h): GET /api/... answered by the API's
 * reads (api.h) and the export (api/export.h), and the UI's files from the web root, with
 * anything that could step outside it refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/export.h"
#include "api/jsonbuf.h"
#include "serve/web-int.h"

/* Sends status with body (taken) as the reply, in pieces as the socket takes them: the headers
 * at its first chance to write (the reply of a read the query threads answered comes from
 * outside any callback of the connection's own). */
static int http_reply(struct lws *wsi, conn *c, unsigned status, const char *type, char *body,
                      size_t len) {
  if (!body) {
    body = strdup("{\"error\":\"out of memory\"}");
    len = body ? strlen(body) : 0;
    status = 500;
  }
  free(c->body);
  c->body = body;
  c->body_len = len;
  c->body_off = 0;
  c->status = status;
  c->type = type;
  lws_callback_on_writable(wsi);
  return 0;
}

/* A JSON error sent at once, headers and body in one write, and the connection closed (-1):
 * for a request whose remaining bytes are not to be read. */
static int refuse_now(struct lws *wsi, unsigned status, const char *message) {
  char body[512];
  int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"status\":%u}", message, status);
  unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
  if (n < 0 || (size_t)n >= sizeof body ||
      lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)n, &p, end) ||
      lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                   &p, end) ||
      lws_finalize_http_header(wsi, &p, end) || end - p < n)
    return -1;
  memcpy(p, body, (size_t)n);
  p += n;
  lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
  return -1;
}

static int http_json(struct lws *wsi, conn *c, unsigned status, cJSON *o) {
  char *text = ltc_json_print(o);
  cJSON_Delete(o);
  return http_reply(wsi, c, status, "application/json", text, text ? strlen(text) : 0);
}

int ltc_http_error(struct lws *wsi, conn *c, unsigned status, const char *message) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", message);
  cJSON_AddNumberToObject(o, "status", status);
  return http_json(wsi, c, status, o);
}

int ltc_http_writable(struct lws *wsi, conn *c) {
  if (!c->body) return 0;
  unsigned char buf[LWS_PRE + 16384];
  if (c->status) {
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (lws_add_http_common_headers(wsi, c->status, c->type, c->body_len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
      return -1;
    c->status = 0;
    lws_callback_on_writable(wsi); /* the body, at the next chance */
    return 0;
  }
  size_t n = c->body_len - c->body_off;
  if (n > sizeof buf - LWS_PRE) n = sizeof buf - LWS_PRE;
  memcpy(buf + LWS_PRE, c->body + c->body_off, n);
  c->body_off += n;
  bool last = c->body_off == c->body_len;
  if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
    return -1;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  free(c->body);
  c->body = NULL;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The URL's query arguments as a JSON object of strings (what query.c reads). */
static cJSON *url_args(struct lws *wsi) {
  cJSON *o = cJSON_CreateObject();
  char frag[512];
  for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
       i++) {
    char *eq = strchr(frag, '=');
    if (!eq) continue;
    *eq = 0;
    cJSON_DeleteItemFromObjectCaseSensitive(o, frag);
    cJSON_AddStringToObject(o, frag, eq + 1);
  }
  return o;
}

/* Hands job (taken) to the query threads: the reply comes in ltc_http_answer. */
static int http_submit(ltc_web *w, struct lws *wsi, conn *c, ltc_query_job *job) {
  if (!job) return ltc_http_error(wsi, c, 500, "out of memory");
  job->owner = c->serial;
  job->request = -1;
  job->http = true;
  if (ltc_queries_submit(w->queries, job) < 0) {
    ltc_query_job_free(job);
    return ltc_http_error(wsi, c, 503, "too many reads of this connection at once");
  }
  c->waiting = true;
  c->next = w->http;
  w->http = c;
  /* no lws timeout while the read runs: a long one (a huge export) is no reason to close */
  lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
  return 0;
}

/* The read op with args (taken), for the query threads. */
static int http_read(ltc_web *w, struct lws *wsi, conn *c, const char *op, cJSON *args) {
  ltc_query_job *job = calloc(1, sizeof *job);
  if (job && !(job->op = strdup(op))) {
    free(job);
    job = NULL;
  }
  if (job)
    job->args = args;
  else
    cJSON_Delete(args);
  return http_submit(w, wsi, c, job);
}

static void unwait(ltc_web *w, conn *c) {
  for (conn **p = &w->http; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  c->waiting = false;
}

void ltc_http_answer(ltc_web *w, ltc_query_job *job) {
  conn *c = w->http;
  while (c && c->serial != job->owner) c = c->next;
  if (!c) return; /* gone meanwhile */
  unwait(w, c);
  if (job->path[0]) {
    int served = lws_serve_http_file(c->wsi, job->path,
                                     job->export_chrome ? "application/json"
                                                        : "application/x-ndjson",
                                     NULL, 0);
    if (served < 0) lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    return; /* lws holds the file open: the job's free unlinks it */
  }
  http_reply(c->wsi, c, (unsigned)job->status, "application/json", job->reply,
             job->reply ? strlen(job->reply) : 0);
  job->reply = NULL; /* taken */
}

/* GET /api/sessions/N/export?format=chrome|jsonl: written by a query thread to a temporary
 * file and sent from there, so a session of millions of records is never one string in
 * memory, nor its writing a wait for other clients. */
static int http_export(ltc_web *w, struct lws *wsi, conn *c, int64_t id, const char *format) {
  bool chrome = strcmp(format, "chrome") == 0;
  if (!chrome && strcmp(format, "jsonl") != 0)
    return ltc_http_error(wsi, c, 400, "format is chrome or jsonl");
  ltc_query_job *job = calloc(1, sizeof *job);
  if (job) {
    job->session = id;
    job->export_chrome = chrome;
    job->export_jsonl = !chrome;
  }
  return http_submit(w, wsi, c, job);
}

static int http_api(ltc_web *w, struct lws *wsi, conn *c, const char *path) {
  if (strcmp(path, "/api/status") == 0) return http_json(wsi, c, 200, ltc_web_status(w));
  if (strcmp(path, "/api/diff") == 0 || strcmp(path, "/api/orderings") == 0) { /* api_compare.c */
    return http_read(w, wsi, c, path + 5, url_args(wsi));
  }
  const char *rest = path + strlen("/api/sessions");
  if (strncmp(path, "/api/sessions", 13) != 0 || (*rest && *rest != '/'))
    return ltc_http_error(wsi, c, 404, "no such API route (docs/api.md)");
  cJSON *args = url_args(wsi);
  const char *op = "sessions";
  if (*rest == '/') {
    char *end;
    long long id = strtoll(rest + 1, &end, 10);
    if (end == rest + 1 || id <= 0 || (*end && *end != '/')) {
      cJSON_Delete(args);
      return ltc_http_error(wsi, c, 400, "a session is a number: /api/sessions/N");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(args, "session");
    cJSON_AddNumberToObject(args, "session", (double)id);
    op = !*end                        ? "session"
         : strcmp(end, "/tasks") == 0   ? "tasks"
         : strcmp(end, "/events") == 0  ? "events"
         : strcmp(end, "/summary") == 0 ? "summary"
         : strcmp(end, "/lint") == 0    ? "lint"
         : strcmp(end, "/awaits") == 0  ? "awaits"
         : strcmp(end, "/export") == 0  ? "export"
                                        : NULL;
    if (op && strcmp(op, "export") == 0) {
      const cJSON *format = cJSON_GetObjectItemCaseSensitive(args, "format");
      int rc = http_export(w, wsi, c, id, cJSON_IsString(format) ? format->valuestring : "chrome");
      cJSON_Delete(args);
      return rc;
    }
  }
  if (!op) {
    cJSON_Delete(args);
    return ltc_http_error(wsi, c, 404, "no such API route (docs/api.md)");
  }
  return http_read(w, wsi, c, op, args);
}

static const char *mime_of(const char *path) {
  static const char *const types[][2] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"},
      {".mjs", "text/javascript"},           {".css", "text/css"},
      {".json", "application/json"},         {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".map", "application/json"},          {".txt", "text/plain; charset=utf-8"}};
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
    if (strcmp(dot, types[i][0]) == 0) return types[i][1];
  return "application/octet-stream";
}

/* A file of the UI. Anything that could step outside the root is refused; what is not
 * there is a 404. */
static int http_static(ltc_web *w, struct lws *wsi, conn *c, const char *path) {
  if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strstr(path, "//"))
    return ltc_http_error(wsi, c, 403, "refused: the path leaves the web root");
  char want[PATH_MAX + 1100], real[PATH_MAX];
  if (snprintf(want, sizeof want, "%s%s%s", w->root, path,
               path[strlen(path) - 1] == '/' ? "index.html" : "") >= (int)sizeof want)
    return ltc_http_error(wsi, c, 404, "not found");
  struct stat st;
  if (!realpath(want, real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
    return ltc_http_error(wsi, c, 404, "not found");
  size_t rl = strlen(w->root);
  if (strncmp(real, w->root, rl) != 0 || real[rl] != '/')
    return ltc_http_error(wsi, c, 403, "refused: the path leaves the web root");
  int rc = lws_serve_http_file(wsi, real, mime_of(real), NULL, 0);
  return rc < 0 ? -1 : 0;
}

int ltc_http_request(ltc_web *w, struct lws *wsi, conn *c, const char *path) {
  const char *refused = ltc_web_refusal(w, wsi);
  if (refused) return ltc_http_error(wsi, c, 403, refused);
  if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
    return ltc_http_error(wsi, c, 405, "only GET is served");
  /* a GET has no body: one that says it has (twice, or chunked) would leave lws reading it
   * while the reply waits: refused in one write, and the connection closed */
  if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
      lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
    return refuse_now(wsi, 400, "a GET has no body (Content-Length, Transfer-Encoding)");
  if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0) return http_api(w, wsi, c, path);
  return http_static(w, wsi, c, path);
}

void ltc_http_closed(ltc_web *w, conn *c) {
  if (c->waiting) {
    unwait(w, c);
    ltc_queries_forget(w->queries, c->serial);
  }
  free(c->body);
  c->body = NULL;
}
