/* lt/print.h: printing a line from a task. lt_print writes one line to stdout and flushes it,
 * so output reads in order even through a pipe (the tracer will also record it as a mark). */
#ifndef LT_PRINT_H
#define LT_PRINT_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((format(printf, 1, 2))) int lt_print(const char *fmt, ...);

#ifdef __cplusplus
}
#endif
#endif
