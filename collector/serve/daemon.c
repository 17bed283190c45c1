/* daemon.c: the collector daemon (see daemon.h). Its main thread is the ingest: any number
 * of traced programs stream to its listeners (ingest/listen.h), read and stored by
 * producers.c; this thread owns the single SQLite writer (committing at least every
 * LTC_COMMIT_EVERY_NS), and carries out the web thread's commands (subscribe, label, delete).
 * The web UI, the JSON API and the websockets run in web.c's thread. When a commit fails (a
 * full disk) nothing is lost: reading stops, what was taken in waits, the commit is tried
 * again every second, and every client is told. SIGTERM / SIGINT end the streams still
 * running as "interrupted", commit everything and return 0 (1 when something could not be
 * stored, which it says). */
#define _GNU_SOURCE
#include "serve/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api/api.h"
#include "api/jsonbuf.h"
#include "base/clock.h"
#include "ingest/listen.h"
#include "serve/hub.h"
#include "serve/producers.h"
#include "serve/web.h"

#define MAX_LISTENERS 8
#define RETRY_EVERY_NS 1000000000 /* a commit that failed is tried again this often */
#define RESERVE_BYTES (1u << 20)
/* records waiting to be stored that make a commit now: reading stops at a full disk within
 * about this many (commits otherwise come every LTC_COMMIT_EVERY_NS) */
#define COMMIT_RECORDS 65536

typedef enum { TAG_SIGNAL = 1, TAG_LISTENER, TAG_CONN, TAG_COMMAND } tag;

