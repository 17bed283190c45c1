/* spin.h: a step that keeps the CPU busy for a while without yielding (for the lint
 * examples: a long step is CPU work the loop cannot interrupt). */
#ifndef LT_EXAMPLES_SPIN_H
#define LT_EXAMPLES_SPIN_H

#include <time.h>

static inline void spin_ms(long ms) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

#endif
