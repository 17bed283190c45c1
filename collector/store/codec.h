/* codec.h: how events are packed into the BLOBs of the event_blocks table: one block
 * holds up to LTC_STORE_BLOCK_EVENTS consecutive records of one track, each as its kind, flags and
 * varints of the deltas from the previous record (task, timestamp) and of its args. Sequence
 * numbers are implicit (first_seq + index). Decoding never trusts the bytes. */
#ifndef LTC_CODEC_H
#define LTC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "wire/reader.h"

#define STORE_CODEC_VERSION 1

typedef struct store_block {
  uint8_t *data;
  size_t len, cap;
  uint32_t count;
  uint64_t first_seq;
  int64_t start_ns, end_ns; /* smallest and largest timestamp in the block */
  uint32_t prev_task;       /* encoder state */
  int64_t prev_ts;
} store_block;

void store_block_reset(store_block *b);
void store_block_free(store_block *b);
/* Appends e (e->seq must follow the block's last). 0 or -ENOMEM. */
int store_block_add(store_block *b, const ltc_event *e);

/* Decodes a block's BLOB, calling fn for each event (text is never set: strings live in their
 * own table). 0, or -EPROTO for a malformed blob. */
int store_block_decode(const uint8_t *data, size_t len, uint32_t track, uint64_t first_seq,
                       void (*fn)(void *user, const ltc_event *e), void *user);

#endif
