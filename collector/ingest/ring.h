/* ring.h: asking a process that runs the flight recorder (LOOPTRACE=ring:SIZE) for a dump:
 * a request file naming where to send it, left where the runtime looks (its default socket's
 * directory, by its own environment, ring-PID.req), and the signal that makes it dump. */
#ifndef LTC_INGEST_RING_H
#define LTC_INGEST_RING_H

#include "base/err.h"

/* Leaves the request (spec: unix:PATH, tcp:..., file:...) for pid and sends it signo. 0, or
 * -errno with err saying why (no such process, not ours, the directory not ours alone). */
int ltc_ring_request(int pid, const char *spec, int signo, ltc_err *err);
/* A signal's number from "USR2", "SIGUSR1", "12": 0 for none of them. */
int ltc_ring_signal(const char *name);

#endif
