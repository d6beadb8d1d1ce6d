/* Local processing and ImageInfo on the corpus (argv[1] = tests/fixtures/corpus):
 * a thumbnail of photo.jpg (640x400 baseline JPEG, quality 90) with known dimensions,
 * its ImageInfo and imageInfo JSON, a rule handle shared by threads, and each typed
 * error (bad rule, undecodable input, too many pixels, too many bytes, no encoder). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"

static char corpus[2048];

static char *corpus_file(const char *name, size_t *len) {
  char path[2300];
  snprintf(path, sizeof path, "%s/%s", corpus, name);
  return read_file(path, len);
}

static unsigned long long number(const cos_ci_image_info *info, cos_ci_field f) {
  uint64_t v = 0;
  CHECK_OK(cos_ci_image_info_number(info, f, &v));
  return v;
}

static void test_image_info(void) {
  size_t len = 0;
  char *photo = corpus_file("photo.jpg", &len);
  cos_ci_image_info *info = NULL;
  text_buf b;
  uint64_t v = 0;
  CHECK_OK(cos_ci_image_info_new(&info));
  /* empty handle: nothing present yet */
  CHECK_RC(cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, &v), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_image_info_json(info, OUT(b)), COS_CI_RESULT_NOT_PRESENT);

  CHECK_OK(cos_ci_image_info_read(info, (const uint8_t *)photo, len));
  CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "JPEG");
  CHECK_U64(number(info, COS_CI_FIELD_WIDTH), 640);
  CHECK_U64(number(info, COS_CI_FIELD_HEIGHT), 400);
  CHECK_U64(number(info, COS_CI_FIELD_SIZE), 55130);
  CHECK_U64(number(info, COS_CI_FIELD_QUALITY), 90);
  CHECK_U64(number(info, COS_CI_FIELD_ORIENTATION), 0);
  CHECK_U64(number(info, COS_CI_FIELD_FRAME_COUNT), 1);
  CHECK_U64(number(info, COS_CI_FIELD_BIT_DEPTH), 8);
  CHECK_U64(number(info, COS_CI_FIELD_VERTICAL_DPI), 72);
  CHECK_U64(number(info, COS_CI_FIELD_HORIZONTAL_DPI), 72);
  CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_MD5, OUT(b)));
  CHECK_STR(b.s, "8b84da093bb37c6ecb70b0329b2fe9ff"); /* md5sum photo.jpg */
  CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_AVE, OUT(b)));
  CHECK(b.n == 8 && strncmp(b.s, "0x", 2) == 0);
  CHECK_OK(cos_ci_image_info_json(info, OUT(b)));
  CHECK_STR(b.s,
            "{\"format\":\"jpeg\",\"width\":\"640\",\"height\":\"400\",\"size\":\"55130\","
            "\"md5\":\"8b84da093bb37c6ecb70b0329b2fe9ff\",\"frame_count\":\"1\",\"bit_depth\":\"8\","
            "\"vertical_dpi\":\"72\",\"horizontal_dpi\":\"72\",\"orientation\":\"0\"}");
  /* wrong kinds of field */
  CHECK_RC(cos_ci_image_info_number(info, COS_CI_FIELD_FORMAT, &v), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_image_info_string(info, COS_CI_FIELD_WIDTH, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_image_info_number(info, COS_CI_FIELD_KEY, &v), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_image_info_number(info, 9999, &v), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_OK(cos_ci_image_info_last_error(info, OUT(b)));
  CHECK_U64(b.n, 0);

  /* a bad input empties the handle and says why */
  size_t bad_len = 0;
  char *bad = corpus_file("bad/not-an-image.jpg", &bad_len);
  CHECK_RC(cos_ci_image_info_read(info, (const uint8_t *)bad, bad_len), COS_CI_RESULT_INVALID_IMAGE);
  CHECK_OK(cos_ci_image_info_last_error(info, OUT(b)));
  CHECK(strncmp(b.s, "InvalidImageFormat: ", 20) == 0);
  CHECK_RC(cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, &v), COS_CI_RESULT_NOT_PRESENT);

  /* boundary checks */
  CHECK_RC(cos_ci_image_info_read(NULL, (const uint8_t *)photo, len), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_image_info_read(info, NULL, len), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, NULL), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_image_info_free(info);
  cos_ci_image_info_free(NULL);
  free(bad);
  free(photo);
}

