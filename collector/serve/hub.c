/* hub.c: see hub.h. Clients are named by number, not pointer: a command or a reply may
 * outlive the websocket it came from, and is then dropped. */
#define _GNU_SOURCE
#include "serve/hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "api/rows.h"

typedef struct subscription {
  int64_t session;
  bool rows; /* its records in the rows form */
  struct subscription *next;
} subscription;

typedef struct client {
  uint64_t id;
  ltc_hub_item *head, *tail;
  size_t queued_records; /* in BATCH items */
  subscription *subs;
  struct client *next;
} client;

struct ltc_hub {
  pthread_mutex_t lock;
  int cmd_fd;
  ltc_hub_cmd *cmd_head, *cmd_tail;
  client *clients;
  uint64_t next_client;
  size_t client_max_records;
  int64_t *changed;
  size_t nchanged, changed_cap;
  bool pending_wake;
  void (*wake)(void *user);
  void *wake_user;
  ltc_hub_status status;
};

ltc_hub *ltc_hub_new(void (*wake)(void *user), void *user, size_t client_max_records) {
  ltc_hub *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (h->cmd_fd < 0) {
    free(h);
    return NULL;
  }
  pthread_mutex_init(&h->lock, NULL);
  h->wake = wake;
  h->wake_user = user;
  h->client_max_records = client_max_records;
  h->next_client = 1;
  h->status.store_ok = true;
  return h;
}

void ltc_hub_set_wake(ltc_hub *h, void (*wake)(void *user), void *user) {
  pthread_mutex_lock(&h->lock);
  h->wake = wake;
  h->wake_user = user;
  pthread_mutex_unlock(&h->lock);
}

static void drop_queue(client *c) {
  while (c->head) {
    ltc_hub_item *it = c->head;
    c->head = it->next;
    ltc_hub_item_free(it);
  }
  c->tail = NULL;
  c->queued_records = 0;
}

static void client_free(client *c) {
  drop_queue(c);
  while (c->subs) {
    subscription *s = c->subs;
    c->subs = s->next;
    free(s);
  }
  free(c);
}

void ltc_hub_free(ltc_hub *h) {
  if (!h) return;
  while (h->clients) {
    client *c = h->clients;
    h->clients = c->next;
    client_free(c);
  }
  ltc_hub_cmd *cmd;
  while ((cmd = ltc_hub_next_command(h))) ltc_hub_cmd_free(cmd);
  close(h->cmd_fd);
  pthread_mutex_destroy(&h->lock);
  free(h->changed);
  free(h);
}

int ltc_hub_command_fd(ltc_hub *h) { return h->cmd_fd; }

