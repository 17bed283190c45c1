/* dump.c: `looptrace dump FILE`: a recorded stream as one readable line per event (time since
 * the first event, track, task, what happened, in words), and how the stream ended. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/commands.h"
#include "wire/names.h"
#include "wire/reader.h"

typedef struct dump {
  ltc_reader *r;
  FILE *out;
  bool raw, header;
  bool have_t0;
  int64_t t0;
  ltc_names names;
} dump;

static void print_task(dump *d, uint32_t track, uint64_t task) {
  const char *n = ltc_names_get(&d->names, track, task);
  if (n)
    fputs(n, d->out);
  else
    fprintf(d->out, "task#%llu", (unsigned long long)task);
}

static void print_site(dump *d, uint32_t track, uint64_t site) {
  const char *file, *func;
  uint32_t line;
  if (!site || ltc_reader_site(d->r, track, site, &file, &func, &line) < 0) return;
  const char *base = file ? strrchr(file, '/') : NULL;
  fprintf(d->out, " at %s:%u", base ? base + 1 : file ? file : "?", line);
}

static void print_secs(dump *d, int64_t ns) {
  uint64_t m = ns < 0 ? -(uint64_t)ns : (uint64_t)ns; /* INT64_MIN too */
  if (ns < 0) fputc('-', d->out);
  fprintf(d->out, "%llu.%09llu", (unsigned long long)(m / 1000000000),
          (unsigned long long)(m % 1000000000));
}

static void print_waker(dump *d, uint32_t track, uint8_t kind, uint64_t id) {
  switch (kind) {
    case LT_WAKER_TASK: fputs(" by ", d->out); print_task(d, track, id); break;
    case LT_WAKER_TIMER: fprintf(d->out, " by timer#%llu", (unsigned long long)id); break;
    case LT_WAKER_IO: fprintf(d->out, " by fd %llu", (unsigned long long)id); break;
    case LT_WAKER_THREAD:
      if (id)
        fprintf(d->out, " by job#%llu (a worker thread)", (unsigned long long)id);
      else
        fputs(" by another thread", d->out);
      break;
    case LT_WAKER_LOOP: fputs(" by the loop", d->out); break;
    default: break;
  }
}

static void on_hello(void *user, const ltc_hello *h) {
  dump *d = user;
  if (!d->header) return;
  fprintf(d->out, "program: %s\nargv:", h->program);
  for (uint32_t i = 0; i < h->argc; i++) fprintf(d->out, " %s", h->argv[i]);
  fprintf(d->out, "\nlabel: %s\npid: %u\nclock: %s\nstarted: %lld ns since the epoch\n\n",
          h->label, h->pid, ltc_name_or_unknown(lt_wire_clock_name(h->clock)),
          (long long)h->wall_start_ns);
}

