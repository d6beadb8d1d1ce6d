/* Pic-Operations, fileid resolution, rules, version, result messages and the boundary
 * conventions (NULL, invalid UTF-8, too-small buffers). */
#include "check.h"

static void test_version_and_messages(void) {
  const char *v = cos_ci_version();
  CHECK(v != NULL);
  CHECK_STR(v, "0.1.0");

  text_buf b;
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_OK, OUT(b)));
  CHECK_STR(b.s, "success");
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_INVALID_RULE, OUT(b)));
  CHECK_STR(b.s, "invalid processing rule");
  CHECK_OK(cos_ci_result_message(9999, OUT(b)));
  CHECK_STR(b.s, "unknown result code");
  CHECK_RC(cos_ci_result_message(COS_CI_RESULT_OK, NULL, 0, NULL), COS_CI_RESULT_NULL_PARAMETER);
  /* explicit values are ABI */
  CHECK_U64(COS_CI_RESULT_NULL_PARAMETER, 1);
  CHECK_U64(COS_CI_RESULT_BUFFER_TOO_SMALL, 3);
  CHECK_U64(COS_CI_RESULT_SERVICE_ERROR, 15);
  CHECK_U64(COS_CI_RESULT_PANIC, 20);
}

/* The library CI builds must carry libjpeg-turbo's SIMD kernels (built with nasm);
 * COS_CI_ALLOW_NO_JPEG_SIMD=1 accepts a build without them. */
static void test_build_info(void) {
  text_buf b;
  CHECK_OK(cos_ci_build_info(OUT(b)));
  CHECK(strstr(b.s, "libjpeg-turbo 3.") != NULL);
  const char *allow = getenv("COS_CI_ALLOW_NO_JPEG_SIMD");
  if (!(allow && strcmp(allow, "1") == 0)) {
    if (!cos_ci_jpeg_simd()) fprintf(stderr, "build info:\n%s\n", b.s);
    CHECK(cos_ci_jpeg_simd());
  }
  CHECK((strstr(b.s, "SIMD kernels: yes") != NULL) == cos_ci_jpeg_simd());
}

static void test_buffers(void) {
  size_t need = 0;
  /* size query with NULL buffer */
  CHECK_RC(cos_ci_result_message(COS_CI_RESULT_OK, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK_U64(need, strlen("success"));
  /* too small: nothing written */
  char small[4] = {'x', 'x', 'x', 'x'};
  CHECK_RC(cos_ci_result_message(COS_CI_RESULT_OK, (uint8_t *)small, sizeof small, &need),
           COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK(memcmp(small, "xxxx", 4) == 0);
  /* exact size: no NUL written */
  char *exact = malloc(need);
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_OK, (uint8_t *)exact, need, &need));
  CHECK(memcmp(exact, "success", need) == 0);
  free(exact);
  /* need + 1: NUL-terminated */
  char *cstr = malloc(need + 1);
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_OK, (uint8_t *)cstr, need + 1, &need));
  CHECK_STR(cstr, "success");
  free(cstr);
}