static client *find_client(ltc_hub *h, uint64_t id) {
  for (client *c = h->clients; c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

/* ---- the web thread ---- */

uint64_t ltc_hub_client_add(ltc_hub *h) {
  client *c = calloc(1, sizeof *c);
  if (!c) return 0;
  pthread_mutex_lock(&h->lock);
  c->id = h->next_client++;
  c->next = h->clients;
  h->clients = c;
  pthread_mutex_unlock(&h->lock);
  return c->id;
}

void ltc_hub_client_remove(ltc_hub *h, uint64_t id) {
  pthread_mutex_lock(&h->lock);
  for (client **p = &h->clients; *p; p = &(*p)->next)
    if ((*p)->id == id) {
      client *c = *p;
      *p = c->next;
      client_free(c);
      break;
    }
  pthread_mutex_unlock(&h->lock);
}

int ltc_hub_command(ltc_hub *h, const ltc_hub_cmd *cmd) {
  ltc_hub_cmd *c = malloc(sizeof *c);
  if (!c) return -ENOMEM;
  *c = *cmd;
  c->next = NULL;
  c->label = cmd->label ? strdup(cmd->label) : NULL;
  if (cmd->label && !c->label) {
    free(c);
    return -ENOMEM;
  }
  pthread_mutex_lock(&h->lock);
  if (h->cmd_tail)
    h->cmd_tail->next = c;
  else
    h->cmd_head = c;
  h->cmd_tail = c;
  pthread_mutex_unlock(&h->lock);
  uint64_t one = 1;
  if (write(h->cmd_fd, &one, sizeof one) < 0) { /* the counter cannot overflow in practice */
  }
  return 0;
}

ltc_hub_item *ltc_hub_take(ltc_hub *h, uint64_t id) {
  pthread_mutex_lock(&h->lock);
  client *c = find_client(h, id);
  ltc_hub_item *it = c ? c->head : NULL;
  if (it) {
    c->head = it->next;
    if (!c->head) c->tail = NULL;
    if (it->kind == LTC_ITEM_BATCH) c->queued_records -= it->batch->n;
    it->next = NULL;
  }
  pthread_mutex_unlock(&h->lock);
  return it;
}

size_t ltc_hub_take_changed(ltc_hub *h, int64_t *ids, size_t max) {
  pthread_mutex_lock(&h->lock);
  size_t n = h->nchanged < max ? h->nchanged : max;
  if (n) {
    memcpy(ids, h->changed, n * sizeof *ids);
    memmove(h->changed, h->changed + n, (h->nchanged - n) * sizeof *ids);
    h->nchanged -= n;
  }
  pthread_mutex_unlock(&h->lock);
  return n;
}

void ltc_hub_batch_unref(ltc_hub_batch *b) {
  if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
  free(b->ev);
  free(b->tx);
  free(b->arena);
  free(b->json);
  free(b->rows);
  free(b);
}

void ltc_hub_item_free(ltc_hub_item *it) {
  if (!it) return;
  free(it->text);
  free(it->tracks);
  free(it->until);
  ltc_hub_batch_unref(it->batch);
  free(it);
}

/* ---- the ingest thread ---- */

ltc_hub_cmd *ltc_hub_next_command(ltc_hub *h) {
  uint64_t count;
  if (read(h->cmd_fd, &count, sizeof count) < 0) { /* nothing signalled: fine, look anyway */
  }
  pthread_mutex_lock(&h->lock);
  ltc_hub_cmd *c = h->cmd_head;
  if (c) {
    h->cmd_head = c->next;
    if (!h->cmd_head) h->cmd_tail = NULL;
  }
  pthread_mutex_unlock(&h->lock);
  return c;
}

void ltc_hub_cmd_free(ltc_hub_cmd *c) {
  if (!c) return;
  free(c->label);
  free(c);
}

/* c's subscription to session, or NULL. */
static subscription *subscribed(const client *c, int64_t session) {
  for (subscription *s = c->subs; s; s = s->next)
    if (s->session == session) return s;
  return NULL;
}

bool ltc_hub_watched(ltc_hub *h, int64_t session) {
  pthread_mutex_lock(&h->lock);
  bool yes = false;
  for (client *c = h->clients; c && !yes; c = c->next) yes = subscribed(c, session) != NULL;
  pthread_mutex_unlock(&h->lock);
  return yes;
}

static void enqueue(ltc_hub *h, client *c, ltc_hub_item *it) {
  if (c->tail)
    c->tail->next = it;
  else
    c->head = it;
  c->tail = it;
  if (it->kind == LTC_ITEM_BATCH) c->queued_records += it->batch->n;
  h->pending_wake = true;
}

static void unsubscribe(client *c, int64_t session) {
  for (subscription **p = &c->subs; *p; p = &(*p)->next)
    if ((*p)->session == session) {
      subscription *s = *p;
      *p = s->next;
      free(s);
      return;
    }
}

void ltc_hub_subscribe(ltc_hub *h, uint64_t id, int64_t session, bool on, ltc_hub_item *item) {
  pthread_mutex_lock(&h->lock);
  client *c = find_client(h, id);
  subscription *s = c && on ? subscribed(c, session) : NULL;
  if (c && on && !s && (s = calloc(1, sizeof *s))) {
    s->session = session;
    s->next = c->subs;
    c->subs = s;
  }
  if (s && item) s->rows = item->rows; /* the form the latest subscribe asked for */
  if (c && !on) unsubscribe(c, session);
  if (c && item)
    enqueue(h, c, item);
  else
    ltc_hub_item_free(item);
  pthread_mutex_unlock(&h->lock);
}

void ltc_hub_set_status(ltc_hub *h, const ltc_hub_status *st) {
  pthread_mutex_lock(&h->lock);
  h->status = *st;
  pthread_mutex_unlock(&h->lock);
}

void ltc_hub_get_status(ltc_hub *h, ltc_hub_status *st) {
  pthread_mutex_lock(&h->lock);
  *st = h->status;
  pthread_mutex_unlock(&h->lock);
}

void ltc_hub_broadcast(ltc_hub *h, char *text) {
  pthread_mutex_lock(&h->lock);
  for (client *c = h->clients; c; c = c->next) {
    ltc_hub_item *it = calloc(1, sizeof *it);
    char *copy = it ? strdup(text) : NULL;
    if (!copy) {
      free(it);
      continue;
    }
    it->kind = LTC_ITEM_TEXT;
    it->text = copy;
    enqueue(h, c, it);
  }
  pthread_mutex_unlock(&h->lock);
  free(text);
}

void ltc_hub_reply(ltc_hub *h, uint64_t id, char *text) {
  ltc_hub_item *it = calloc(1, sizeof *it);
  if (!it) {
    free(text);
    return;
  }
  it->kind = LTC_ITEM_TEXT;
  it->text = text;
  pthread_mutex_lock(&h->lock);
  client *c = find_client(h, id);
  if (c)
    enqueue(h, c, it);
  else
    ltc_hub_item_free(it);
  pthread_mutex_unlock(&h->lock);
}

/* The client fell behind on session: drop what it has queued of it, end the subscription and
 * tell it to read the rest from the database. */
static void overflow(ltc_hub *h, client *c, int64_t session) {
  ltc_hub_item **p = &c->head;
  c->tail = NULL;
  while (*p) {
    ltc_hub_item *it = *p;
    if (it->kind == LTC_ITEM_BATCH && it->batch->session == session) {
      c->queued_records -= it->batch->n;
      *p = it->next;
      ltc_hub_item_free(it);
    } else {
      c->tail = it;
      p = &it->next;
    }
  }
  unsubscribe(c, session);
  ltc_hub_item *it = calloc(1, sizeof *it);
  if (!it) return;
  it->kind = LTC_ITEM_RESYNC;
  it->session = session;
  enqueue(h, c, it);
}

void ltc_hub_publish(ltc_hub *h, ltc_hub_batch *b) {
  pthread_mutex_lock(&h->lock);
  for (client *c = h->clients; c; c = c->next) {
    const subscription *s = subscribed(c, b->session);
    if (!s) continue;
    if (c->queued_records + b->n > h->client_max_records) {
      overflow(h, c, b->session);
      continue;
    }
    ltc_hub_item *it = calloc(1, sizeof *it);
    if (!it) {
      overflow(h, c, b->session);
      continue;
    }
    it->kind = LTC_ITEM_BATCH;
    it->rows = s->rows;
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    it->batch = b;
    enqueue(h, c, it);
  }
  pthread_mutex_unlock(&h->lock);
  ltc_hub_batch_unref(b);
}

void ltc_hub_changed(ltc_hub *h, int64_t session) {
  pthread_mutex_lock(&h->lock);
  bool known = false;
  for (size_t i = 0; i < h->nchanged && !known; i++) known = h->changed[i] == session;
  if (!known) {
    if (h->nchanged == h->changed_cap) {
      size_t cap = h->changed_cap ? h->changed_cap * 2 : 64;
      int64_t *n = realloc(h->changed, cap * sizeof *n);
      if (n) {
        h->changed = n;
        h->changed_cap = cap;
      }
    }
    if (h->nchanged < h->changed_cap) h->changed[h->nchanged++] = session;
  }
  h->pending_wake = true;
  pthread_mutex_unlock(&h->lock);
}

void ltc_hub_flush(ltc_hub *h) {
  pthread_mutex_lock(&h->lock);
  bool wake = h->pending_wake;
  h->pending_wake = false;
  void (*fn)(void *) = h->wake;
  void *user = h->wake_user;
  pthread_mutex_unlock(&h->lock);
  if (wake && fn) fn(user);
}

/* ---- batches ---- */

ltc_hub_batch *ltc_hub_batch_new(int64_t session) {
  ltc_hub_batch *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->refs = 1;
  b->session = session;
  return b;
}

/* Copies text into the batch's arena; returns its offset + 1 (0 for NULL). */
static size_t keep(ltc_hub_batch *b, const char *text) {
  if (!text) return 0;
  size_t len = strlen(text) + 1;
  if (b->arena_len + len > b->arena_cap) {
    size_t cap = b->arena_cap ? b->arena_cap * 2 : 4096;
    while (cap < b->arena_len + len) cap *= 2;
    char *n = realloc(b->arena, cap);
    if (!n) return SIZE_MAX;
    b->arena = n;
    b->arena_cap = cap;
  }
  memcpy(b->arena + b->arena_len, text, len);
  b->arena_len += len;
  return b->arena_len - len + 1;
}

int ltc_hub_batch_add(ltc_hub_batch *b, const ltc_event *e, const ltc_event_text *t) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    ltc_event *ev = realloc(b->ev, cap * sizeof *ev);
    if (ev) b->ev = ev;
    ltc_event_text *tx = ev ? realloc(b->tx, cap * sizeof *tx) : NULL;
    if (tx) b->tx = tx;
    if (!ev || !tx) return -ENOMEM;
    b->cap = cap;
  }
  /* texts are kept as arena offsets + 1 until the batch is complete (the arena moves) */
  size_t text = keep(b, t->text), file = keep(b, t->file), func = keep(b, t->func);
  if (text == SIZE_MAX || file == SIZE_MAX || func == SIZE_MAX) return -ENOMEM;
  b->ev[b->n] = *e;
  b->ev[b->n].text = NULL;
  b->tx[b->n] = (ltc_event_text){(const char *)(uintptr_t)text, (const char *)(uintptr_t)file,
                                 (const char *)(uintptr_t)func, t->line};
  b->n++;
  return 0;
}

