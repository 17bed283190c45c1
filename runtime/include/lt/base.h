/* lt/base.h: the types and conventions every area of the runtime shares.
 *
 * Conventions (libuv-style):
 * - Functions that can fail return 0 (or a count) on success and a negative errno on failure.
 *   The three constructors that hand back an object (lt_spawn, lt_future_new, ...) return NULL
 *   and set errno instead.
 * - Time is int64_t nanoseconds on the loop's clock (see lt_now()).
 * - Objects belong to the loop that made them. Each constructor hands the caller one reference;
 *   *_release() drops it. Whatever is still alive when lt_run() returns is freed then.
 */
#ifndef LT_BASE_H
#define LT_BASE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lt_loop lt_loop;
typedef struct lt_future lt_future;
typedef struct lt_task lt_task;

/* A source location, captured by the macros over await/spawn entry points. One static instance
 * per call site, so the tracer can intern it once by address. */
typedef struct lt_srcloc {
  const char *file;
  const char *func;
  int line;
} lt_srcloc;

/* LT_HERE: a pointer to a static lt_srcloc describing the line it is written on. */
#define LT_HERE                                                                  \
  (__extension__({                                                               \
    static const lt_srcloc lt__here_ = {__FILE__, __func__, __LINE__};           \
    &lt__here_;                                                                  \
  }))

#define LT_NSEC(x) ((int64_t)(x))
#define LT_USEC(x) ((int64_t)(x) * 1000)
#define LT_MSEC(x) ((int64_t)(x) * 1000000)
#define LT_SEC(x) ((int64_t)(x) * 1000000000)

/* A human-readable message for any error code this runtime returns (a negative errno). */
const char *lt_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