static void on_event(void *user, const ltc_event *e) {
  dump *d = user;
  bool stream = e->kind == LT_EV_STRING || e->kind == LT_EV_SITE || e->kind == LT_EV_TRACK;
  if (e->kind == LT_EV_TASK_CREATE) {
    ltc_names_put(&d->names, e->track, e->task, ltc_reader_string(d->r, e->track, e->a[1], NULL));
  }
  if (e->kind == LT_EV_TASK_RENAME) {
    ltc_names_put(&d->names, e->track, e->task, ltc_reader_string(d->r, e->track, e->a[0], NULL));
  }
  if (stream && !d->raw) return;
  if (!d->have_t0) {
    d->t0 = e->ts;
    d->have_t0 = true;
  }
  FILE *o = d->out;
  print_secs(d, ltc_ns_sub(e->ts, d->t0));
  if (d->raw) fprintf(o, " #%llu", (unsigned long long)e->seq);
  fprintf(o, " %u ", e->track);
  print_task(d, e->track, e->task);
  fprintf(o, " %s", ltc_kind_name(e->kind));
  switch (e->kind) {
    case LT_EV_STRING:
      fprintf(o, " %llu \"%.*s\"", (unsigned long long)(e->a[0] & 0xffffffffu),
              (int)e->text_len, e->text);
      break;
    case LT_EV_SITE:
      fprintf(o, " %llu", (unsigned long long)e->a[0]);
      print_site(d, e->track, e->a[0]);
      break;
    case LT_EV_TRACK:
      fprintf(o, " %s thread %llu", ltc_name_or_unknown(lt_wire_track_name((unsigned)e->a[0])),
              (unsigned long long)e->a[1]);
      break;
    case LT_EV_LOST: fprintf(o, " %llu records", (unsigned long long)e->a[0]); break;
    case LT_EV_SINK_WAIT:
      fputs(" ", o);
      print_secs(d, (int64_t)e->a[0]);
      fputs("s", o);
      break;
    case LT_EV_LOOP_START:
      fprintf(o, " clock=%s", ltc_name_or_unknown(lt_wire_clock_name(e->flags)));
      break;
    case LT_EV_LOOP_ITER:
      fprintf(o, " %llu ready=%llu", (unsigned long long)e->a[0], (unsigned long long)e->a[1]);
      break;
    case LT_EV_POLL_BEGIN:
      if ((int64_t)e->a[0] < 0) {
        fputs(" timeout=none", o);
      } else {
        fputs(" timeout=", o);
        print_secs(d, (int64_t)e->a[0]);
      }
      break;
    case LT_EV_POLL_END: fprintf(o, " events=%llu", (unsigned long long)e->a[0]); break;
    case LT_EV_TASK_CREATE:
      fputs(" parent=", o);
      if (e->a[0])
        print_task(d, e->track, e->a[0]);
      else
        fputc('-', o);
      print_site(d, e->track, e->a[2]);
      break;
    case LT_EV_TASK_READY:
      /* in words: "spawn", "wake-up", "yield" (the API's names are lt/wire.h's) */
      if (lt_wire_ready_cause(e->flags) == LT_CAUSE_SPAWN) fputs(" spawn", o);
      else if (lt_wire_ready_cause(e->flags) == LT_CAUSE_WAKEUP) fprintf(o, " wake-up");
      else fputs(" yield", o);
      print_waker(d, e->track, lt_wire_ready_waker(e->flags), e->a[0]);
      break;
    case LT_EV_TASK_SUSPEND: {
      uint8_t reason = e->flags;
      fprintf(o, " %s", ltc_reason_name(reason));
      if (reason == LT_REASON_TASK) {
        fputc(' ', o);
        print_task(d, e->track, e->a[0]);
      } else if (reason == LT_REASON_SLEEP) {
        fprintf(o, " timer#%llu until ", (unsigned long long)e->a[0]);
        print_secs(d, ltc_ns_sub((int64_t)e->a[2], d->t0));
      } else if (reason == LT_REASON_IO) {
        fprintf(o, " fd %llu", (unsigned long long)e->a[2]);
      } else if (reason != LT_REASON_YIELD) {
        fprintf(o, " future#%llu", (unsigned long long)e->a[0]);
      }
      print_site(d, e->track, e->a[1]);
      break;
    }
    case LT_EV_TASK_DONE:
      fprintf(o, " %s", ltc_outcome_name(e->flags));
      if (e->flags == LT_OUTCOME_ERROR) fprintf(o, " %s", strerror((int)-(int64_t)e->a[0]));
      break;
    case LT_EV_TASK_CANCEL:
      fputs(" requested by ", o);
      print_task(d, e->track, e->a[0]);
      break;
    case LT_EV_TIMER_ARM:
      fprintf(o, " timer#%llu until ", (unsigned long long)e->a[0]);
      print_secs(d, ltc_ns_sub((int64_t)e->a[1], d->t0));
      break;
    case LT_EV_TIMER_FIRE:
      fprintf(o, " timer#%llu late ", (unsigned long long)e->a[0]);
      print_secs(d, (int64_t)e->a[1]);
      break;
    case LT_EV_TIMER_CANCEL: fprintf(o, " timer#%llu", (unsigned long long)e->a[0]); break;
    case LT_EV_FUTURE_CREATE: fprintf(o, " future#%llu", (unsigned long long)e->a[0]); break;
    case LT_EV_FUTURE_RESOLVE:
      fprintf(o, " future#%llu %s", (unsigned long long)e->a[0], ltc_outcome_name(e->flags));
      break;
    case LT_EV_FUTURE_CALLBACK:
      if (e->flags == 1) {
        fputs(" of ", o);
        print_task(d, e->track, e->a[0]);
      } else {
        fprintf(o, " of future#%llu", (unsigned long long)e->a[0]);
      }
      break;
    case LT_EV_EXEC_SUBMIT:
    case LT_EV_EXEC_START: fprintf(o, " job#%llu", (unsigned long long)e->a[0]); break;
    case LT_EV_EXEC_END:
      fprintf(o, " job#%llu status=%lld", (unsigned long long)e->a[0], (long long)e->a[1]);
      break;
    case LT_EV_MARK: {
      uint32_t len = 0;
      const char *text = ltc_reader_string(d->r, e->track, e->a[0], &len);
      fprintf(o, " \"%.*s\"", (int)len, text ? text : "?");
      break;
    }
    default: break;
  }
  fputc('\n', o);
}