static void test_pic_operations(void) {
  cos_ci_pic_operations *ops = NULL;
  CHECK_RC(cos_ci_pic_operations_new(NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_OK(cos_ci_pic_operations_new(&ops));
  CHECK(ops != NULL);
  CHECK_OK(cos_ci_pic_operations_set_is_pic_info(ops, true));
  CHECK_OK(cos_ci_pic_operations_add_rule(ops, S("thumb.png"), S("imageMogr2/thumbnail/200x/format/png"), NULL, 0));
  CHECK_OK(cos_ci_pic_operations_add_rule(ops, S("/out/a.webp"), S("imageMogr2/format/webp"),
                                          S("examplebucket-1250000000")));
  CHECK_OK(cos_ci_pic_operations_validate(ops));

  text_buf b;
  CHECK_OK(cos_ci_pic_operations_to_json(ops, OUT(b)));
  CHECK_STR(b.s,
            "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"thumb.png\",\"rule\":\"imageMogr2/thumbnail/200x/format/png\"},"
            "{\"bucket\":\"examplebucket-1250000000\",\"fileid\":\"/out/a.webp\",\"rule\":\"imageMogr2/format/webp\"}]}");

  size_t count = 0;
  bool info = false;
  CHECK_OK(cos_ci_pic_operations_rule_count(ops, &count));
  CHECK_U64(count, 2);
  CHECK_OK(cos_ci_pic_operations_is_pic_info(ops, &info));
  CHECK(info);
  CHECK_OK(cos_ci_pic_operations_rule_get(ops, 1, COS_CI_RULE_PART_BUCKET, OUT(b)));
  CHECK_STR(b.s, "examplebucket-1250000000");
  CHECK_RC(cos_ci_pic_operations_rule_get(ops, 0, COS_CI_RULE_PART_BUCKET, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_pic_operations_rule_get(ops, 2, COS_CI_RULE_PART_FILEID, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RC(cos_ci_pic_operations_rule_get(ops, 0, 77, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);

  /* parse replaces the content */
  const char *json = "{\"is_pic_info\":0,\"rules\":[{\"fileid\":\"a/b.jpg\",\"rule\":\"imageView2/1/w/100\"}]}";
  CHECK_OK(cos_ci_pic_operations_parse(ops, S(json)));
  CHECK_OK(cos_ci_pic_operations_rule_count(ops, &count));
  CHECK_U64(count, 1);
  CHECK_OK(cos_ci_pic_operations_rule_get(ops, 0, COS_CI_RULE_PART_RULE, OUT(b)));
  CHECK_STR(b.s, "imageView2/1/w/100");
  CHECK_OK(cos_ci_pic_operations_last_error(ops, OUT(b)));
  CHECK_STR(b.s, "");

  /* malformed JSON: handle unchanged, last error set */
  CHECK_RC(cos_ci_pic_operations_parse(ops, S("{\"rules\":[")), COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  CHECK_OK(cos_ci_pic_operations_last_error(ops, OUT(b)));
  CHECK(strstr(b.s, "not valid JSON") != NULL);
  CHECK_OK(cos_ci_pic_operations_rule_count(ops, &count));
  CHECK_U64(count, 1);

  /* six rules: too many */
  const char *six = "{\"rules\":[{\"fileid\":\"1\",\"rule\":\"imageMogr2/format/png\"},{\"fileid\":\"2\",\"rule\":\"imageMogr2/format/png\"},"
                    "{\"fileid\":\"3\",\"rule\":\"imageMogr2/format/png\"},{\"fileid\":\"4\",\"rule\":\"imageMogr2/format/png\"},"
                    "{\"fileid\":\"5\",\"rule\":\"imageMogr2/format/png\"},{\"fileid\":\"6\",\"rule\":\"imageMogr2/format/png\"}]}";
  CHECK_RC(cos_ci_pic_operations_parse(ops, S(six)), COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  CHECK_OK(cos_ci_pic_operations_last_error(ops, OUT(b)));
  CHECK(strstr(b.s, "at most 5") != NULL);

  /* a rule that does not parse: validate says INVALID_RULE */
  CHECK_OK(cos_ci_pic_operations_add_rule(ops, S("x.png"), S("imageMogr2/no$op/1"), NULL, 0));
  CHECK_RC(cos_ci_pic_operations_validate(ops), COS_CI_RESULT_INVALID_RULE);
  CHECK_OK(cos_ci_pic_operations_last_error(ops, OUT(b)));
  CHECK(strstr(b.s, "rule 1") != NULL);

  /* a bad bucket: INVALID_PIC_OPERATIONS */
  cos_ci_pic_operations *bad = NULL;
  CHECK_OK(cos_ci_pic_operations_new(&bad));
  CHECK_OK(cos_ci_pic_operations_add_rule(bad, S("x.png"), S("imageMogr2/format/png"), S("NoAppId")));
  CHECK_RC(cos_ci_pic_operations_validate(bad), COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  cos_ci_pic_operations_free(bad);

  /* invalid UTF-8 and NULL */
  const uint8_t bad_utf8[] = {'a', 0xff, 'b'};
  CHECK_RC(cos_ci_pic_operations_add_rule(ops, bad_utf8, 3, S("imageMogr2/format/png"), NULL, 0), COS_CI_RESULT_INVALID_UTF8);
  CHECK_RC(cos_ci_pic_operations_add_rule(ops, NULL, 3, S("imageMogr2/format/png"), NULL, 0), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_operations_add_rule(NULL, S("a"), S("b"), NULL, 0), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_operations_to_json(NULL, OUT(b)), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_operations_rule_count(ops, NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_operations_validate(NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_operations_parse(ops, bad_utf8, 3), COS_CI_RESULT_INVALID_UTF8);

  /* to_json size query */
  size_t need = 0;
  CHECK_RC(cos_ci_pic_operations_to_json(ops, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK(need > 10);

  cos_ci_pic_operations_free(ops);
  cos_ci_pic_operations_free(NULL);
}

static void test_resolve_fileid(void) {
  text_buf b;
  CHECK_OK(cos_ci_resolve_fileid(S("photos/cat 1.jpg"), S("thumb.png"), OUT(b)));
  CHECK_STR(b.s, "photos/thumb.png");
  CHECK_OK(cos_ci_resolve_fileid(S("photos/cat 1.jpg"), S("/out/a.webp"), OUT(b)));
  CHECK_STR(b.s, "out/a.webp");
  CHECK_OK(cos_ci_resolve_fileid(S("a/b/c.jpg"), S("../d%20e.png"), OUT(b)));
  CHECK_STR(b.s, "a/d e.png");
  CHECK_RC(cos_ci_resolve_fileid(S("c.jpg"), S("../../x.png"), OUT(b)), COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  CHECK_RC(cos_ci_resolve_fileid(S("c.jpg"), S("dir/"), OUT(b)), COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  CHECK_RC(cos_ci_resolve_fileid(NULL, 0, S("x"), OUT(b)), COS_CI_RESULT_NULL_PARAMETER);
}

static void test_rule(void) {
  cos_ci_rule *rule = NULL;
  CHECK_OK(cos_ci_rule_new(&rule));
  text_buf b;
  size_t n = 0;
  bool matting = true;
  /* nothing parsed yet */
  CHECK_RC(cos_ci_rule_canonical(rule, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_rule_error_offset(rule, &n), COS_CI_RESULT_NOT_PRESENT);

  CHECK_OK(cos_ci_rule_parse(rule, S("imageMogr2/thumbnail/200x/format/png|imageView2/1/w/100")));
  CHECK_OK(cos_ci_rule_stage_count(rule, &n));
  CHECK_U64(n, 2);
  CHECK_OK(cos_ci_rule_canonical(rule, OUT(b)));
  CHECK_STR(b.s, "imageMogr2/thumbnail/200x/format/png|imageView2/1/w/100");
  CHECK_OK(cos_ci_rule_is_ai_pic_matting(rule, &matting));
  CHECK(!matting);
  CHECK_OK(cos_ci_rule_last_error(rule, OUT(b)));
  CHECK_STR(b.s, "");

  CHECK_OK(cos_ci_rule_parse(rule, S("ci-process=AIPicMatting")));
  CHECK_OK(cos_ci_rule_is_ai_pic_matting(rule, &matting));
  CHECK(matting);

  /* a well-formed operation we do not model is carried through as written */
  CHECK_OK(cos_ci_rule_parse(rule, S("imageMogr2/newop/1|QRcode/cover/0")));
  CHECK_OK(cos_ci_rule_canonical(rule, OUT(b)));
  CHECK_STR(b.s, "imageMogr2/newop/1|QRcode/cover/0");

  /* error with offset: the malformed operation name starts at byte 11 */
  CHECK_RC(cos_ci_rule_parse(rule, S("imageMogr2/no$op/1")), COS_CI_RESULT_INVALID_RULE);
  CHECK_OK(cos_ci_rule_error_offset(rule, &n));
  CHECK_U64(n, 11);
  CHECK_OK(cos_ci_rule_error_token(rule, OUT(b)));
  CHECK_STR(b.s, "no$op");
  CHECK_OK(cos_ci_rule_last_error(rule, OUT(b)));
  CHECK(strstr(b.s, "at byte 11") != NULL);
  CHECK_RC(cos_ci_rule_canonical(rule, OUT(b)), COS_CI_RESULT_NOT_PRESENT);

  CHECK_RC(cos_ci_rule_parse(rule, NULL, 1), COS_CI_RESULT_NULL_PARAMETER);
  const uint8_t bad_utf8[] = {0xc3};
  CHECK_RC(cos_ci_rule_parse(rule, bad_utf8, 1), COS_CI_RESULT_INVALID_UTF8);
  CHECK_RC(cos_ci_rule_stage_count(NULL, &n), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_rule_free(rule);
  cos_ci_rule_free(NULL);
}

int main(void) {
  test_version_and_messages();
  test_build_info();
  test_buffers();
  test_pic_operations();
  test_resolve_fileid();
  test_rule();
  return check_done("test_ops");
}
