/* common.c: what the looptrace commands share (see commands.h): the option parser, and
 * opening the database. */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

static int wrong(const ltc_cmdline *c, const char *arg) {
  fprintf(stderr, "looptrace %s: unexpected argument '%s'\n%s", c->command, arg, c->usage);
  return 2;
}

static const ltc_opt *find(const ltc_opt *opts, const char *name) {
  for (; opts && opts->name; opts++)
    if (strcmp(opts->name, name) == 0) return opts;
  return NULL;
}

int ltc_cmdline_parse(const ltc_cmdline *c, int argc, char **argv, int *rest) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(c->usage, stdout);
      return 1;
    }
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    const ltc_opt *o = a[0] == '-' && a[1] ? find(c->opts, a) : NULL;
    if (o && o->flag) {
      *o->flag = true;
    } else if (o && i + 1 < argc && (o->value || o->take)) {
      if (o->value)
        *o->value = argv[++i];
      else if (o->take(c->user, argv[i + 1]) < 0)
        return wrong(c, a);
      else
        i++;
    } else if (o || (a[0] == '-' && a[1]) || !c->positional) {
      return wrong(c, a);
    } else {
      int taken = c->positional(c->user, a);
      if (taken < 0) return wrong(c, a);
      if (taken > 0) break;
    }
  }
  *rest = i;
  return 0;
}

int ltc_take_one(void *user, const char *arg) {
  const char **one = user;
  if (*one) return -1;
  *one = arg;
  return 0;
}

ltc_store *ltc_open_db(const char *command, const char **db, char *path, size_t len) {
  if (!*db) *db = ltc_store_default_path(path, len);
  ltc_err err = {0};
  ltc_store *store;
  if (ltc_store_open(*db, &store, &err) < 0) {
    fprintf(stderr, "looptrace %s: %s\n", command, err.msg);
    return NULL;
  }
  return store;
}
