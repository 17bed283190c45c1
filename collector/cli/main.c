/* main.c: the looptrace binary: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *what;
} commands[] = {
    {"serve", ltc_cmd_serve,
     "the collector: store what traced programs stream, serve the browser UI"},
    {"record", ltc_cmd_record, "run a program traced and store the run as a session"},
    {"sessions", ltc_cmd_sessions, "list the recorded sessions"},
    {"export", ltc_cmd_export, "write a session as Chrome trace JSON (Perfetto) or JSON lines"},
    {"dump", ltc_cmd_dump, "print a recorded trace stream, one line per event"},
    {"dump-ring", ltc_cmd_dump_ring,
     "ask a process running the flight recorder for its ring, stored as a session"},
    {"diff", ltc_cmd_diff, "compare two sessions' orderings, with their turnarounds"},
    {"orderings", ltc_cmd_orderings, "group sessions by ordering and by printed output"},
    {"lint", ltc_cmd_lint, "what is wrong with a session; what got worse from another"},
};

static void usage(FILE *to) {
  fputs("usage: looptrace COMMAND [ARGS...]\n\ncommands:\n", to);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].what);
  fputs("\n`looptrace COMMAND --help` tells more.\n", to);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "looptrace: no command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