static void watch(int ep, int fd, tag t, void *ptr) {
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = (uint64_t)t | (uint64_t)(uintptr_t)ptr << 8;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

typedef struct daemon_state {
  ltc_store *store;
  ltc_hub *hub;
  ltc_producers *producers;
  ltc_hub_status status; /* the store's part; producers.c fills the rest */
} daemon_state;

/* ---- the web thread's commands ---- */

/* The reply to a command: its session, or why it failed. */
static char *command_reply(const ltc_hub_cmd *cmd, int rc, const ltc_err *err) {
  cJSON *result = NULL;
  if (rc == 0) {
    result = cJSON_CreateObject();
    cJSON_AddNumberToObject(result, "session", (double)cmd->session);
  }
  return ltc_api_reply(cmd->request, result, err);
}

/* A subscription begins: everything fed so far goes to disk now, and what comes after goes to
 * the client live. Its backlog is what is stored below each track's next seq. */
static int subscribe(daemon_state *d, const ltc_hub_cmd *cmd, ltc_err *err) {
  ltc_hub_item *it = calloc(1, sizeof *it);
  int rc = it ? ltc_store_commit(d->store, err) : ltc_fail(err, -ENOMEM, "out of memory");
  if (rc == 0) rc = ltc_producers_mark_live(d->producers, cmd->session, it, err);
  if (rc < 0) {
    ltc_hub_item_free(it);
    return rc;
  }
  it->kind = LTC_ITEM_SUBSCRIBED;
  it->session = cmd->session;
  it->request = cmd->request;
  it->from_seq = cmd->from_seq;
  it->from_ts = cmd->from_ts;
  it->rows = cmd->rows;
  ltc_hub_subscribe(d->hub, cmd->client, cmd->session, true, it);
  return 0;
}

/* A command from the web thread, carried out by the one thread that writes. */
static void run_command(daemon_state *d, const ltc_hub_cmd *cmd) {
  ltc_err err = {0};
  int rc = 0;
  switch (cmd->kind) {
    case LTC_CMD_SUBSCRIBE:
      if ((rc = subscribe(d, cmd, &err)) == 0) return; /* the web thread replies */
      break;
    case LTC_CMD_UNSUBSCRIBE:
      ltc_hub_subscribe(d->hub, cmd->client, cmd->session, false, NULL);
      break;
    case LTC_CMD_LABEL:
      rc = ltc_store_session_label(d->store, cmd->session, cmd->label ? cmd->label : "", &err);
      if (rc == 0) ltc_hub_changed(d->hub, cmd->session);
      break;
    case LTC_CMD_DELETE:
      rc = ltc_store_session_delete(d->store, cmd->session, &err);
      if (rc == 0) ltc_lintcache_forget(cmd->session); /* (its memory) */
      if (rc == 0) ltc_hub_changed(d->hub, cmd->session);
      break;
  }
  /* every request gets its one reply, one without an id too (with "id": null) */
  if (!cmd->internal) ltc_hub_reply(d->hub, cmd->client, command_reply(cmd, rc, &err));
}

/* ---- committing, and saying how it goes ---- */

/* {"type": "store", "ok": ..., "error": ..., "waiting": N}: to every client, when the store's
 * state changes. */
static void push_store_state(daemon_state *d) {
  ltc_jsonbuf b = {0};
  ltc_jsonbuf_printf(&b, "{\"type\":\"store\",\"ok\":%s,\"waiting\":%llu",
                     d->status.store_ok ? "true" : "false",
                     (unsigned long long)d->status.waiting);
  if (!d->status.store_ok) {
    ltc_jsonbuf_puts(&b, ",\"error\":");
    ltc_jsonbuf_string(&b, d->status.store_error, SIZE_MAX);
  }
  ltc_jsonbuf_put(&b, "}", 1);
  const char *text = ltc_jsonbuf_text(&b);
  if (text) ltc_hub_broadcast(d->hub, strdup(text));
  ltc_jsonbuf_free(&b);
}

/* Commits; when that fails, reading stops until a commit succeeds again. */
static void commit(daemon_state *d, int64_t now) {
  ltc_err err = {0};
  int rc = ltc_store_commit(d->store, &err);
  bool was_ok = d->status.store_ok;
  d->status.waiting = ltc_store_waiting(d->store);
  if (rc < 0 && was_ok) {
    d->status.store_ok = false;
    d->status.store_since_ns = now;
    snprintf(d->status.store_error, sizeof d->status.store_error, "%s", err.msg);
    fprintf(stderr, "looptrace serve: cannot store: %s; %llu records wait, reading stops, and "
                    "storing is tried again every second\n",
            err.msg, (unsigned long long)d->status.waiting);
    ltc_producers_pause(d->producers, true);
    push_store_state(d);
  } else if (rc == 0 && !was_ok) {
    d->status.store_ok = true;
    d->status.store_error[0] = 0;
    fprintf(stderr, "looptrace serve: storing again, after %.1f s\n",
            (double)(now - d->status.store_since_ns) / 1e9);
    ltc_producers_pause(d->producers, false);
    push_store_state(d);
  }
  ltc_hub_status st = d->status;
  ltc_producers_status(d->producers, &st);
  ltc_hub_set_status(d->hub, &st);
}

/* ---- starting and stopping ---- */

static int open_listeners(int ep, const ltc_daemon_config *cfg, ltc_listener *ls, int *nl) {
  char sock[300], spec[310];
  const char *const *specs = cfg->ingest;
  size_t n = cfg->ningest;
  const char *dflt[1] = {spec};
  if (n == 0) {
    ltc_err err = {0};
    if (ltc_default_ingest_socket(sock, sizeof sock, &err) < 0) {
      fprintf(stderr, "looptrace serve: %s\n", err.msg);
      return -1;
    }
    snprintf(spec, sizeof spec, "unix:%s", sock);
    specs = dflt;
    n = 1;
  }
  for (size_t i = 0; i < n && i < MAX_LISTENERS; i++) {
    ltc_err err = {0};
    if (ltc_listen(specs[i], cfg->allow_remote, &ls[*nl], &err) < 0) {
      fprintf(stderr, "looptrace serve: cannot listen on %s: %s\n", specs[i], err.msg);
      return -1;
    }
    watch(ep, ls[*nl].fd, TAG_LISTENER, &ls[*nl]);
    printf("looptrace serve: programs stream here with LOOPTRACE=%s\n", ls[*nl].spec);
    (*nl)++;
  }
  return 0;
}

/* The last commit, once every stream has ended: what cannot be stored now is said, and makes
 * the exit status 1. */
static int last_commit(daemon_state *d) {
  ltc_err err = {0}, why = {0};
  if (ltc_store_commit(d->store, &err) == 0) return 0;
  uint64_t unstored = ltc_store_waiting(d->store);
  int rc = ltc_store_give_up(d->store, &unstored, &why);
  fprintf(stderr, "looptrace serve: %llu records could not be stored: %s (%s)\n",
          (unsigned long long)unstored, err.msg,
          rc == 0 ? "their sessions say so" : "nor could their sessions be marked");
  return 1;
}

int ltc_daemon_run(const ltc_daemon_config *cfg) {
  ltc_err err = {0};
  ltc_store *store;
  if (ltc_store_open(cfg->db, &store, &err) < 0) {
    fprintf(stderr, "looptrace serve: %s\n", err.msg);
    return 1;
  }
  /* Signals arrive as readable data, between two streams' reads, never in the middle. The
   * web thread inherits the mask, so they all come here. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigprocmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  watch(ep, sfd, TAG_SIGNAL, NULL);
  ltc_listener listeners[MAX_LISTENERS];
  int nl = 0, status = 0;
  ltc_hub *hub = ltc_hub_new(NULL, NULL, cfg->client_queue);
  ltc_producers_config pc = {.store = store, .hub = hub, .ep = ep, .tag = TAG_CONN,
                             .allow_remote = cfg->allow_remote,
                             .max_connections = cfg->max_connections,
                             .hello_timeout_ns = cfg->hello_timeout_ns,
                             .max_chunk = cfg->max_chunk, .max_buffered = cfg->max_buffered};
  daemon_state d = {.store = store, .hub = hub, .producers = ltc_producers_new(&pc),
                    .status = {.store_ok = true}};
  if (ltc_store_checkpoint_in_background(store, cfg->db, &err) < 0)
    fprintf(stderr, "looptrace serve: checkpoints stay in the writer: %s\n", err.msg);
  /* room for saying what a full disk lost, should it come to that (ltc_store_give_up) */
  if (ltc_store_keep_reserve(store, cfg->db, RESERVE_BYTES, &err) < 0)
    fprintf(stderr, "looptrace serve: %s\n", err.msg);
  ltc_web *web = NULL;
  if (!hub || !d.producers || open_listeners(ep, cfg, listeners, &nl) < 0) status = 1;
  if (status == 0) {
    watch(ep, ltc_hub_command_fd(hub), TAG_COMMAND, NULL);
    ltc_web_config wc = {.http = cfg->http, .root = cfg->web_root, .db = cfg->db, .hub = hub,
                         .allow_origin = cfg->allow_origin, .nallow_origin = cfg->nallow_origin,
                         .allow_remote = cfg->allow_remote,
                         .ingest = nl > 0 ? listeners[0].spec : NULL};
    if (ltc_web_start(&wc, &web, &err) < 0) {
      fprintf(stderr, "looptrace serve: %s\n", err.msg);
      status = 1;
    }
  }
  if (status == 0) {
    printf("looptrace serve: storing sessions in %s\n", cfg->db);
    printf("looptrace serve: UI at http://%s/\n", ltc_web_origin(web));
  }
  fflush(stdout);

  int64_t last_commit_ns = ltc_now_ns(), last_tick_ns = last_commit_ns;
  bool stop = status != 0;
  while (!stop) {
    struct epoll_event evs[64];
    int n = epoll_wait(ep, evs, 64, (int)(LTC_COMMIT_EVERY_NS / 1000000));
    for (int i = 0; i < n; i++) {
      tag t = (tag)(evs[i].data.u64 & 0xff);
      void *ptr = (void *)(uintptr_t)(evs[i].data.u64 >> 8);
      if (t == TAG_SIGNAL) {
        stop = true;
      } else if (t == TAG_COMMAND) {
        ltc_hub_cmd *cmd;
        while ((cmd = ltc_hub_next_command(hub))) {
          run_command(&d, cmd);
          ltc_hub_cmd_free(cmd);
        }
      } else if (t == TAG_LISTENER) {
        ltc_producers_accept(d.producers, ptr);
      } else {
        ltc_producers_read(d.producers, ptr);
      }
    }
    int64_t now = ltc_now_ns();
    /* a commit every 100 ms, and sooner once COMMIT_RECORDS wait: a fast program could
     * otherwise send all it has before the commit that finds the disk full */
    bool due = now - last_commit_ns >= (d.status.store_ok ? LTC_COMMIT_EVERY_NS : RETRY_EVERY_NS);
    if (due || (d.status.store_ok && ltc_store_waiting(store) >= COMMIT_RECORDS)) {
      commit(&d, now);
      last_commit_ns = now;
    }
    if (now - last_tick_ns >= LTC_COMMIT_EVERY_NS) { /* timeouts, and progress for browsers */
      ltc_producers_tick(d.producers, now);
      last_tick_ns = now;
    }
    ltc_hub_flush(hub);
  }
  /* Stopping: what is still streaming is stored as interrupted; all of it committed. */
  int interrupted = d.producers ? ltc_producers_interrupt_all(d.producers) : 0;
  if (last_commit(&d) != 0) status = 1;
  uint64_t stored = d.producers ? ltc_producers_stored(d.producers) : 0;
  ltc_web_stop(web);
  ltc_producers_free(d.producers);
  ltc_hub_free(hub);
  ltc_store_close(store);
  for (int l = 0; l < nl; l++) ltc_listener_close(&listeners[l]);
  close(sfd);
  close(ep);
  if (nl && status == 0) {
    printf("looptrace serve: stopped; %llu sessions stored, %d interrupted\n",
           (unsigned long long)stored, interrupted);
    fflush(stdout);
  }
  return status;
}
