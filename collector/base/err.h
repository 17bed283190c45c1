/* err.h: the collector's one error convention. A function that can fail returns 0 (or a
 * count) on success and a negative errno on failure; where a person should read why, it
 * takes an ltc_err (NULL when the caller does not care) and fills it. The HTTP status of a
 * failure is derived from its errno here, and only here. */
#ifndef LTC_ERR_H
#define LTC_ERR_H

typedef struct ltc_err {
  int code;       /* the negative errno, once something failed; 0 before */
  char msg[512];  /* for a person: what failed and why */
} ltc_err;

/* Records code and a message (printf-style) in err, when err is not NULL; returns code. */
int ltc_fail(ltc_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The HTTP status that says code: -EINVAL 400, -ENOENT 404, -EBUSY 409, -E2BIG 413,
 * -EAGAIN 503, -ENOSPC 507, anything else 500. */
int ltc_err_http_status(int code);

#endif
