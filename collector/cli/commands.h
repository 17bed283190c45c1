/* commands.h: the looptrace subcommands, each `int ltc_cmd_NAME(argc, argv)` with argv[0] the
 * subcommand's name and the exit status as each one's --help says; and what they share: the
 * one option parser and opening the database. */
#ifndef LTC_COMMANDS_H
#define LTC_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

/* One option of a command: it takes a value (stored in *value, or handed to take, which
 * returns 0, or -1 to refuse it), or is a flag (*flag set). */
typedef struct ltc_opt {
  const char *name; /* "--db" */
  const char **value;
  int (*take)(void *user, const char *value);
  bool *flag;
} ltc_opt;

/* The options, written as a table: {LTC_OPT_VALUE("--db", &db), ..., LTC_OPT_END}. */
#define LTC_OPT_VALUE(name, where) {(name), (where), NULL, NULL}
#define LTC_OPT_TAKE(name, fn) {(name), NULL, (fn), NULL}
#define LTC_OPT_FLAG(name, where) {(name), NULL, NULL, (where)}
#define LTC_OPT_END {NULL, NULL, NULL, NULL}

typedef struct ltc_cmdline {
  const char *command; /* "serve": what is wrong reads "looptrace serve: ..." */
  const char *usage;   /* printed for --help (stdout) and after what is wrong (stderr) */
  const ltc_opt *opts; /* ends with LTC_OPT_END */
  /* An argument that is not an option: 0 taken, 1 it and the rest are not ours (a program
   * to run), -1 refused. NULL: none is taken. */
  int (*positional)(void *user, const char *arg);
  void *user;
} ltc_cmdline;

/* A positional handler for a command that takes one argument: user is a const char **, set
 * to it; a second one is refused. */
int ltc_take_one(void *user, const char *arg);

/* Parses argv[1..]: -h / --help, "--" (the rest is not ours), the options and positional
 * arguments. 0, with *rest the index of the first argument left (argc when none); 1 when it
 * printed the usage for --help (the command exits 0); 2 when it said on stderr what is wrong
 * (the command exits 2). */
int ltc_cmdline_parse(const ltc_cmdline *c, int argc, char **argv, int *rest);

/* Opens *db (the default database when NULL; *db then names it, in path), or says why not on
 * stderr as `looptrace COMMAND: ...` and returns NULL. */
ltc_store *ltc_open_db(const char *command, const char **db, char *path, size_t len);

int ltc_cmd_dump(int argc, char **argv);
int ltc_cmd_record(int argc, char **argv);
int ltc_cmd_dump_ring(int argc, char **argv);
int ltc_cmd_sessions(int argc, char **argv);
int ltc_cmd_export(int argc, char **argv);
int ltc_cmd_serve(int argc, char **argv);
int ltc_cmd_diff(int argc, char **argv);
int ltc_cmd_orderings(int argc, char **argv);
int ltc_cmd_lint(int argc, char **argv);

#endif
