/* daemon.c: the collector daemon (see daemon.h). Its main thread is the ingest: any number
 * of traced programs stream to its listeners (ingest/listen.h); this thread decodes every
 * stream (epoll, one ltc_stream per connection), owns the single SQLite writer (committing at
 * least every LTC_COMMIT_EVERY_NS), copies live records to the hub for the clients that
 * subscribe, and carries out the web thread's commands (subscribe, label, delete). The web UI,
 * the JSON API and the websockets run in web.c's thread. SIGTERM / SIGINT end the streams
 * still running as "interrupted", commit everything and return 0. */
#define _GNU_SOURCE
#include "serve/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/peer.h"
#include "ingest/listen.h"
#include "ingest/stream.h"
#include "serve/hub.h"
#include "serve/web.h"

#define MAX_CONNECTIONS 4096
#define MAX_LISTENERS 8

/* A track's next sequence number: where a new subscriber's backlog ends on it. */
typedef struct track_seq {
  uint32_t track;
  uint64_t next_seq;
} track_seq;

/* One producer's connection: its stream, and what the live fan-out needs of it. */
typedef struct conn {
  int fd;
  ltc_stream *stream;
  int64_t session;
  ltc_hub_batch *batch; /* records of this read, while a client subscribes */
  track_seq *tracks;    /* every track the stream has, in the order they came */
  uint32_t ntracks, captracks;
  bool oom;             /* a track could not be noted: subscribers are told to resync */
} conn;

typedef enum { TAG_SIGNAL = 1, TAG_LISTENER, TAG_CONN, TAG_COMMAND } tag;

static void watch(int ep, int fd, tag t, void *ptr) {
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = (uint64_t)t | (uint64_t)(uintptr_t)ptr << 8;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- the live fan-out ---- */

static track_seq *track_of(conn *c, uint32_t track) {
  for (uint32_t i = c->ntracks; i-- > 0;) /* the newest tracks are the busiest */
    if (c->tracks[i].track == track) return &c->tracks[i];
  if (c->ntracks == c->captracks) {
    uint32_t cap = c->captracks ? c->captracks * 2 : 8;
    track_seq *n = realloc(c->tracks, cap * sizeof *n);
    if (!n) return NULL;
    c->tracks = n;
    c->captracks = cap;
  }
  c->tracks[c->ntracks] = (track_seq){track, 0};
  return &c->tracks[c->ntracks++];
}

/* Every stored record passes here: its track's next seq is noted, and while a client
 * subscribes to the session it is copied into this read's batch. */
static void observe(void *user, const ltc_event *e, const ltc_reader *r) {
  conn *c = user;
  track_seq *t = track_of(c, e->track);
  if (t)
    t->next_seq = e->seq + 1;
  else
    c->oom = true;
  if (!c->batch || ltc_kind_defines(e->kind)) return;
  ltc_resolver res = ltc_resolver_of_reader(r);
  ltc_event_text text;
  ltc_event_text_of(&res, e, &text);
  if (ltc_hub_batch_add(c->batch, e, &text) < 0) {
    /* out of memory: the client will see a gap; say so by ending its subscription */
    ltc_hub_batch_unref(c->batch);
    c->batch = NULL;
  }
}

static void conn_free(conn *c) {
  close(c->fd); /* closing removes it from epoll */
  free(c->tracks);
  free(c);
}

typedef struct daemon_state {
  ltc_store *store;
  ltc_hub *hub;
  conn **conns;
  int nconns;
  unsigned long refused_user; /* producers of another user, refused */
} daemon_state;

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
  for (int k = 0; rc == 0 && k < d->nconns; k++) {
    conn *c = d->conns[k];
    if (c->session != cmd->session) continue;
    if (c->oom) {
      rc = ltc_fail(err, -ENOMEM, "out of memory following session %lld live",
                    (long long)cmd->session);
      break;
    }
    it->live = true;
    it->ntracks = c->ntracks;
    it->tracks = malloc((c->ntracks + 1) * sizeof *it->tracks);
    it->until = malloc((c->ntracks + 1) * sizeof *it->until);
    if (!it->tracks || !it->until) {
      rc = ltc_fail(err, -ENOMEM, "out of memory");
      break;
    }
    for (uint32_t i = 0; i < c->ntracks; i++) {
      it->tracks[i] = c->tracks[i].track;
      it->until[i] = c->tracks[i].next_seq;
    }
  }
  if (rc < 0) {
    ltc_hub_item_free(it);
    return rc;
  }
  it->kind = LTC_ITEM_SUBSCRIBED;
  it->session = cmd->session;
  it->request = cmd->request;
  it->from_seq = cmd->from_seq;
  it->from_ts = cmd->from_ts;
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
      if (rc == 0) ltc_hub_changed(d->hub, cmd->session);
      break;
  }
  /* every request gets its one reply, one without an id too (with "id": null) */
  if (!cmd->internal) ltc_hub_reply(d->hub, cmd->client, command_reply(cmd, rc, &err));
}

