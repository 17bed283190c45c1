/* db_query.h: what the collector tests read back: one number, or every row's first column as
 * lines, from a real SQLite file (each call opens it afresh, as another process would), and a
 * whole file's text; and the shell command they run the real binaries with. */
#ifndef LT_TEST_DB_QUERY_H
#define LT_TEST_DB_QUERY_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>

/* The first column of the first row, or -1. */
static inline int64_t db_int(const char *path, const char *sql) {
  sqlite3 *d;
  int64_t v = -1;
  if (sqlite3_open(path, &d) != SQLITE_OK) return -1;
  sqlite3_busy_timeout(d, 1000);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(d);
  return v;
}

/* Every row's first column, each followed by a newline (a static buffer). */
static inline char *db_lines(const char *path, const char *sql) {
  static char out[16384];
  out[0] = 0;
  sqlite3 *d;
  if (sqlite3_open(path, &d) != SQLITE_OK) return out;
  sqlite3_busy_timeout(d, 1000);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK)
    while (sqlite3_step(st) == SQLITE_ROW) {
      size_t len = strlen(out);
      const unsigned char *t = sqlite3_column_text(st, 0);
      snprintf(out + len, sizeof out - len, "%s\n", t ? (const char *)t : "");
    }
  sqlite3_finalize(st);
  sqlite3_close(d);
  return out;
}

/* A session's marks, one line each, in the order they were made. */
static inline char *db_marks(const char *path, int64_t session) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT text FROM marks WHERE session = %lld ORDER BY track, seq",
           (long long)session);
  return db_lines(path, sql);
}

/* A small file's text (a static buffer). */
static inline char *file_text(const char *path) {
  static char buf[16384];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

/* A whole file's text, malloc'd (the caller frees it), or NULL when it cannot be read. */
static inline char *file_copy(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) b[n] = 0;
  fclose(f);
  return b;
}

/* Runs a shell command made like printf; its exit status (-1 when it did not exit). */
static inline int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int shell(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
