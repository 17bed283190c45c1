/* serve.c: `looptrace serve`: the collector daemon. Its main thread is the ingest: any number
 * of traced programs stream to a Unix socket (per user, mode 0600) or a loopback TCP port;
 * this thread decodes every stream (epoll, one ltc_stream per connection), owns the single
 * SQLite writer (committing at least every 100 ms), copies live records to the hub for the
 * clients that subscribe, and carries out the web thread's commands (subscribe, label,
 * delete). The web UI, the JSON API and the websockets run in web.c's thread. SIGTERM /
 * SIGINT end the streams still running as "interrupted", commit everything and exit 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "hub.h"
#include "stream.h"
#include "web.h"

#define MAX_CONNECTIONS 4096
#define COMMIT_EVERY_MS 100

#define CLIENT_MAX_RECORDS (256 * 1024) /* live records queued for one client, at most */

/* One producer's connection: its stream, and what the live fan-out needs of it. */
typedef struct conn {
  int fd;
  ltc_stream *stream;
  int64_t session;
  ltc_hub_batch *batch; /* records of this read, while a client subscribes */
  uint32_t ntracks;     /* each track's next seq: where a new subscriber's backlog ends */
  uint32_t tracks[LTC_HUB_MAX_TRACKS];
  uint64_t next_seq[LTC_HUB_MAX_TRACKS];
} conn;

typedef enum { TAG_SIGNAL = 1, TAG_LISTENER, TAG_CONN, TAG_COMMAND } tag;

static const char serve_usage[] =
    "usage: looptrace serve [--db FILE] [--http ADDR:PORT] [--web DIR]\n"
    "                       [--ingest unix:PATH | --ingest tcp:127.0.0.1:PORT]...\n"
    "  The collector: stores the trace of every program that streams to it, and serves the\n"
    "  browser UI and its API (docs/api.md).\n"
    "  --db FILE     the database (default: $LOOPTRACE_DB or ~/.local/share/looptrace/looptrace.db)\n"
    "  --http A:P    where the UI and API listen (default 127.0.0.1:7777; port 0 picks a free\n"
    "                one; an address other than 127.0.0.1 exposes your traces to that network)\n"
    "  --web DIR     the UI's files (default: $LOOPTRACE_WEB, else the web/ of this build)\n"
    "  --client-queue N  live records queued for one websocket client before it is told to\n"
    "                resync from the database (default 262144)\n"
    "  --ingest SPEC where programs stream to (default: a Unix socket of your own, printed at\n"
    "                start); programs find it with LOOPTRACE=SPEC. TCP binds only the address\n"
    "                given (use 127.0.0.1 for this machine alone); port 0 picks a free one.\n"
    "  SIGTERM or ^C stops it: streams still running are stored as interrupted.\n";

static int listen_unix(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return -ENAMETOOLONG;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  /* A socket file left by a collector that died is stale; one that answers is in use. */
  if (ltc_collector_listens(path)) {
    close(fd);
    return -EADDRINUSE;
  }
  unlink(path);
  mode_t old = umask(0177); /* the socket is the user's alone (0600) */
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  umask(old);
  if (rc < 0 || listen(fd, 128) < 0) {
    rc = -errno;
    close(fd);
    return rc;
  }
  return fd;
}

static int listen_tcp(const char *hostport) {
  char host[64];
  const char *colon = strrchr(hostport, ':');
  if (!colon || (size_t)(colon - hostport) >= sizeof host) return -EINVAL;
  memcpy(host, hostport, (size_t)(colon - hostport));
  host[colon - hostport] = 0;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
    return -EINVAL;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0) {
    int rc = -errno;
    close(fd);
    return rc;
  }
  return fd;
}