static const char *at(const ltc_hub_batch *b, const char *offset) {
  uintptr_t o = (uintptr_t)offset;
  return o ? b->arena + o - 1 : NULL;
}

/* Record i's text, its pointers into the arena again. */
static ltc_event_text text_of(const ltc_hub_batch *b, size_t i) {
  return (ltc_event_text){at(b, b->tx[i].text), at(b, b->tx[i].file), at(b, b->tx[i].func),
                          b->tx[i].line};
}

const char *ltc_hub_batch_json(ltc_hub_batch *b) {
  if (b->json) return b->json;
  ltc_jsonbuf j = {0};
  ltc_jsonbuf_put(&j, "[", 1);
  for (size_t i = 0; i < b->n; i++) {
    ltc_event_text t = text_of(b, i);
    if (i) ltc_jsonbuf_put(&j, ",", 1);
    ltc_event_json(&j, &b->ev[i], &t);
  }
  ltc_jsonbuf_put(&j, "]", 1);
  if (ltc_jsonbuf_text(&j)) {
    b->json = j.data; /* the buffer's text is now the batch's */
    return b->json;
  }
  ltc_jsonbuf_free(&j);
  return NULL;
}

const char *ltc_hub_batch_rows(ltc_hub_batch *b) {
  if (b->rows) return b->rows;
  ltc_rows r = {0};
  for (size_t i = 0; i < b->n; i++) {
    ltc_event_text t = text_of(b, i);
    ltc_rows_add(&r, &b->ev[i], &t);
  }
  ltc_jsonbuf j = {0};
  if (ltc_rows_write(&r, &j) == 0 && ltc_jsonbuf_text(&j)) b->rows = j.data;
  else ltc_jsonbuf_free(&j);
  ltc_rows_free(&r);
  return b->rows;
}
