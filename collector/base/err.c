/* err.c: see err.h. */
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int ltc_fail(ltc_err *err, int code, const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->code = code;
  return code;
}

int ltc_err_http_status(int code) {
  switch (code) {
    case -EINVAL: return 400;
    case -ENOENT: return 404;
    case -EBUSY: return 409;
    case -E2BIG: return 413;
    case -EAGAIN: return 503;
    case -ENOSPC: return 507;
    default: return 500;
  }
}
