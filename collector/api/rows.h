/* rows.h: the rows form of a run of records (docs/api.md, "The rows form"), which a live
 * subscription may ask for: every record's numbers in one flat array, and what it says in
 * words (its kind, reason, site, text) as an index into the run's table of shapes, each
 * written once. A followed session's pushes are a third of the bytes of the events form,
 * and the page parses numbers instead of building an object per record from JSON. */
#ifndef LTC_ROWS_H
#define LTC_ROWS_H

#include <stddef.h>

#include "api/event.h"
#include "api/jsonbuf.h"
#include "base/map-inl.h"

typedef struct ltc_rows {
  ltc_jsonbuf rows;   /* "track,seq,ts,flags,task,shape,args..." for each record */
  ltc_jsonbuf shapes; /* the shapes' objects, comma separated */
  ltc_jsonbuf shape;  /* scratch: the shape of the record being added */
  ltc_map seen;       /* a shape's hash -> its index and where its text is in shapes */
  size_t n, nshapes;
  bool failed;        /* out of memory: the form is incomplete */
} ltc_rows;

/* Adds record e (t: its text, or NULL). */
void ltc_rows_add(ltc_rows *r, const ltc_event *e, const ltc_event_text *t);
/* Appends `"shapes":[...],"rows":[...]` (the fields of a push) to b; -ENOMEM when some
 * allocation failed on the way. */
int ltc_rows_write(const ltc_rows *r, ltc_jsonbuf *b);
/* Empty again, its memory kept for the next run. */
void ltc_rows_reset(ltc_rows *r);
void ltc_rows_free(ltc_rows *r);

#endif