static const char dump_usage[] =
    "usage: looptrace dump [--raw] [--events-only] FILE|-\n"
    "  Prints a recorded trace stream as one line per event: seconds since the first event,\n"
    "  the track (one per loop), the task, what happened and its details.\n"
    "  --raw          also the stream's own records (strings, sites, tracks), with sequence\n"
    "                 numbers\n"
    "  --events-only  no header\n"
    "Exit status: 0 the stream ended cleanly, 1 truncated or corrupt, 2 usage or I/O error.\n";

int ltc_cmd_dump(int argc, char **argv) {
  dump d = {.out = stdout, .header = true};
  const char *path = NULL;
  bool events_only = false;
  const ltc_opt opts[] = {LTC_OPT_FLAG("--raw", &d.raw),
                          LTC_OPT_FLAG("--events-only", &events_only), LTC_OPT_END};
  ltc_cmdline c = {"dump", dump_usage, opts, ltc_take_one, &path};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  d.header = !events_only;
  if (!path) {
    fputs(dump_usage, stderr);
    return 2;
  }
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!in) {
    fprintf(stderr, "looptrace dump: cannot open %s: %s\n", path, strerror(errno));
    return 2;
  }
  ltc_reader_callbacks cb = {on_hello, on_event, &d};
  d.r = ltc_reader_new(&cb);
  if (!d.r) return 2;
  static uint8_t buf[1 << 16];
  size_t n;
  int rc = 0;
  while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = ltc_reader_feed(d.r, buf, n);
  int status = 0;
  if (rc == -ENOMEM) {
    fprintf(stderr, "looptrace dump: out of memory\n");
    status = 2;
  } else if (ferror(in)) {
    fprintf(stderr, "looptrace dump: reading %s: %s\n", path, strerror(errno));
    status = 2;
  } else {
    unsigned long long events = (unsigned long long)ltc_reader_events(d.r);
    switch (ltc_reader_finish(d.r)) {
      case LTC_STREAM_CLEAN: printf("end: clean, %llu records\n", events); break;
      case LTC_STREAM_TRUNCATED:
        printf("end: truncated after %llu records (byte %llu)\n", events,
               (unsigned long long)ltc_reader_offset(d.r));
        status = 1;
        break;
      default:
        printf("end: corrupt at byte %llu: %s (%llu records before it)\n",
               (unsigned long long)ltc_reader_error_offset(d.r), ltc_reader_error(d.r), events);
        status = 1;
    }
    if (ltc_reader_lost(d.r))
      printf("lost: %llu records dropped by the producer\n",
             (unsigned long long)ltc_reader_lost(d.r));
  }
  if (in != stdin) fclose(in);
  ltc_names_free(&d.names);
  ltc_reader_free(d.r);
  return status;
}