/* Reads what a producer sent: stores it, and hands it live to subscribers. */
static bool conn_read(daemon_state *d, conn *c, uint8_t *buf, size_t cap, uint64_t *stored) {
  ssize_t got = read(c->fd, buf, cap);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (c->session && ltc_hub_watched(d->hub, c->session))
    c->batch = ltc_hub_batch_new(c->session);
  ltc_err err = {0};
  int rc = got > 0 ? ltc_stream_feed(c->stream, buf, (size_t)got, &err) : 0;
  if (c->batch) {
    if (c->batch->n)
      ltc_hub_publish(d->hub, c->batch);
    else
      ltc_hub_batch_unref(c->batch);
    c->batch = NULL;
  }
  if (!c->session && (c->session = ltc_stream_session(c->stream)))
    ltc_hub_changed(d->hub, c->session); /* a new session: browsers list it at once */
  if (got > 0 && rc == 0) return true;
  /* the program ended its stream (or died), or storing failed: this session is done */
  ltc_stream_result res;
  if (rc < 0) fprintf(stderr, "looptrace serve: storing: %s\n", err.msg);
  if (ltc_stream_finish(c->stream, false, &res, &err) < 0 && rc == 0)
    fprintf(stderr, "looptrace serve: storing: %s\n", err.msg);
  if (res.session) {
    (*stored)++;
    ltc_hub_changed(d->hub, res.session);
  }
  return false;
}

static void accept_all(daemon_state *d, int ep, const ltc_listener *l, bool remote_ok) {
  int fd;
  while ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
    /* A producer of another local user is refused: streams go into this user's database,
     * and the user would read them as their own. */
    if (!ltc_peer_allowed(fd, remote_ok)) {
      d->refused_user++;
      close(fd); /* the program says once that it goes on untraced */
      continue;
    }
    conn *c = d->nconns < MAX_CONNECTIONS ? calloc(1, sizeof *c) : NULL;
    if (c) c->stream = ltc_stream_new(d->store, NULL);
    if (!c || !c->stream) {
      free(c); /* refused: the program says once that it goes on untraced */
      close(fd);
      continue;
    }
    ltc_stream_observe(c->stream, observe, c);
    c->fd = fd;
    d->conns[d->nconns++] = c;
    watch(ep, fd, TAG_CONN, c);
  }
}

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
  if (ltc_store_checkpoint_in_background(store, cfg->db, &err) < 0)
    fprintf(stderr, "looptrace serve: checkpoints stay in the writer: %s\n", err.msg);
  ltc_web *web = NULL;
  if (!hub || open_listeners(ep, cfg, listeners, &nl) < 0) status = 1;
  if (status == 0) {
    watch(ep, ltc_hub_command_fd(hub), TAG_COMMAND, NULL);
    ltc_web_config wc = {.http = cfg->http, .root = cfg->web_root, .db = cfg->db, .hub = hub,
                         .allow_origin = cfg->allow_origin, .nallow_origin = cfg->nallow_origin,
                         .allow_remote = cfg->allow_remote};
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

  static conn *conns[MAX_CONNECTIONS];
  daemon_state d = {.store = store, .hub = hub, .conns = conns};
  uint64_t stored = 0;
  static uint8_t buf[1 << 16];
  int64_t last_commit = ltc_now_ns();
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
        accept_all(&d, ep, ptr, cfg->allow_remote);
      } else {
        conn *c = ptr;
        if (conn_read(&d, c, buf, sizeof buf, &stored)) continue;
        for (int k = 0; k < d.nconns; k++)
          if (conns[k] == c) conns[k] = conns[--d.nconns];
        conn_free(c);
      }
    }
    if (ltc_now_ns() - last_commit >= LTC_COMMIT_EVERY_NS) {
      if (ltc_store_commit(store, &err) < 0)
        fprintf(stderr, "looptrace serve: commit: %s\n", err.msg);
      for (int k = 0; k < d.nconns; k++) /* counts and times moved: browsers see progress */
        if (conns[k]->session) ltc_hub_changed(hub, conns[k]->session);
      last_commit = ltc_now_ns();
    }
    if (hub) ltc_hub_flush(hub);
  }
  /* Stopping: what is still streaming is stored as interrupted; all of it committed. */
  int interrupted = 0;
  for (int k = 0; k < d.nconns; k++) {
    ltc_stream_result res;
    ltc_stream_finish(conns[k]->stream, true, &res, NULL);
    if (res.session) interrupted++;
    conn_free(conns[k]);
  }
  if (ltc_store_commit(store, &err) < 0) {
    fprintf(stderr, "looptrace serve: commit: %s\n", err.msg);
    status = 1;
  }
  ltc_web_stop(web);
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
