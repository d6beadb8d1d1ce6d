/* Minimal test helpers for the cos_ci C tests. */
#ifndef COS_CI_CHECK_H
#define COS_CI_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos_ci.h"

static int check_failures = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
      check_failures++;                                                          \
    }                                                                            \
  } while (0)

#define CHECK_RC(expr, want)                                                     \
  do {                                                                           \
    cos_ci_result rc_ = (expr);                                                  \
    if (rc_ != (cos_ci_result)(want)) {                                          \
      fprintf(stderr, "%s:%d: %s returned %u, want %u (%s)\n", __FILE__,         \
              __LINE__, #expr, (unsigned)rc_, (unsigned)(want), #want);          \
      check_failures++;                                                          \
    }                                                                            \
  } while (0)

#define CHECK_OK(expr) CHECK_RC(expr, COS_CI_RESULT_OK)

#define CHECK_STR(got, want)                                                     \
  do {                                                                           \
    const char *g_ = (got), *w_ = (want);                                        \
    if (strcmp(g_, w_) != 0) {                                                   \
      fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,   \
              g_, w_);                                                           \
      check_failures++;                                                          \
    }                                                                            \
  } while (0)

#define CHECK_U64(got, want)                                                     \
  do {                                                                           \
    unsigned long long g_ = (got), w_ = (want);                                  \
    if (g_ != w_) {                                                              \
      fprintf(stderr, "%s:%d: got %llu, want %llu\n", __FILE__, __LINE__, g_,    \
              w_);                                                               \
      check_failures++;                                                          \
    }                                                                            \
  } while (0)

/* (ptr, len) of a string literal or C string. */
#define S(s) (const uint8_t *)(s), strlen(s)

/* Text output buffer: large enough for the tests' values. */
#define BUF 8192
typedef struct {
  char s[BUF];
  size_t n;
} text_buf;
#define OUT(b) (uint8_t *)(b).s, sizeof (b).s, &(b).n

static inline char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)n + 1);
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  data[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return data;
}

static inline int check_done(const char *name) {
  if (check_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif
