/* UploadResult XML, COS error XML and v4 JSON parsing with known answers from the
 * seed fixtures (argv[1] is tests/fixtures/seeds). */
#include "check.h"

static char fixtures[4096];

static char *fixture(const char *name, size_t *len) {
  char path[4352];
  snprintf(path, sizeof path, "%s/%s", fixtures, name);
  return read_file(path, len);
}

static void test_upload_result(void) {
  size_t len = 0;
  char *xml = fixture("upload_result_put.xml", &len);
  cos_ci_upload_result *r = NULL;
  CHECK_OK(cos_ci_upload_result_new(&r));
  CHECK_OK(cos_ci_upload_result_parse_xml(r, (const uint8_t *)xml, len));
  free(xml);

  text_buf b;
  uint64_t n = 0;
  bool has = false;
  CHECK_OK(cos_ci_upload_result_has_original(r, &has));
  CHECK(has);
  CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_KEY, OUT(b)));
  CHECK_STR(b.s, "filename.jpg");
  CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_LOCATION, OUT(b)));
  CHECK_STR(b.s, "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/filename.jpg");
  CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_ETAG, OUT(b)));
  CHECK_STR(b.s, "\"580cd6930444576523c25f86ce2af9b1fc2d5484\"");
  CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "JPEG");
  CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_AVE, OUT(b)));
  CHECK_STR(b.s, "0xa18454");
  CHECK_RC(cos_ci_upload_result_original_string(r, COS_CI_FIELD_MD5, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_OK(cos_ci_upload_result_original_number(r, COS_CI_FIELD_WIDTH, &n));
  CHECK_U64(n, 640);
  CHECK_OK(cos_ci_upload_result_original_number(r, COS_CI_FIELD_HEIGHT, &n));
  CHECK_U64(n, 427);
  CHECK_OK(cos_ci_upload_result_original_number(r, COS_CI_FIELD_QUALITY, &n));
  CHECK_U64(n, 100);
  CHECK_OK(cos_ci_upload_result_original_number(r, COS_CI_FIELD_ORIENTATION, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_upload_result_original_number(r, COS_CI_FIELD_FRAME_COUNT, &n));
  CHECK_U64(n, 1);
  CHECK_RC(cos_ci_upload_result_original_number(r, COS_CI_FIELD_BIT_DEPTH, &n), COS_CI_RESULT_NOT_PRESENT);
  /* kind mismatch and unknown field */
  CHECK_RC(cos_ci_upload_result_original_number(r, COS_CI_FIELD_KEY, &n), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_upload_result_original_string(r, COS_CI_FIELD_WIDTH, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_upload_result_original_string(r, 12345, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);

  size_t count = 0;
  CHECK_OK(cos_ci_upload_result_object_count(r, &count));
  CHECK_U64(count, 1);
  CHECK_OK(cos_ci_upload_result_object_string(r, 0, COS_CI_FIELD_KEY, OUT(b)));
  CHECK_STR(b.s, "test.png");
  CHECK_OK(cos_ci_upload_result_object_string(r, 0, COS_CI_FIELD_LOCATION, OUT(b)));
  CHECK_STR(b.s, "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/test.png");
  CHECK_OK(cos_ci_upload_result_object_string(r, 0, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "png");
  CHECK_OK(cos_ci_upload_result_object_string(r, 0, COS_CI_FIELD_ETAG, OUT(b)));
  CHECK_STR(b.s, "\"eaa4e3d8fd498bbc63be3b71c46b9c61f23e3f0c\"");
  CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_WIDTH, &n));
  CHECK_U64(n, 640);
  CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_HEIGHT, &n));
  CHECK_U64(n, 427);
  CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_SIZE, &n));
  CHECK_U64(n, 463092);
  CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_QUALITY, &n));
  CHECK_U64(n, 100);
  CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_FRAME_COUNT, &n));
  CHECK_U64(n, 1);
  CHECK_RC(cos_ci_upload_result_object_string(r, 0, COS_CI_FIELD_MD5, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_upload_result_object_number(r, 1, COS_CI_FIELD_WIDTH, &n), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RC(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_WIDTH, NULL), COS_CI_RESULT_NULL_PARAMETER);

  /* round trip through to_xml */
  size_t need = 0;
  CHECK_RC(cos_ci_upload_result_to_xml(r, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  char *again = malloc(need + 1);
  CHECK_OK(cos_ci_upload_result_to_xml(r, (uint8_t *)again, need + 1, &need));
  CHECK(strncmp(again, "<UploadResult>", 14) == 0);
  cos_ci_upload_result *r2 = NULL;
  CHECK_OK(cos_ci_upload_result_new(&r2));
  CHECK_OK(cos_ci_upload_result_parse_xml(r2, (const uint8_t *)again, need));
  CHECK_OK(cos_ci_upload_result_object_number(r2, 0, COS_CI_FIELD_SIZE, &n));
  CHECK_U64(n, 463092);
  free(again);
  cos_ci_upload_result_free(r2);

  /* malformed XML: error kept, content unchanged */
  CHECK_RC(cos_ci_upload_result_parse_xml(r, S("<UploadResult><OriginalInfo>")), COS_CI_RESULT_INVALID_XML);
  CHECK_OK(cos_ci_upload_result_last_error(r, OUT(b)));
  CHECK(b.n > 0);
  CHECK_OK(cos_ci_upload_result_object_count(r, &count));
  CHECK_U64(count, 1);
  CHECK_RC(cos_ci_upload_result_parse_xml(r, S("<Error></Error>")), COS_CI_RESULT_INVALID_XML);

  /* empty result: no original */
  cos_ci_upload_result *empty = NULL;
  CHECK_OK(cos_ci_upload_result_new(&empty));
  CHECK_OK(cos_ci_upload_result_has_original(empty, &has));
  CHECK(!has);
  CHECK_RC(cos_ci_upload_result_original_string(empty, COS_CI_FIELD_KEY, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_upload_result_free(empty);

  cos_ci_upload_result_free(r);
  cos_ci_upload_result_free(NULL);
}

static void test_cos_error(void) {
  const char *xml =
      "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>InvalidArgument</Code>\n"
      "<Message>Pic-Operations invalid</Message>\n<Resource>examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/a.jpg</Resource>\n"
      "<RequestId>NjQ1MjA0ZDNfOTBmYTUwNjRf</RequestId>\n<TraceId>OGVmYzZiMmQzYjA2OWNh</TraceId>\n</Error>";
  cos_ci_cos_error *e = NULL;
  text_buf b;
  CHECK_OK(cos_ci_cos_error_new(&e));
  CHECK_OK(cos_ci_cos_error_parse_xml(e, S(xml)));
  CHECK_OK(cos_ci_cos_error_string(e, COS_CI_FIELD_CODE, OUT(b)));
  CHECK_STR(b.s, "InvalidArgument");
  CHECK_OK(cos_ci_cos_error_string(e, COS_CI_FIELD_MESSAGE, OUT(b)));
  CHECK_STR(b.s, "Pic-Operations invalid");
  CHECK_OK(cos_ci_cos_error_string(e, COS_CI_FIELD_RESOURCE, OUT(b)));
  CHECK_STR(b.s, "examplebucket-1250000000.cos.ap-chengdu.myqcloud.com/a.jpg");
  CHECK_OK(cos_ci_cos_error_string(e, COS_CI_FIELD_REQUEST_ID, OUT(b)));
  CHECK_STR(b.s, "NjQ1MjA0ZDNfOTBmYTUwNjRf");
  CHECK_OK(cos_ci_cos_error_string(e, COS_CI_FIELD_TRACE_ID, OUT(b)));
  CHECK_STR(b.s, "OGVmYzZiMmQzYjA2OWNh");
  CHECK_RC(cos_ci_cos_error_string(e, COS_CI_FIELD_WIDTH, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_cos_error_parse_xml(e, S("<Error><Code>")), COS_CI_RESULT_INVALID_XML);
  CHECK_OK(cos_ci_cos_error_last_error(e, OUT(b)));
  CHECK(b.n > 0);
  cos_ci_cos_error_free(e);
}

static void test_v4(void) {
  size_t len = 0;
  char *json = fixture("v4_upload.json", &len);
  cos_ci_v4_response *v = NULL;
  CHECK_OK(cos_ci_v4_response_new(&v));
  CHECK_OK(cos_ci_v4_response_parse_json(v, (const uint8_t *)json, len));
  free(json);
  text_buf b;
  int64_t code = -1;
  uint64_t n = 0;
  size_t count = 0;
  CHECK_OK(cos_ci_v4_response_code(v, &code));
  CHECK(code == 0);
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_MESSAGE, OUT(b)));
  CHECK_STR(b.s, "SUCCESS");
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_REQUEST_ID, OUT(b)));
  CHECK_STR(b.s, "NTlhNDBhZGVfOTYyMjViNjRfMTc3Ml8yYWQ5NWU=");
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_ACCESS_URL, OUT(b)));
  CHECK_STR(b.s, "http://bucket-appid.file.myqcloud.com/sample_file.jpg");
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_RESOURCE_PATH, OUT(b)));
  CHECK_STR(b.s, "/appid/bucket/sample_file.jpg");
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_URL, OUT(b)));
  CHECK_STR(b.s, "http://gz.file.myqcloud.com/files/v2/appid/bucket/sample_file.jpg");
  CHECK_OK(cos_ci_v4_response_string(v, COS_CI_FIELD_SOURCE_URL, OUT(b)));
  CHECK_STR(b.s, "http://bucket-appid.cosgz.myqcloud.com /sample_file.jpg");
  CHECK_OK(cos_ci_v4_response_number(v, COS_CI_FIELD_TIMECOST, &n));
  CHECK_U64(n, 500);
  CHECK_OK(cos_ci_v4_response_original_string(v, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "JPEG");
  CHECK_OK(cos_ci_v4_response_original_string(v, COS_CI_FIELD_AVE, OUT(b)));
  CHECK_STR(b.s, "0xa18432");
  CHECK_OK(cos_ci_v4_response_original_number(v, COS_CI_FIELD_WIDTH, &n));
  CHECK_U64(n, 50);
  CHECK_OK(cos_ci_v4_response_original_number(v, COS_CI_FIELD_HEIGHT, &n));
  CHECK_U64(n, 200);
  CHECK_OK(cos_ci_v4_response_original_number(v, COS_CI_FIELD_ORIENTATION, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_v4_response_original_number(v, COS_CI_FIELD_QUALITY, &n));
  CHECK_U64(n, 100);
  CHECK_OK(cos_ci_v4_response_object_count(v, &count));
  CHECK_U64(count, 1);
  CHECK_OK(cos_ci_v4_response_object_string(v, 0, COS_CI_FIELD_FILE_ID, OUT(b)));
  CHECK_STR(b.s, "test1.png");
  CHECK_OK(cos_ci_v4_response_object_string(v, 0, COS_CI_FIELD_VID, OUT(b)));
  CHECK_STR(b.s, "value");
  CHECK_OK(cos_ci_v4_response_object_string(v, 0, COS_CI_FIELD_FORMAT, OUT(b)));
  CHECK_STR(b.s, "PNG");
  CHECK_OK(cos_ci_v4_response_object_string(v, 0, COS_CI_FIELD_ACCESS_URL, OUT(b)));
  CHECK_STR(b.s, "http://bucket-appid.file.myqcloud.com/test1.png");
  CHECK_OK(cos_ci_v4_response_object_number(v, 0, COS_CI_FIELD_SIZE, &n));
  CHECK_U64(n, 100200);
  CHECK_OK(cos_ci_v4_response_object_number(v, 0, COS_CI_FIELD_WIDTH, &n));
  CHECK_U64(n, 200);
  CHECK_OK(cos_ci_v4_response_object_number(v, 0, COS_CI_FIELD_HEIGHT, &n));
  CHECK_U64(n, 50);
  CHECK_RC(cos_ci_v4_response_object_number(v, 1, COS_CI_FIELD_SIZE, &n), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RC(cos_ci_v4_response_parse_json(v, S("{\"code\":")), COS_CI_RESULT_INVALID_JSON);
  CHECK_OK(cos_ci_v4_response_last_error(v, OUT(b)));
  CHECK(strstr(b.s, "invalid JSON at line 1") != NULL);
  cos_ci_v4_response_free(v);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_results FIXTURES_DIR\n");
    return 2;
  }
  snprintf(fixtures, sizeof fixtures, "%s", argv[1]);
  test_upload_result();
  test_cos_error();
  test_v4();
  return check_done("test_results");
}
