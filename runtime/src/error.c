/* error.c: lt_strerror, words for the runtime's error codes. */
#include <string.h>

#include "internal.h"

const char *lt_strerror(int err) {
  switch (err) {
    case 0: return "success";
    case -ECANCELED: return "cancelled";
    case -ETIMEDOUT: return "timed out";
    case -EPERM: return "not allowed here (outside a task, or from another thread)";
    case -EAGAIN: return "not done yet";
    case -ESHUTDOWN: return "the loop is shutting down";
    default: return err < 0 ? strerror(-err) : "unknown status";
  }
}
