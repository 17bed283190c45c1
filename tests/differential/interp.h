/* interp.h: the C interpreter of the differential tester's intermediate form (ir.py): a parsed
 * program (interp_parse.c), the op table that runs its statements on the runtime
 * (interp_ops.c), and the state one program's run keeps (one program per process). */
#ifndef LT_DIFF_INTERP_H
#define LT_DIFF_INTERP_H

#include <looptrace.h>
#include <stdio.h>

#define DI_MAX_ARGS 8
#define DI_MAX_SLOTS 16
#define DI_MAX_OBJS 4
#define DI_MAX_LABELS 4096

/* An argument: a number (kind 0) or an element such as t3 (task slot 3), f1, s5, e0, g1, p1. */
typedef struct di_tok {
  char kind;
  int n;
} di_tok;

typedef struct di_stmt di_stmt;
typedef struct di_body {
  di_stmt *s;
  int n;
} di_body;

struct di_stmt {
  int op;                 /* index into the op table */
  char label[48];         /* printed before every outcome */
  int num;                /* the number in the label: unique in the program */
  char pc, pe;            /* cancel policy (r s u c), error policy (r c) */
  int nargs;
  di_tok args[DI_MAX_ARGS];
  char ref[48];           /* rmcb: the label of the futcb statement it undoes */
  const di_stmt *target;  /* rmcb: that statement, once resolved (NULL: none) */
  di_body body;
};

typedef struct di_prog {
  int nfut, nev, nlock, nsem, sems[DI_MAX_OBJS], nq, qmax[DI_MAX_OBJS], npair;
  /* the X line: conditions, barriers (parties), queue kinds (0 FIFO 1 LIFO 2 priority),
   * which semaphores are bounded */
  int ncond, nbar, bars[DI_MAX_OBJS], qkind[DI_MAX_OBJS], sbound[DI_MAX_OBJS];
  di_body prologue;
  di_body funcs[DI_MAX_SLOTS]; /* funcs[0]: main */
} di_prog;

/* Reads one program (up to its "E" line). 1: read, 0: end of input, -1: bad input (message on
 * stderr with the line). */
int di_parse(FILE *in, di_prog *p);
void di_prog_free(di_prog *p);

/* The op table: each name of ir.py's OPS with the function that runs it. exec returns 0 to go
 * on, or a negative status the enclosing body passes up (the task ends with it). */
typedef int (*di_exec_fn)(const di_stmt *s);
typedef struct di_op {
  const char *name;
  di_exec_fn exec;
} di_op;
extern const di_op di_ops[];
int di_op_find(const char *name);

/* Runs a body: stops at the first statement returning < 0 and returns that. */
int di_body_run(const di_body *b);
/* Runs the program (as the body of lt_run's main). */
int di_main(void *arg, void **result);

#endif