static void watch(int ep, int fd, tag t, void *ptr) {
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = (uint64_t)t | (uint64_t)(uintptr_t)ptr << 8;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- the live fan-out ---- */

/* Every stored record passes here: its track's next seq is noted, and while a client
 * subscribes to the session it is copied into this read's batch. */
static void observe(void *user, const ltc_event *e, const ltc_reader *r) {
  conn *c = user;
  uint32_t i = 0;
  while (i < c->ntracks && c->tracks[i] != e->track) i++;
  if (i == c->ntracks && i < LTC_HUB_MAX_TRACKS) {
    c->tracks[i] = e->track;
    c->ntracks++;
  }
  if (i < c->ntracks) c->next_seq[i] = e->seq + 1;
  if (!c->batch || ltc_kind_defines(e->kind)) return;
  ltc_resolver res = ltc_resolver_of_reader(r);
  ltc_event_text text;
  ltc_query_event_text(&res, e, &text);
  if (ltc_hub_batch_add(c->batch, e, &text) < 0) {
    /* out of memory: the client will see a gap; say so by ending its subscription */
    ltc_hub_batch_unref(c->batch);
    c->batch = NULL;
  }
}

typedef struct daemon_state {
  ltc_store *store;
  ltc_hub *hub;
  conn **conns;
  int nconns;
} daemon_state;

static char *reply(int64_t id, int64_t session, int rc, const char *what, const char *error) {
  cJSON *o = cJSON_CreateObject();
  if (id >= 0)
    cJSON_AddNumberToObject(o, "id", (double)id);
  else
    cJSON_AddNullToObject(o, "id");
  cJSON_AddBoolToObject(o, "ok", rc == 0);
  if (rc == 0) {
    cJSON *r = cJSON_AddObjectToObject(o, "result");
    cJSON_AddNumberToObject(r, "session", (double)session);
  } else {
    char msg[512];
    int status = rc == -ENOENT ? 404 : rc == -EBUSY ? 409 : 500;
    if (rc == -ENOENT)
      snprintf(msg, sizeof msg, "no session %lld", (long long)session);
    else if (rc == -EBUSY)
      snprintf(msg, sizeof msg, "session %lld is still being recorded", (long long)session);
    else
      snprintf(msg, sizeof msg, "%s session %lld: %s", what, (long long)session, error);
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "error", msg);
  }
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

/* A command from the web thread, carried out by the one thread that writes. */
static void run_command(daemon_state *d, const ltc_hub_cmd *cmd) {
  int rc = 0;
  switch (cmd->kind) {
    case LTC_CMD_SUBSCRIBE: {
      /* Everything fed so far goes to disk now; what comes after goes to the client live.
       * The client's backlog is what is stored below each track's next seq. */
      ltc_hub_item *it = calloc(1, sizeof *it);
      rc = it ? ltc_store_commit(d->store) : -ENOMEM;
      if (rc < 0) {
        free(it);
        break;
      }
      it->kind = LTC_ITEM_SUBSCRIBED;
      it->session = cmd->session;
      it->request = cmd->request;
      it->from_seq = cmd->from_seq;
      it->from_ts = cmd->from_ts;
      for (int k = 0; k < d->nconns; k++) {
        conn *c = d->conns[k];
        if (c->session != cmd->session) continue;
        it->live = true;
        it->ntracks = c->ntracks;
        memcpy(it->tracks, c->tracks, sizeof it->tracks);
        memcpy(it->until, c->next_seq, sizeof it->until);
      }
      ltc_hub_subscribe(d->hub, cmd->client, cmd->session, true, it);
      return;
    }
    case LTC_CMD_UNSUBSCRIBE:
      ltc_hub_subscribe(d->hub, cmd->client, cmd->session, false, NULL);
      break;
    case LTC_CMD_LABEL:
      rc = ltc_store_session_label(d->store, cmd->session, cmd->label ? cmd->label : "");
      if (rc == 0) ltc_hub_changed(d->hub, cmd->session);
      break;
    case LTC_CMD_DELETE:
      rc = ltc_store_session_delete(d->store, cmd->session);
      if (rc == 0) ltc_hub_changed(d->hub, cmd->session);
      break;
  }
  static const char *const what[] = {"subscribing to", "unsubscribing from", "labelling",
                                     "deleting"};
  if (cmd->request >= 0 || rc < 0)
    ltc_hub_reply(d->hub, cmd->client,
                  reply(cmd->request, cmd->session, rc, what[cmd->kind], ltc_store_error(d->store)));
}

/* Reads what a producer sent: stores it, and hands it live to subscribers. */
static bool conn_read(daemon_state *d, conn *c, uint8_t *buf, size_t cap, uint64_t *stored) {
  ssize_t got = read(c->fd, buf, cap);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (c->session && ltc_hub_watched(d->hub, c->session))
    c->batch = ltc_hub_batch_new(c->session);
  int rc = got > 0 ? ltc_stream_feed(c->stream, buf, (size_t)got) : 0;
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
  if (ltc_stream_finish(c->stream, false, &res) < 0 || rc < 0)
    fprintf(stderr, "looptrace serve: storing: %s\n", ltc_store_error(d->store));
  if (res.session) {
    (*stored)++;
    ltc_hub_changed(d->hub, res.session);
  }
  return false;
}

static int open_listeners(int ep, const char **specs, int nspecs, int *listeners, int *nl,
                          const char **unlink_me) {
  for (int i = 0; i < nspecs; i++) {
    int fd = strncmp(specs[i], "unix:", 5) == 0  ? listen_unix(specs[i] + 5)
             : strncmp(specs[i], "tcp:", 4) == 0 ? listen_tcp(specs[i] + 4)
                                                 : -EINVAL;
    if (fd < 0) {
      fprintf(stderr, "looptrace serve: cannot listen on %s: %s\n", specs[i],
              fd == -EADDRINUSE ? "a collector already listens there" : strerror(-fd));
      return -1;
    }
    if (strncmp(specs[i], "unix:", 5) == 0) *unlink_me = specs[i] + 5;
    listeners[(*nl)++] = fd;
    watch(ep, fd, TAG_LISTENER, NULL);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (strncmp(specs[i], "tcp:", 4) == 0 &&
        getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
      /* with port 0 the kernel chose one: say which */
      char host[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &bound.sin_addr, host, sizeof host);
      printf("looptrace serve: programs stream here with LOOPTRACE=tcp:%s:%u\n", host,
             ntohs(bound.sin_port));
    } else {
      printf("looptrace serve: programs stream here with LOOPTRACE=%s\n", specs[i]);
    }
  }
  return 0;
}

int ltc_cmd_serve(int argc, char **argv) {
  const char *db = NULL, *specs[8], *http = "127.0.0.1:7777", *web_root = NULL;
  int nspecs = 0;
  long client_queue = CLIENT_MAX_RECORDS;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(serve_usage, stdout);
      return 0;
    } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      db = argv[++i];
    } else if (strcmp(argv[i], "--http") == 0 && i + 1 < argc) {
      http = argv[++i];
    } else if (strcmp(argv[i], "--client-queue") == 0 && i + 1 < argc &&
               (client_queue = strtol(argv[i + 1], NULL, 10)) > 0) {
      i++;
    } else if (strcmp(argv[i], "--web") == 0 && i + 1 < argc) {
      web_root = argv[++i];
    } else if (strcmp(argv[i], "--ingest") == 0 && i + 1 < argc && nspecs < 8) {
      specs[nspecs++] = argv[++i];
    } else {
      fprintf(stderr, "looptrace serve: unexpected argument '%s'\n%s", argv[i], serve_usage);
      return 2;
    }
  }
  if (!web_root) web_root = getenv("LOOPTRACE_WEB");
  if (!web_root || !*web_root) web_root = LT_WEB_DIR;
  char sockpath[300], unixspec[310];
  if (nspecs == 0) {
    ltc_default_ingest_socket(sockpath, sizeof sockpath);
    snprintf(unixspec, sizeof unixspec, "unix:%s", sockpath);
    specs[nspecs++] = unixspec;
  }
  char path[4096];
  ltc_store *store = ltc_open_db("serve", &db, path, sizeof path);
  if (!store) return 1;

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
  int listeners[8], nl = 0, status = 0;
  const char *unlink_me = NULL;
  ltc_hub *hub = ltc_hub_new(NULL, NULL, (size_t)client_queue);
  if (ltc_store_checkpoint_in_background(store, db) < 0)
    fprintf(stderr, "looptrace serve: checkpoints stay in the writer: %s\n", ltc_store_error(store));
  ltc_web *web = NULL;
  if (!hub || open_listeners(ep, specs, nspecs, listeners, &nl, &unlink_me) < 0) status = 1;
  if (status == 0) {
    watch(ep, ltc_hub_command_fd(hub), TAG_COMMAND, NULL);
    char err[512];
    ltc_web_config cfg = {.http = http, .root = web_root, .db = db, .hub = hub};
    if (ltc_web_start(&cfg, &web, err, sizeof err) < 0) {
      fprintf(stderr, "looptrace serve: %s\n", err);
      status = 1;
    }
  }
  if (status == 0) {
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(http, ':') - http), http);
    printf("looptrace serve: storing sessions in %s\n", db);
    printf("looptrace serve: UI at http://%s:%d/\n", host, ltc_web_port(web));
  }
  fflush(stdout);

  static conn *conns[MAX_CONNECTIONS];
  daemon_state d = {.store = store, .hub = hub, .conns = conns};
  uint64_t stored = 0;
  static uint8_t buf[1 << 16];
  struct timespec last;
  clock_gettime(CLOCK_MONOTONIC, &last);
  bool stop = status != 0;
  while (!stop) {
    struct epoll_event evs[64];
    int n = epoll_wait(ep, evs, 64, COMMIT_EVERY_MS);
    for (int i = 0; i < n; i++) {
      tag t = (tag)(evs[i].data.u64 & 0xff);
      if (t == TAG_SIGNAL) {
        stop = true;
      } else if (t == TAG_COMMAND) {
        ltc_hub_cmd *cmd;
        while ((cmd = ltc_hub_next_command(hub))) {
          run_command(&d, cmd);
          ltc_hub_cmd_free(cmd);
        }
      } else if (t == TAG_LISTENER) {
        for (int l = 0; l < nl; l++) {
          int fd;
          while ((fd = accept4(listeners[l], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
            conn *c = d.nconns < MAX_CONNECTIONS ? calloc(1, sizeof *c) : NULL;
            if (c) c->stream = ltc_stream_new(store, NULL);
            if (!c || !c->stream) {
              free(c); /* refused: the program says once that it goes on untraced */
              close(fd);
              continue;
            }
            ltc_stream_observe(c->stream, observe, c);
            c->fd = fd;
            conns[d.nconns++] = c;
            watch(ep, fd, TAG_CONN, c);
          }
        }
      } else {
        conn *c = (conn *)(uintptr_t)(evs[i].data.u64 >> 8);
        if (conn_read(&d, c, buf, sizeof buf, &stored)) continue;
        close(c->fd); /* closing removes it from epoll */
        for (int k = 0; k < d.nconns; k++)
          if (conns[k] == c) conns[k] = conns[--d.nconns];
        free(c);
      }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >=
        COMMIT_EVERY_MS) {
      if (ltc_store_commit(store) < 0)
        fprintf(stderr, "looptrace serve: commit: %s\n", ltc_store_error(store));
      for (int k = 0; k < d.nconns; k++) /* counts and times moved: browsers see progress */
        if (conns[k]->session) ltc_hub_changed(hub, conns[k]->session);
      last = now;
    }
    if (hub) ltc_hub_flush(hub);
  }
  /* Stopping: what is still streaming is stored as interrupted; all of it committed. */
  int interrupted = 0;
  for (int k = 0; k < d.nconns; k++) {
    ltc_stream_result res;
    ltc_stream_finish(conns[k]->stream, true, &res);
    if (res.session) interrupted++;
    close(conns[k]->fd);
    free(conns[k]);
  }
  if (ltc_store_commit(store) < 0) status = 1;
  ltc_web_stop(web);
  ltc_hub_free(hub);
  ltc_store_close(store);
  for (int l = 0; l < nl; l++) close(listeners[l]);
  if (unlink_me) unlink(unlink_me);
  close(sfd);
  close(ep);
  if (nl && status == 0) {
    printf("looptrace serve: stopped; %llu sessions stored, %d interrupted\n",
           (unsigned long long)stored, interrupted);
    fflush(stdout);
  }
  return status;
}