static void test_thumbnail(void) {
  size_t len = 0;
  char *photo = corpus_file("photo.jpg", &len);
  cos_ci_processed *p = NULL;
  text_buf b;
  CHECK_OK(cos_ci_processed_new(&p));
  CHECK_OK(cos_ci_process(p, (const uint8_t *)photo, len, S("imageMogr2/thumbnail/200x")));
  const uint8_t *data = NULL;
  size_t n = 0;
  CHECK_OK(cos_ci_processed_bytes(p, &data, &n));
  CHECK(n > 1000 && data[0] == 0xff && data[1] == 0xd8); /* a JPEG */
  CHECK_OK(cos_ci_processed_format(p, OUT(b)));
  CHECK_STR(b.s, "jpg");
  CHECK_OK(cos_ci_processed_content_type(p, OUT(b)));
  CHECK_STR(b.s, "image/jpeg");

  const cos_ci_image_info *info = NULL;
  CHECK_OK(cos_ci_processed_image_info(p, &info));
  CHECK_U64(number(info, COS_CI_FIELD_WIDTH), 200);
  CHECK_U64(number(info, COS_CI_FIELD_HEIGHT), 125); /* 400 * 200 / 640 */
  CHECK_U64(number(info, COS_CI_FIELD_SIZE), n);
  CHECK_U64(number(info, COS_CI_FIELD_QUALITY), 90); /* a JPEG input keeps its quality */
  CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "JPEG");
  CHECK_RC(cos_ci_image_info_json(info, OUT(b)), COS_CI_RESULT_NOT_PRESENT);

  /* copy into a caller buffer: size query, then the bytes, equal to the borrowed ones */
  size_t need = 0;
  CHECK_RC(cos_ci_processed_copy(p, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK_U64(need, n);
  uint8_t *copy = malloc(need);
  CHECK_OK(cos_ci_processed_copy(p, copy, need, &need));
  CHECK(memcmp(copy, data, n) == 0);

  /* the output, read back as an input, has the same dimensions */
  cos_ci_image_info *back = NULL;
  CHECK_OK(cos_ci_image_info_new(&back));
  CHECK_OK(cos_ci_image_info_read(back, copy, need));
  CHECK_U64(number(back, COS_CI_FIELD_WIDTH), 200);
  CHECK_U64(number(back, COS_CI_FIELD_HEIGHT), 125);
  cos_ci_image_info_free(back);
  free(copy);

  /* format conversion and a pipeline */
  CHECK_OK(cos_ci_process(p, (const uint8_t *)photo, len,
                          S("imageMogr2/thumbnail/!50p|imageMogr2/format/png")));
  CHECK_OK(cos_ci_processed_bytes(p, &data, &n));
  CHECK(n > 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0);
  CHECK_OK(cos_ci_processed_format(p, OUT(b)));
  CHECK_STR(b.s, "png");
  CHECK_OK(cos_ci_processed_image_info(p, &info));
  CHECK_U64(number(info, COS_CI_FIELD_WIDTH), 320);
  CHECK_U64(number(info, COS_CI_FIELD_HEIGHT), 200);

  /* a JSON answer: bytes, no format, no ImageInfo */
  CHECK_OK(cos_ci_process(p, (const uint8_t *)photo, len, S("imageInfo")));
  CHECK_OK(cos_ci_processed_copy(p, OUT(b)));
  CHECK(strncmp(b.s, "{\"format\":\"jpeg\",\"width\":\"640\",\"height\":\"400\"", 45) == 0);
  CHECK_RC(cos_ci_processed_format(p, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_OK(cos_ci_processed_content_type(p, OUT(b)));
  CHECK_STR(b.s, "application/json");
  CHECK_RC(cos_ci_processed_image_info(p, &info), COS_CI_RESULT_NOT_PRESENT);

  cos_ci_processed_free(p);
  cos_ci_processed_free(NULL);
  free(photo);
}

static void expect_error(cos_ci_processed *p, const uint8_t *in, size_t len, const char *rule,
                         cos_ci_result want, const char *prefix) {
  text_buf b;
  CHECK_RC(cos_ci_process(p, in, len, S(rule)), want);
  CHECK_OK(cos_ci_processed_last_error(p, OUT(b)));
  if (strncmp(b.s, prefix, strlen(prefix)) != 0) {
    fprintf(stderr, "rule %s: last error \"%s\", want prefix \"%s\"\n", rule, b.s, prefix);
    check_failures++;
  }
  const uint8_t *data = NULL;
  size_t n = 0;
  CHECK_RC(cos_ci_processed_bytes(p, &data, &n), COS_CI_RESULT_NOT_PRESENT);
}

static void test_errors(void) {
  size_t len = 0, bad_len = 0, bomb_len = 0;
  char *photo = corpus_file("photo.jpg", &len);
  char *bad = corpus_file("bad/not-an-image.jpg", &bad_len);
  char *bomb = corpus_file("bad/bomb-256mp.png", &bomb_len);
  cos_ci_processed *p = NULL;
  CHECK_OK(cos_ci_processed_new(&p));
  const uint8_t *in = (const uint8_t *)photo;

  expect_error(p, in, len, "imageMogr2/no$op/1", COS_CI_RESULT_INVALID_RULE, "");
  /* well-formed, but a stage the local engine does not run */
  expect_error(p, in, len, "imageMogr2/newop/1", COS_CI_RESULT_UNSUPPORTED, "NotImplemented: ");
  expect_error(p, (const uint8_t *)bad, bad_len, "imageMogr2/thumbnail/100x", COS_CI_RESULT_INVALID_IMAGE,
               "InvalidImageFormat: ");
  expect_error(p, (const uint8_t *)bomb, bomb_len, "imageMogr2/thumbnail/100x",
               COS_CI_RESULT_IMAGE_RESOLUTION_EXCEED, "ImageResolutionExceed: ");
  expect_error(p, in, len, "imageMogr2/format/tpg", COS_CI_RESULT_UNSUPPORTED, "UnsupportedFormat: ");
  expect_error(p, in, len, "imageMogr2/cut/100x100x700x0", COS_CI_RESULT_INVALID_ARGUMENT, "InvalidArgument: ");
  /* 33 MB: over the 32 MB input limit, refused before decoding */
  size_t big_len = (size_t)33 << 20;
  uint8_t *big = calloc(big_len, 1);
  memcpy(big, photo, len);
  expect_error(p, big, big_len, "imageMogr2/thumbnail/100x", COS_CI_RESULT_IMAGE_TOO_LARGE, "ImageTooLarge: ");
  free(big);
  /* after an error the handle works again */
  CHECK_OK(cos_ci_process(p, in, len, S("imageMogr2/thumbnail/64x")));

  /* boundary */
  text_buf b;
  CHECK_RC(cos_ci_process(NULL, in, len, S("imageInfo")), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_process(p, NULL, len, S("imageInfo")), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_process(p, in, len, NULL, 3), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_process(p, in, len, (const uint8_t *)"\xff\xfe", 2), COS_CI_RESULT_INVALID_UTF8);
  CHECK_RC(cos_ci_processed_bytes(p, NULL, NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_processed_format(NULL, OUT(b)), COS_CI_RESULT_NULL_PARAMETER);

  /* the new codes are ABI and have messages */
  CHECK_U64(COS_CI_RESULT_UNSUPPORTED, 21);
  CHECK_U64(COS_CI_RESULT_INVALID_IMAGE, 22);
  CHECK_U64(COS_CI_RESULT_IMAGE_TOO_LARGE, 23);
  CHECK_U64(COS_CI_RESULT_IMAGE_RESOLUTION_EXCEED, 24);
  CHECK_U64(COS_CI_RESULT_PROCESSING_FAILED, 25);
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_INVALID_IMAGE, OUT(b)));
  CHECK_STR(b.s, "not a decodable image");

  cos_ci_processed_free(p);
  free(bomb);
  free(bad);
  free(photo);
}

/* One parsed rule shared by threads, each with its own result handle. */
struct job {
  const cos_ci_rule *rule;
  const uint8_t *input;
  size_t len;
  unsigned long long width, height;
  cos_ci_result rc;
};

static void *worker(void *arg) {
  struct job *j = arg;
  cos_ci_processed *p = NULL;
  j->rc = cos_ci_processed_new(&p);
  if (j->rc == COS_CI_RESULT_OK) j->rc = cos_ci_process_rule(p, j->input, j->len, j->rule);
  const cos_ci_image_info *info = NULL;
  if (j->rc == COS_CI_RESULT_OK) j->rc = cos_ci_processed_image_info(p, &info);
  uint64_t w = 0, h = 0;
  if (j->rc == COS_CI_RESULT_OK) j->rc = cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, &w);
  if (j->rc == COS_CI_RESULT_OK) j->rc = cos_ci_image_info_number(info, COS_CI_FIELD_HEIGHT, &h);
  j->width = w;
  j->height = h;
  cos_ci_processed_free(p);
  return NULL;
}

static void test_threads(void) {
  size_t len = 0;
  char *photo = corpus_file("photo.jpg", &len);
  cos_ci_rule *rule = NULL;
  CHECK_OK(cos_ci_rule_new(&rule));
  cos_ci_processed *p = NULL;
  CHECK_OK(cos_ci_processed_new(&p));
  /* a rule handle without a rule */
  CHECK_RC(cos_ci_process_rule(p, (const uint8_t *)photo, len, rule), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_processed_free(p);
  CHECK_OK(cos_ci_rule_parse(rule, S("imageView2/2/w/100/h/100")));
  enum { N = 3 };
  pthread_t t[N];
  struct job jobs[N];
  for (int i = 0; i < N; i++) {
    jobs[i] = (struct job){rule, (const uint8_t *)photo, len, 0, 0, COS_CI_RESULT_PANIC};
    CHECK(pthread_create(&t[i], NULL, worker, &jobs[i]) == 0);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    CHECK_RC(jobs[i].rc, COS_CI_RESULT_OK);
    CHECK_U64(jobs[i].width, 100);
    CHECK_U64(jobs[i].height, 63); /* 400 * 100 / 640 = 62.5, rounded */
  }
  cos_ci_rule_free(rule);
  free(photo);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_process CORPUS_DIR\n");
    return 2;
  }
  snprintf(corpus, sizeof corpus, "%s", argv[1]);
  test_image_info();
  test_thumbnail();
  test_errors();
  test_threads();
  return check_done("test_process");
}
