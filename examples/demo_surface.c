/* demo_surface: a tour of the asyncio surface beyond the seeds, each piece waiting with its
 * own reason on the timeline: three workers meet at a barrier; a consumer waits on a
 * condition for a producer's items; asyncio.wait takes the first of two sleepers; a timeout
 * scope cuts a long sleep short while a shielded job goes on; a priority queue hands out the
 * most urgent job first; a worker is renamed; a child process's output is read through its
 * pipe and its exit awaited; a line crosses a stream, and a TCP connection to a server of
 * our own (its name resolved on a worker thread); a signal handler runs on the loop. */
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <looptrace.h>

static lt_barrier *barrier;
static lt_condition *cond;
static int items;

static int meet(void *arg, void **result) {
  int rc = lt_barrier_wait(barrier);
  if (rc < 0) return rc;
  lt_print("%s passed the barrier as %d", (const char *)arg, rc);
  return 0;
}

static bool have_item(void *arg) { return items > 0; }

static int consumer(void *arg, void **result) {
  lt_condition_acquire(cond);
  int rc = lt_condition_wait_for(cond, have_item, NULL);
  if (rc == 0) lt_print("consumer took item %d", items--);
  lt_condition_release(cond);
  return rc;
}

static int nap(void *arg, void **result) {
  int rc = lt_sleep(LT_MSEC((intptr_t)arg));
  *result = arg;
  return rc;
}

static int section_sync(void) {
  barrier = lt_barrier_new(3);
  cond = lt_condition_new(NULL);
  lt_task *t[4];
  t[0] = lt_spawn_named(meet, "A", "A");
  t[1] = lt_spawn_named(meet, "B", "B");
  t[2] = lt_spawn_named(meet, "C", "C");
  lt_task_set_name(t[2], "C-renamed");
  t[3] = lt_spawn_named(consumer, NULL, "consumer");
  lt_sleep(LT_MSEC(5));
  lt_condition_acquire(cond);
  items = 1;
  lt_condition_notify(cond, 1);
  lt_condition_release(cond);
  for (int i = 0; i < 4; i++) {
    lt_await(t[i], NULL);
    lt_task_release(t[i]);
  }
  lt_barrier_free(barrier);
  lt_condition_free(cond);
  return 0;
}

static int section_time(void) {
  lt_task *a = lt_spawn_named(nap, (void *)30, "slow");
  lt_task *b = lt_spawn_named(nap, (void *)10, "fast");
  lt_future *fs[2] = {lt_task_future(a), lt_task_future(b)}, *done[2];
  size_t nd;
  lt_wait(fs, 2, LT_FIRST_COMPLETED, -1, done, &nd, NULL, NULL);
  lt_print("wait: %zu done first (%s)", nd, lt_task_name((lt_task *)done[0]));
  lt_future *s = lt_shield_of(a); /* the slow one must finish even if we give up on it */
  lt_timeout *tm = lt_timeout_new(LT_MSEC(5));
  int rc = lt_timeout_end(tm, lt_await(s, NULL));
  lt_timeout_free(tm);
  lt_future_release(s);
  lt_print("timeout: %s, slow still running: %d", lt_strerror(rc), !lt_task_done(a));
  lt_await(a, NULL);
  lt_task_release(a);
  lt_task_release(b);
  lt_queue *q = lt_priority_queue_new(0, NULL);
  lt_queue_put_nowait(q, (void *)3);
  lt_queue_put_nowait(q, (void *)1);
  lt_queue_put_nowait(q, (void *)2);
  void *v;
  lt_queue_get(q, &v);
  lt_print("most urgent job: %d", (int)(intptr_t)v);
  lt_queue_free(q);
  return 0;
}

static void on_usr1(void *arg) { lt_event_set(arg); }

static int reader(void *arg, void **result) {
  char line[64];
  ssize_t n = lt_stream_readline(arg, line, sizeof line); /* waits: nothing is written yet */
  if (n < 0) return (int)n;
  lt_print("stream carried '%.*s'", (int)(n > 0 ? n - 1 : 0), line);
  return 0;
}

static int shout(lt_stream *s, void *arg) {
  char line[64];
  ssize_t n = lt_stream_readline(s, line, sizeof line);
  for (ssize_t i = 0; i < n; i++)
    if (line[i] >= 'a' && line[i] <= 'z') line[i] = (char)(line[i] - 'a' + 'A');
  if (n > 0) lt_stream_write(s, line, (size_t)n);
  return lt_stream_drain(s);
}

static int section_tcp(void) {
  lt_server *srv = lt_start_server("127.0.0.1", "0", shout, NULL);
  if (!srv) return -errno;
  char port[16], line[64];
  snprintf(port, sizeof port, "%d", lt_server_port(srv));
  lt_stream *c;
  int rc = lt_open_connection("localhost", port, &c); /* getaddrinfo on the executor */
  if (rc == 0) {
    lt_stream_write(c, "hello server\n", 13);
    lt_stream_drain(c);
    ssize_t n = lt_stream_readline(c, line, sizeof line);
    lt_print("server answered '%.*s'", (int)(n > 0 ? n - 1 : 0), line);
    lt_stream_close(c);
  }
  lt_server_close(srv);
  return rc;
}

static int section_io(void) {
  /* the child lingers after its line, so that the wait for its exit is a wait (the trace
   * shows it) however late the loop gets to it */
  char *argv[] = {"sh", "-c", "echo 'hello from a child'; sleep 0.3", NULL};
  lt_process *p = lt_create_subprocess_exec("sh", argv, LT_PROCESS_STDOUT_PIPE);
  if (!p) return -errno;
  char line[128];
  ssize_t n = lt_stream_readline(lt_process_stdout(p), line, sizeof line);
  int code = -1;
  lt_process_wait(p, &code);
  lt_print("child said '%.*s' and exited %d", (int)(n > 0 ? n - 1 : 0), line, code);
  lt_process_free(p);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -errno;
  lt_stream *x = lt_stream_new(sv[0]), *y = lt_stream_new(sv[1]);
  lt_task *r = lt_spawn_named(reader, y, "reader");
  lt_yield();
  lt_stream_write(x, "ping\n", 5);
  lt_stream_drain(x);
  lt_await(r, NULL);
  lt_task_release(r);
  lt_stream_close(x);
  lt_stream_close(y);
  lt_event *ev = lt_event_new();
  lt_add_signal_handler(SIGUSR1, on_usr1, ev);
  kill(getpid(), SIGUSR1);
  lt_event_wait(ev);
  lt_print("SIGUSR1 handled on the loop");
  lt_remove_signal_handler(SIGUSR1);
  lt_event_free(ev);
  return 0;
}

static int amain(void *arg, void **result) {
  int rc = section_sync();
  if (rc == 0) rc = section_time();
  if (rc == 0) rc = section_io();
  if (rc == 0) rc = section_tcp();
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }
