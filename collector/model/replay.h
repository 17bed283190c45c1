/* replay.h: what every task, timer and loop lane of a session was doing at a moment, fast.
 * A window's first states and a summary both replay a session's records up to a moment;
 * from the start, that is a decode of every record before it (0.1 s a million). The first
 * replay of a finished session also keeps, every LTC_REPLAY_EVERY blocks of each track, the
 * state of that track before the block (a checkpoint); later replays start each track from
 * its last checkpoint before the moment. A live session, still growing, is always replayed
 * from its start. The checkpoints live with the reader's store and go with it. */
#ifndef LTC_REPLAY_H
#define LTC_REPLAY_H

#include <stdint.h>

#include "model/taskstate.h"
#include "store/store.h"

/* Blocks between checkpoints (0: keep none, replay from the start). A variable for tests. */
extern int ltc_replay_every;

/* One track's state before one of its blocks. */
typedef struct ltc_replay_point {
  uint32_t track;
  uint64_t first_seq;    /* the replay goes on with the block that starts here */
  int64_t until_ns;      /* the largest timestamp of the track's records before it */
  ltc_task_slot *tasks;  /* the track's tasks that were ready, running or waiting */
  uint32_t ntasks;
  ltc_task_slot *timers; /* its pending timers (see ltc_timers_apply) */
  uint32_t ntimers;
  uint8_t lane;          /* LTC_LANE_* since lane_since */
  int64_t lane_since;
} ltc_replay_point;

typedef struct ltc_replay {
  int64_t lo, hi; /* the state wanted is at lo; records are replayed up to hi */
  /* Before a track's records: its state where they start (from a checkpoint). Not called
   * for a track replayed from the session's start. */
  void (*restore)(void *user, const ltc_replay_point *p);
  void (*event)(void *user, const ltc_event *e);
  void *user;
} ltc_replay;

/* Replays session id for q: each track's records, in order, from its last checkpoint with
 * only records stamped before q->lo ahead of it (or from the start) up to the last block
 * that starts by q->hi. 0, -ENOENT, -EPROTO, -EIO, -ENOMEM. */
int ltc_replay_run(ltc_store *s, int64_t id, const ltc_replay *q, ltc_err *err);

#endif
