/* Request signing with wire.md test vectors 1 and 2, and verification. */
#include "check.h"

#define HOST "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
#define KV(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}
#define FLAG(n) {(const uint8_t *)(n), sizeof(n) - 1, NULL, 0}

static void test_vector1(void) {
  cos_ci_credentials *creds = NULL;
  CHECK_OK(cos_ci_credentials_new(S("AKIDexample"), S("sk-example"), NULL, 0, &creds));
  const cos_ci_kv headers[] = {
      KV("Host", HOST),
      KV("Pic-Operations",
         "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"thumb.png\",\"rule\":\"imageMogr2/thumbnail/200x/format/png\"}]}"),
      KV("Content-Length", "64"),
      KV("Content-Type", "image/jpeg"),
      KV("x-cos-meta-owner", "Ann Lee"),
  };
  cos_ci_sign_request *req = NULL;
  CHECK_OK(cos_ci_sign_request_new(S("PUT"), S("photos/cat 1.jpg"), NULL, 0, headers, 5, &req));
  text_buf b;
  CHECK_OK(cos_ci_sign(creds, req, 1795377299, 1795387359, OUT(b)));
  CHECK_STR(b.s,
            "q-sign-algorithm=sha1&q-ak=AKIDexample&q-sign-time=1795377299;1795387359&q-key-time=1795377299;1795387359"
            "&q-header-list=content-length;content-type;host;pic-operations;x-cos-meta-owner&q-url-param-list="
            "&q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1");

  /* verify: accepted inside the key time, expired after it, mismatch when tampered */
  char auth[BUF];
  memcpy(auth, b.s, b.n + 1);
  CHECK_OK(cos_ci_sign_request_add_header(req, S("Authorization"), S(auth)));
  CHECK_OK(cos_ci_verify(creds, req, 1795380000));
  CHECK_RC(cos_ci_verify(creds, req, 1795390000), COS_CI_RESULT_SIGNATURE_EXPIRED);
  CHECK_OK(cos_ci_sign_request_last_error(req, OUT(b)));
  CHECK(strstr(b.s, "expired") != NULL);

  cos_ci_sign_request *tampered = NULL;
  const cos_ci_kv headers2[] = {KV("Host", HOST), KV("Pic-Operations", "{}"), KV("Content-Length", "64"),
                                KV("Content-Type", "image/jpeg"), KV("x-cos-meta-owner", "Ann Lee")};
  CHECK_OK(cos_ci_sign_request_new(S("PUT"), S("photos/cat 1.jpg"), NULL, 0, headers2, 5, &tampered));
  CHECK_OK(cos_ci_sign_request_add_header(tampered, S("Authorization"), S(auth)));
  CHECK_RC(cos_ci_verify(creds, tampered, 1795380000), COS_CI_RESULT_SIGNATURE_MISMATCH);
  cos_ci_sign_request_free(tampered);

  /* another access key: rejected; garbage: malformed */
  cos_ci_credentials *other = NULL;
  CHECK_OK(cos_ci_credentials_new(S("AKIDother"), S("sk"), S("token"), &other));
  CHECK_RC(cos_ci_verify(other, req, 1795380000), COS_CI_RESULT_SIGNATURE_REJECTED);
  cos_ci_credentials_free(other);
  cos_ci_sign_request *garbage = NULL;
  const cos_ci_kv hg[] = {KV("Authorization", "q-sign-algorithm=md5")};
  CHECK_OK(cos_ci_sign_request_new(S("GET"), S("a"), NULL, 0, hg, 1, &garbage));
  CHECK_RC(cos_ci_verify(creds, garbage, 1795380000), COS_CI_RESULT_SIGNATURE_MALFORMED);
  cos_ci_sign_request_free(garbage);

  /* start > end */
  CHECK_RC(cos_ci_sign(creds, req, 2, 1, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
  /* size query */
  size_t need = 0;
  CHECK_RC(cos_ci_sign(creds, req, 1795377299, 1795387359, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK(need > 100);
  cos_ci_sign_request_free(req);
  cos_ci_credentials_free(creds);
}

static void test_vector2(void) {
  cos_ci_credentials *creds = NULL;
  CHECK_OK(cos_ci_credentials_new(S("AKIDexample"), S("sk-example"), NULL, 0, &creds));
  const cos_ci_kv params[] = {FLAG("image_process")};
  const cos_ci_kv headers[] = {
      KV("Host", HOST),
      KV("Content-Length", "0"),
      KV("Pic-Operations",
         "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"/out/a.webp\",\"rule\":\"imageMogr2/format/webp/quality/80\"}]}"),
  };
  cos_ci_sign_request *req = NULL;
  CHECK_OK(cos_ci_sign_request_new(S("POST"), S("photos/cat 1.jpg"), params, 1, headers, 3, &req));
  text_buf b;
  CHECK_OK(cos_ci_sign(creds, req, 1795377299, 1795387359, OUT(b)));
  CHECK(strstr(b.s, "&q-url-param-list=image_process&") != NULL);
  CHECK(strstr(b.s, "&q-signature=11e550e7c777bb7eeb8296e6b67763004f28bd2b") != NULL);
  cos_ci_sign_request_free(req);
  cos_ci_credentials_free(creds);
}

static void test_errors(void) {
  cos_ci_credentials *creds = NULL;
  cos_ci_sign_request *req = NULL;
  const uint8_t bad[] = {0xfe};
  CHECK_RC(cos_ci_credentials_new(bad, 1, S("k"), NULL, 0, &creds), COS_CI_RESULT_INVALID_UTF8);
  CHECK(creds == NULL);
  CHECK_RC(cos_ci_credentials_new(S("id"), NULL, 1, NULL, 0, &creds), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_sign_request_new(S("GET"), S("k"), NULL, 2, NULL, 0, &req), COS_CI_RESULT_NULL_PARAMETER);
  const cos_ci_kv nullvalue[] = {FLAG("Host")};
  CHECK_RC(cos_ci_sign_request_new(S("GET"), S("k"), NULL, 0, nullvalue, 1, &req), COS_CI_RESULT_NULL_PARAMETER);
  const cos_ci_kv badname[] = {{bad, 1, (const uint8_t *)"v", 1}};
  CHECK_RC(cos_ci_sign_request_new(S("GET"), S("k"), badname, 1, NULL, 0, &req), COS_CI_RESULT_INVALID_UTF8);
  CHECK(req == NULL);
  text_buf b;
  CHECK_RC(cos_ci_sign(NULL, NULL, 0, 0, OUT(b)), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_verify(NULL, NULL, 0), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_credentials_free(NULL);
  cos_ci_sign_request_free(NULL);
}

int main(void) {
  test_vector1();
  test_vector2();
  test_errors();
  return check_done("test_sign");
}
