/* The image API (issue #17) against the in-process local server, and its local forms:
 * styles, image inspection, QR-code recognition and generation, imageInfo / exif /
 * imageAve, download compression and the generic ci-process; asynchronous pic jobs
 * (issue #18: open the bucket, its queue, create, wait, get, list).
 * argv[1] = tests/fixtures/corpus, argv[2] = a scratch folder. */
#include "check.h"

#define BUCKET "imgapi-1250000000"

static char corpus[2048];
static char scratch[2048];

static char *corpus_file(const char *name, size_t *len) {
  char path[2300];
  snprintf(path, sizeof path, "%s/%s", corpus, name);
  return read_file(path, len);
}

static cos_ci_client *client_for(uint16_t port) {
  char port_text[16];
  snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
  cos_ci_config *cfg = NULL;
  cos_ci_client *client = NULL;
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_REGION"), S("ap-guangzhou")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_ID"), S("AKIDlocal")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_KEY"), S("sk-local")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SCHEME"), S("http")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_IP"), S("127.0.0.1")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PORT"), S(port_text)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_RETRIES"), S("0")));
  CHECK_OK(cos_ci_client_new(cfg, &client));
  cos_ci_config_free(cfg);
  return client;
}

static void put(cos_ci_client *c, const char *key, const void *data, size_t len) {
  cos_ci_response *resp = NULL;
  CHECK_OK(cos_ci_client_put_object(c, S(BUCKET), S(key), (const uint8_t *)data, len, NULL, 0, &resp));
  cos_ci_response_free(resp);
}

/* The response body in a malloc'ed buffer (caller frees); NULL when there is none. */
static uint8_t *body_of(const cos_ci_response *resp, size_t *n) {
  *n = 0;
  if (!resp) return NULL;
  CHECK_RC(cos_ci_response_body(resp, NULL, 0, n), COS_CI_RESULT_BUFFER_TOO_SMALL);
  uint8_t *b = malloc(*n + 1);
  CHECK_OK(cos_ci_response_body(resp, b, *n + 1, n));
  return b;
}

/* Width and height of an encoded image, read by the local engine. */
static void dimensions(const uint8_t *data, size_t len, uint64_t *w, uint64_t *h) {
  cos_ci_image_info *info = NULL;
  *w = *h = 0;
  CHECK_OK(cos_ci_image_info_new(&info));
  CHECK_OK(cos_ci_image_info_read(info, data, len));
  cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, w);
  cos_ci_image_info_number(info, COS_CI_FIELD_HEIGHT, h);
  cos_ci_image_info_free(info);
}

static void test_styles(cos_ci_client *c, const char *photo, size_t photo_len) {
  cos_ci_response *resp = NULL;
  text_buf b;
  size_t n = 99;
  CHECK_OK(cos_ci_client_put_image_style(c, S(BUCKET), S("thumb"), S("imageMogr2/thumbnail/100x"), &resp));
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_put_image_style(c, S(BUCKET), S("gray"), S("imageMogr2/grayscale/1"), &resp));
  /* A response without a style list. */
  CHECK_RC(cos_ci_response_style_count(resp, &n), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);

  /* All styles: both, by name. */
  CHECK_OK(cos_ci_client_get_image_style(c, S(BUCKET), NULL, 0, &resp));
  CHECK_OK(cos_ci_response_style_count(resp, &n));
  CHECK_U64(n, 2);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    text_buf name, body;
    CHECK_OK(cos_ci_response_style_name(resp, i, OUT(name)));
    CHECK_OK(cos_ci_response_style_body(resp, i, OUT(body)));
    if (strcmp(name.s, "thumb") == 0) {
      CHECK_STR(body.s, "imageMogr2/thumbnail/100x");
      seen |= 1;
    } else if (strcmp(name.s, "gray") == 0) {
      CHECK_STR(body.s, "imageMogr2/grayscale/1");
      seen |= 2;
    }
  }
  CHECK_U64(seen, 3);
  CHECK_RC(cos_ci_response_style_name(resp, 2, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  cos_ci_response_free(resp);

  /* One style by name, and one that does not exist. */
  CHECK_OK(cos_ci_client_get_image_style(c, S(BUCKET), S("thumb"), &resp));
  CHECK_OK(cos_ci_response_style_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_style_body(resp, 0, OUT(b)));
  CHECK_STR(b.s, "imageMogr2/thumbnail/100x");
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_get_image_style(c, S(BUCKET), S("nosuch"), &resp));
  CHECK_OK(cos_ci_response_style_count(resp, &n));
  CHECK_U64(n, 0);
  cos_ci_response_free(resp);

  /* ci_get_object: a download by style/NAME, in memory and into a file. */
  put(c, "styles/photo.jpg", photo, photo_len);
  CHECK_OK(cos_ci_client_get_object(c, S(BUCKET), S("styles/photo.jpg"), S("style/thumb"), NULL, 0, &resp));
  size_t len = 0;
  uint8_t *thumb = body_of(resp, &len);
  uint64_t w = 0, h = 0;
  if (thumb) dimensions(thumb, len, &w, &h);
  CHECK_U64(w, 100);
  CHECK_U64(h, 63); /* 640x400 scaled to width 100, rounded */
  free(thumb);
  cos_ci_response_free(resp);
  char path[2300];
  snprintf(path, sizeof path, "%s/styled-thumb.jpg", scratch);
  CHECK_OK(cos_ci_client_get_object_to_file(c, S(BUCKET), S("styles/photo.jpg"), S("style/thumb"), S(path), NULL, 0, &resp));
  cos_ci_response_free(resp);
  char *file = read_file(path, &len);
  dimensions((const uint8_t *)file, len, &w, &h);
  CHECK_U64(w, 100);
  free(file);

  /* Delete one; the other stays. */
  CHECK_OK(cos_ci_client_delete_image_style(c, S(BUCKET), S("gray"), &resp));
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_get_image_style(c, S(BUCKET), NULL, 0, &resp));
  CHECK_OK(cos_ci_response_style_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_style_name(resp, 0, OUT(b)));
  CHECK_STR(b.s, "thumb");
  cos_ci_response_free(resp);

  /* A malformed rule is refused before sending; the client says where. */
  resp = NULL;
  CHECK_RC(cos_ci_client_put_image_style(c, S(BUCKET), S("bad"), S("imageMogr2/rotate/400"), &resp),
           COS_CI_RESULT_CLIENT_ERROR);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(c, OUT(b)));
  CHECK(strstr(b.s, "400") != NULL);
  CHECK_RC(cos_ci_client_put_image_style(NULL, S(BUCKET), S("x"), S("imageMogr2/grayscale/1"), &resp),
           COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_client_get_image_style(c, S(BUCKET), NULL, 0, NULL), COS_CI_RESULT_NULL_PARAMETER);
}

/* The JSON of an inspection result handle. */
static void inspect_json(const cos_ci_inspect_result *r, text_buf *b) {
  CHECK_OK(cos_ci_inspect_result_json(r, (uint8_t *)b->s, sizeof b->s, &b->n));
}

static void test_inspect(cos_ci_client *c, const char *photo, size_t photo_len) {
  static const char payload[] = "PK\x03\x04 a zip archive follows";
  size_t payload_len = sizeof payload - 1; /* 26 */
  size_t hidden_len = photo_len + payload_len;
  char *hidden = malloc(hidden_len);
  memcpy(hidden, photo, photo_len);
  memcpy(hidden + photo_len, payload, payload_len);
  put(c, "inspect/clean.jpg", photo, photo_len);
  put(c, "inspect/hidden.jpg", hidden, hidden_len);

  /* Local: a clean photo and the same with a ZIP appended. */
  cos_ci_inspect_result *local = NULL;
  text_buf b, local_json;
  uint64_t v = 0, begin = 0, end = 0, size = 0;
  bool suspicious = true;
  CHECK_OK(cos_ci_inspect_result_new(&local));
  CHECK_RC(cos_ci_inspect_result_pic_size(local, &v), COS_CI_RESULT_NOT_PRESENT);
  CHECK_OK(cos_ci_inspect_result_read(local, (const uint8_t *)photo, photo_len));
  CHECK_OK(cos_ci_inspect_result_suspicious(local, &suspicious));
  CHECK(!suspicious);
  CHECK_RC(cos_ci_inspect_result_suspicious_range(local, &begin, &end, &size), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_inspect_result_suspicious_type(local, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  inspect_json(local, &local_json);
  CHECK_STR(local_json.s, "{\"picSize\":55130,\"picType\":\"jpeg\",\"suspicious\":false}");

  CHECK_OK(cos_ci_inspect_result_read(local, (const uint8_t *)hidden, hidden_len));
  CHECK_OK(cos_ci_inspect_result_pic_size(local, &v));
  CHECK_U64(v, hidden_len);
  CHECK_OK(cos_ci_inspect_result_pic_type(local, OUT(b)));
  CHECK_STR(b.s, "jpeg");
  CHECK_OK(cos_ci_inspect_result_suspicious(local, &suspicious));
  CHECK(suspicious);
  CHECK_OK(cos_ci_inspect_result_suspicious_range(local, &begin, &end, &size));
  CHECK_U64(begin, photo_len);
  CHECK_U64(end, hidden_len - 1);
  CHECK_U64(size, payload_len);
  CHECK_OK(cos_ci_inspect_result_suspicious_type(local, OUT(b)));
  CHECK_STR(b.s, "ZIP");
  inspect_json(local, &local_json);
  CHECK_STR(local_json.s,
            "{\"picSize\":55156,\"picType\":\"jpeg\",\"suspicious\":true,\"suspiciousBeginByte\":55130,"
            "\"suspiciousEndByte\":55155,\"suspiciousSize\":26,\"suspiciousType\":\"ZIP\"}");

  /* Remote: the same answers. */
  cos_ci_response *resp = NULL;
  const cos_ci_inspect_result *remote = NULL;
  CHECK_OK(cos_ci_client_image_inspect(c, S(BUCKET), S("inspect/hidden.jpg"), &resp));
  CHECK_OK(cos_ci_response_inspect_result(resp, &remote));
  if (remote) {
    inspect_json(remote, &b);
    CHECK_STR(b.s, local_json.s);
    CHECK_OK(cos_ci_inspect_result_suspicious_type(remote, OUT(b)));
    CHECK_STR(b.s, "ZIP");
  }
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_image_inspect(c, S(BUCKET), S("inspect/clean.jpg"), &resp));
  CHECK_OK(cos_ci_response_inspect_result(resp, &remote));
  if (remote) {
    inspect_json(remote, &b);
    CHECK_STR(b.s, "{\"picSize\":55130,\"picType\":\"jpeg\",\"suspicious\":false}");
  }
  /* Other typed answers are absent from this response. */
  const cos_ci_qrcode_result *qr = (const cos_ci_qrcode_result *)1;
  CHECK_RC(cos_ci_response_qrcode_result(resp, &qr), COS_CI_RESULT_NOT_PRESENT);
  CHECK(qr == NULL);
  cos_ci_response_free(resp);

  /* A missing object is the service's 404. */
  CHECK_RC(cos_ci_client_image_inspect(c, S(BUCKET), S("inspect/none.jpg"), &resp), COS_CI_RESULT_SERVICE_ERROR);
  uint16_t st = 0;
  if (resp) cos_ci_response_status(resp, &st);
  CHECK_U64(st, 404);
  cos_ci_response_free(resp);

  /* Not an image: typed error, the service's code in the last error. */
  CHECK_RC(cos_ci_inspect_result_read(local, S("not an image at all")), COS_CI_RESULT_INVALID_IMAGE);
  CHECK_OK(cos_ci_inspect_result_last_error(local, OUT(b)));
  CHECK(strncmp(b.s, "InvalidImageFormat: ", 20) == 0);
  CHECK_RC(cos_ci_inspect_result_pic_size(local, &v), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_inspect_result_read(NULL, S("x")), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_inspect_result_read(local, NULL, 3), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_inspect_result_free(local);
  cos_ci_inspect_result_free(NULL);
  free(hidden);
}

#define CODE_TEXT "https://cloud.tencent.com/product/ci?from=c"

/* The code's corners, as a string "x,y x,y x,y x,y". */
static void corners(const cos_ci_qrcode_result *r, size_t index, char *out, size_t out_size) {
  size_t points = 0;
  out[0] = 0;
  CHECK_OK(cos_ci_qrcode_result_point_count(r, index, &points));
  CHECK_U64(points, 4);
  for (size_t p = 0; p < points; p++) {
    int64_t x = -1, y = -1;
    CHECK_OK(cos_ci_qrcode_result_point(r, index, p, &x, &y));
    size_t used = strlen(out);
    snprintf(out + used, out_size - used, "%s%lld,%lld", p ? " " : "", (long long)x, (long long)y);
  }
}

/* Upload with a QRcode/cover/0 rule (the SDK's ci_put_object_from_local_file_and_get_qrcode):
 * the object's CodeStatus, the code's text and its corners, as the recognition found them
 * (`want_corners`); then a photo without codes: CodeStatus 0, no codes. */
static void test_upload_qrcode(cos_ci_client *c, const uint8_t *png, size_t png_len, const char *photo,
                               size_t photo_len, const char *want_corners) {
  const char *ops = "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"qr/upload-out.png\",\"rule\":\"QRcode/cover/0\"}]}";
  const cos_ci_kv pic[] = {{(const uint8_t *)"PicOperations", 13, (const uint8_t *)ops, strlen(ops)}};
  cos_ci_response *resp = NULL;
  const cos_ci_upload_result *ur = NULL;
  text_buf b;
  size_t n = 99;
  uint64_t status = 9;
  CHECK_OK(cos_ci_client_put_object(c, S(BUCKET), S("qr/upload.png"), png, png_len, pic, 1, &resp));
  CHECK_OK(cos_ci_response_upload_result(resp, &ur));
  if (ur) {
    CHECK_OK(cos_ci_upload_result_object_count(ur, &n));
    CHECK_U64(n, 1);
    CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_CODE_STATUS, &status));
    CHECK_U64(status, 1);
    CHECK_OK(cos_ci_upload_result_object_qrcode_count(ur, 0, &n));
    CHECK_U64(n, 1);
    CHECK_OK(cos_ci_upload_result_object_qrcode_text(ur, 0, 0, OUT(b)));
    CHECK_STR(b.s, CODE_TEXT);
    CHECK_OK(cos_ci_upload_result_object_qrcode_point_count(ur, 0, 0, &n));
    CHECK_U64(n, 4);
    char got[256] = "";
    for (size_t p = 0; p < n && p < 4; p++) {
      int64_t x = -1, y = -1;
      CHECK_OK(cos_ci_upload_result_object_qrcode_point(ur, 0, 0, p, &x, &y));
      size_t used = strlen(got);
      snprintf(got + used, sizeof got - used, "%s%lld,%lld", p ? " " : "", (long long)x, (long long)y);
    }
    CHECK_STR(got, want_corners);
    int64_t x = 0, y = 0;
    CHECK_RC(cos_ci_upload_result_object_qrcode_point(ur, 0, 0, 4, &x, &y), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_RC(cos_ci_upload_result_object_qrcode_text(ur, 0, 1, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_RC(cos_ci_upload_result_object_qrcode_count(ur, 1, &n), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_RC(cos_ci_upload_result_object_qrcode_count(ur, 0, NULL), COS_CI_RESULT_NULL_PARAMETER);
  }
  cos_ci_response_free(resp);

  resp = NULL;
  ur = NULL;
  CHECK_OK(cos_ci_client_put_object(c, S(BUCKET), S("qr/upload.jpg"), (const uint8_t *)photo, photo_len, pic, 1,
                                    &resp));
  CHECK_OK(cos_ci_response_upload_result(resp, &ur));
  n = 99;
  status = 9;
  if (ur) {
    CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_CODE_STATUS, &status));
    CHECK_OK(cos_ci_upload_result_object_qrcode_count(ur, 0, &n));
  }
  CHECK_U64(status, 0);
  CHECK_U64(n, 0);
  cos_ci_response_free(resp);
}

static void test_qrcode(cos_ci_client *c, const char *photo, size_t photo_len) {
  /* Generate on the server and locally: the same PNG. */
  cos_ci_response *resp = NULL;
  CHECK_OK(cos_ci_client_qrcode_generate(c, S(BUCKET), S(CODE_TEXT), 300, 0, &resp));
  size_t remote_len = 0;
  uint8_t *remote_png = body_of(resp, &remote_len);
  cos_ci_response_free(resp);
  CHECK(remote_png && remote_len > 8 && memcmp(remote_png, "\x89PNG\r\n\x1a\n", 8) == 0);

  cos_ci_processed *made = NULL;
  const uint8_t *png = NULL;
  size_t png_len = 0;
  text_buf b;
  CHECK_OK(cos_ci_processed_new(&made));
  CHECK_OK(cos_ci_qrcode_generate(made, S(CODE_TEXT), 300, 0));
  CHECK_OK(cos_ci_processed_bytes(made, &png, &png_len));
  CHECK_U64(png_len, remote_len);
  CHECK(remote_png && png_len == remote_len && memcmp(png, remote_png, png_len) == 0);
  CHECK_OK(cos_ci_processed_format(made, OUT(b)));
  CHECK_STR(b.s, "png");
  const cos_ci_image_info *made_info = NULL;
  uint64_t w = 0, h = 0;
  CHECK_OK(cos_ci_processed_image_info(made, &made_info));
  if (made_info) {
    CHECK_OK(cos_ci_image_info_number(made_info, COS_CI_FIELD_WIDTH, &w));
    CHECK_OK(cos_ci_image_info_number(made_info, COS_CI_FIELD_HEIGHT, &h));
  }
  CHECK_U64(w, 300);
  CHECK_U64(h, 300);

  /* A barcode: a third as high as wide. */
  CHECK_OK(cos_ci_client_qrcode_generate(c, S(BUCKET), S("CI-128"), 300, 1, &resp));
  size_t bar_len = 0;
  uint8_t *bar = body_of(resp, &bar_len);
  cos_ci_response_free(resp);
  if (bar) dimensions(bar, bar_len, &w, &h);
  CHECK_U64(w, 300);
  CHECK_U64(h, 100);
  free(bar);
  CHECK_RC(cos_ci_qrcode_generate(made, S(CODE_TEXT), 300, 2), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_OK(cos_ci_processed_last_error(made, OUT(b)));
  CHECK(strstr(b.s, "mode 2") != NULL);
  CHECK_RC(cos_ci_qrcode_generate(made, S(""), 300, 0), COS_CI_RESULT_INVALID_ARGUMENT);
  resp = NULL;
  CHECK_RC(cos_ci_client_qrcode_generate(c, S(BUCKET), S(CODE_TEXT), 300, 7, &resp), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);

  /* Recognise it locally and on the server: the text, the same corners. */
  put(c, "qr/code.png", remote_png, remote_len);
  put(c, "qr/photo.jpg", photo, photo_len);
  cos_ci_qrcode_result *local = NULL;
  size_t n = 0;
  char local_corners[256], remote_corners[256];
  CHECK_OK(cos_ci_qrcode_result_new(&local));
  CHECK_RC(cos_ci_qrcode_result_count(local, &n), COS_CI_RESULT_NOT_PRESENT);
  CHECK_OK(cos_ci_qrcode_result_read(local, remote_png, remote_len, false));
  CHECK_OK(cos_ci_qrcode_result_count(local, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_qrcode_result_text(local, 0, OUT(b)));
  CHECK_STR(b.s, CODE_TEXT);
  corners(local, 0, local_corners, sizeof local_corners);
  CHECK_RC(cos_ci_qrcode_result_image(local, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_qrcode_result_text(local, 1, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  int64_t x = 0, y = 0;
  CHECK_RC(cos_ci_qrcode_result_point(local, 0, 4, &x, &y), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RC(cos_ci_qrcode_result_point(local, 0, 0, NULL, &y), COS_CI_RESULT_NULL_PARAMETER);

  const cos_ci_qrcode_result *remote = NULL;
  CHECK_OK(cos_ci_client_get_object_qrcode(c, S(BUCKET), S("qr/code.png"), false, 0, &resp));
  CHECK_OK(cos_ci_response_qrcode_result(resp, &remote));
  if (remote) {
    CHECK_OK(cos_ci_qrcode_result_count(remote, &n));
    CHECK_U64(n, 1);
    CHECK_OK(cos_ci_qrcode_result_text(remote, 0, OUT(b)));
    CHECK_STR(b.s, CODE_TEXT);
    corners(remote, 0, remote_corners, sizeof remote_corners);
    CHECK_STR(remote_corners, local_corners);
    CHECK_RC(cos_ci_qrcode_result_image(remote, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
    text_buf local_xml;
    CHECK_OK(cos_ci_qrcode_result_to_xml(local, OUT(local_xml)));
    CHECK_OK(cos_ci_qrcode_result_to_xml(remote, OUT(b)));
    CHECK_STR(b.s, local_xml.s);
    static const char head[] = "<Response>\n<CodeStatus>1</CodeStatus>\n<QRcodeInfo>\n<CodeUrl>" CODE_TEXT "</CodeUrl>";
    CHECK(strncmp(b.s, head, sizeof head - 1) == 0);
  }
  cos_ci_response_free(resp);

  /* cover=1: the covered image comes back; no code is left in it. */
  CHECK_OK(cos_ci_client_get_object_qrcode(c, S(BUCKET), S("qr/code.png"), true, 0, &resp));
  CHECK_OK(cos_ci_response_qrcode_result(resp, &remote));
  if (remote) {
    size_t covered_len = 0;
    CHECK_RC(cos_ci_qrcode_result_image(remote, NULL, 0, &covered_len), COS_CI_RESULT_BUFFER_TOO_SMALL);
    uint8_t *covered = malloc(covered_len + 1);
    CHECK_OK(cos_ci_qrcode_result_image(remote, covered, covered_len + 1, &covered_len));
    CHECK(covered_len > 8 && memcmp(covered, "\x89PNG\r\n\x1a\n", 8) == 0);
    dimensions(covered, covered_len, &w, &h);
    CHECK_U64(w, 300);
    cos_ci_qrcode_result *again = NULL;
    CHECK_OK(cos_ci_qrcode_result_new(&again));
    CHECK_OK(cos_ci_qrcode_result_read(again, covered, covered_len, false));
    CHECK_OK(cos_ci_qrcode_result_count(again, &n));
    CHECK_U64(n, 0);
    cos_ci_qrcode_result_free(again);
    free(covered);
  }
  cos_ci_response_free(resp);
  /* And locally. */
  CHECK_OK(cos_ci_qrcode_result_read(local, remote_png, remote_len, true));
  CHECK_OK(cos_ci_qrcode_result_count(local, &n));
  CHECK_U64(n, 1);
  size_t covered_len = 0;
  CHECK_RC(cos_ci_qrcode_result_image(local, NULL, 0, &covered_len), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK(covered_len > 0);

  /* A photo without codes: none, both ways. */
  CHECK_OK(cos_ci_qrcode_result_read(local, (const uint8_t *)photo, photo_len, false));
  CHECK_OK(cos_ci_qrcode_result_count(local, &n));
  CHECK_U64(n, 0);
  CHECK_OK(cos_ci_qrcode_result_to_xml(local, OUT(b)));
  CHECK_STR(b.s, "<Response>\n<CodeStatus>0</CodeStatus>\n</Response>");
  CHECK_OK(cos_ci_client_get_object_qrcode(c, S(BUCKET), S("qr/photo.jpg"), false, 0, &resp));
  CHECK_OK(cos_ci_response_qrcode_result(resp, &remote));
  n = 99;
  if (remote) CHECK_OK(cos_ci_qrcode_result_count(remote, &n));
  CHECK_U64(n, 0);
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_RC(cos_ci_client_get_object_qrcode(c, S(BUCKET), S("qr/photo.jpg"), false, 3, &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_qrcode_result_read(local, S("junk"), false), COS_CI_RESULT_INVALID_IMAGE);

  /* The generic ci-process: the answer as sent, with its Content-Type. */
  cos_ci_kv params[] = {{(const uint8_t *)"cover", 5, (const uint8_t *)"0", 1}};
  CHECK_OK(cos_ci_client_ci_process(c, S(BUCKET), S("qr/code.png"), S("QRcode"), params, 1, &resp));
  size_t xml_len = 0;
  uint8_t *xml = body_of(resp, &xml_len);
  CHECK(xml && strstr((const char *)xml, "<CodeUrl>" CODE_TEXT "</CodeUrl>") != NULL);
  free(xml);
  CHECK_OK(cos_ci_response_header_get(resp, S("Content-Type"), OUT(b)));
  CHECK_STR(b.s, "application/xml");
  cos_ci_response_free(resp);
  resp = NULL;
  cos_ci_kv refused[] = {{(const uint8_t *)"center-layout", 13, (const uint8_t *)"2", 1}};
  CHECK_RC(cos_ci_client_ci_process(c, S(BUCKET), S("qr/photo.jpg"), S("AIPicMatting"), refused, 1, &resp),
           COS_CI_RESULT_CLIENT_ERROR);
  CHECK(resp == NULL);
  cos_ci_kv no_value[] = {{(const uint8_t *)"cover", 5, NULL, 0}};
  CHECK_RC(cos_ci_client_ci_process(c, S(BUCKET), S("qr/code.png"), S("QRcode"), no_value, 1, &resp),
           COS_CI_RESULT_NULL_PARAMETER);

  test_upload_qrcode(c, remote_png, remote_len, photo, photo_len, local_corners);

  cos_ci_qrcode_result_free(local);
  cos_ci_processed_free(made);
  free(remote_png);
}

static void test_image_info(cos_ci_client *c, const char *photo, size_t photo_len) {
  size_t cam_len = 0, png_len = 0;
  char *camera = corpus_file("exif-camera.jpg", &cam_len);
  char *png = corpus_file("photo.png", &png_len);
  put(c, "info/photo.jpg", photo, photo_len);
  put(c, "info/camera.jpg", camera, cam_len);
  put(c, "info/photo.png", png, png_len);
  cos_ci_response *resp = NULL;
  text_buf b;
  uint64_t v = 0;

  /* imageInfo: as the local engine reads the same bytes. */
  const cos_ci_image_info *info = NULL;
  CHECK_OK(cos_ci_client_get_image_info(c, S(BUCKET), S("info/photo.jpg"), &resp));
  CHECK_OK(cos_ci_response_image_info(resp, &info));
  if (info) {
    CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_FORMAT, OUT(b)));
    CHECK_STR(b.s, "JPEG");
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, &v));
    CHECK_U64(v, 640);
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_HEIGHT, &v));
    CHECK_U64(v, 400);
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_SIZE, &v));
    CHECK_U64(v, 55130);
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_FRAME_COUNT, &v));
    CHECK_U64(v, 1);
    CHECK_OK(cos_ci_image_info_string(info, COS_CI_FIELD_MD5, OUT(b)));
    CHECK_STR(b.s, "8b84da093bb37c6ecb70b0329b2fe9ff"); /* md5sum photo.jpg */
    /* The typed answer keeps no JSON; the body is not kept either. */
    CHECK_RC(cos_ci_image_info_json(info, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  }
  uint32_t rgb = 0;
  CHECK_RC(cos_ci_response_image_ave(resp, &rgb), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_get_image_info(c, S(BUCKET), S("info/camera.jpg"), &resp));
  CHECK_OK(cos_ci_response_image_info(resp, &info));
  if (info) {
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_VERTICAL_DPI, &v));
    CHECK_U64(v, 300);
  }
  cos_ci_response_free(resp);

  /* imageAve: the colour the local engine's imageAve rule answers. */
  cos_ci_processed *p = NULL;
  const uint8_t *json = NULL;
  size_t json_len = 0;
  CHECK_OK(cos_ci_processed_new(&p));
  CHECK_OK(cos_ci_process(p, (const uint8_t *)photo, photo_len, S("imageAve")));
  CHECK_OK(cos_ci_processed_bytes(p, &json, &json_len));
  unsigned local_rgb = 0;
  char json_text[64] = ""; /* the bytes are not NUL-terminated */
  if (json && json_len < sizeof json_text) memcpy(json_text, json, json_len);
  CHECK(sscanf(json_text, "{\"RGB\":\"0x%6x\"}", &local_rgb) == 1);
  cos_ci_processed_free(p);
  CHECK_OK(cos_ci_client_get_image_ave_info(c, S(BUCKET), S("info/photo.jpg"), &resp));
  CHECK_OK(cos_ci_response_image_ave(resp, &rgb));
  CHECK_U64(rgb, local_rgb);
  CHECK(rgb != 0);
  cos_ci_response_free(resp);

  /* exif: the camera's tags, by name and by index; none in a PNG. */
  size_t n = 0;
  CHECK_OK(cos_ci_client_get_image_exif_info(c, S(BUCKET), S("info/camera.jpg"), &resp));
  CHECK_OK(cos_ci_response_exif_get(resp, S("Make"), OUT(b)));
  CHECK_STR(b.s, "Canon");
  CHECK_OK(cos_ci_response_exif_get(resp, S("Model"), OUT(b)));
  CHECK_STR(b.s, "Canon EOS 5D Mark IV");
  CHECK_OK(cos_ci_response_exif_get(resp, S("DateTime"), OUT(b)));
  CHECK_STR(b.s, "2024:05:01 10:20:30");
  CHECK_RC(cos_ci_response_exif_get(resp, S("make"), OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  CHECK_OK(cos_ci_response_exif_count(resp, &n));
  CHECK(n >= 3);
  int found = 0;
  text_buf prev = {"", 0};
  for (size_t i = 0; i < n; i++) {
    text_buf name, value;
    CHECK_OK(cos_ci_response_exif_name(resp, i, OUT(name)));
    CHECK_OK(cos_ci_response_exif_value(resp, i, OUT(value)));
    CHECK(strcmp(prev.s, name.s) < 0); /* name order */
    prev = name;
    if (strcmp(name.s, "Make") == 0) found += strcmp(value.s, "Canon") == 0;
  }
  CHECK_U64(found, 1);
  CHECK_RC(cos_ci_response_exif_name(resp, n, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_get_image_exif_info(c, S(BUCKET), S("info/photo.png"), &resp));
  CHECK_OK(cos_ci_response_exif_count(resp, &n));
  CHECK_U64(n, 0);
  cos_ci_response_free(resp);
  free(camera);
  free(png);
}

static void test_download_compress(cos_ci_client *c, const char *photo, size_t photo_len) {
  put(c, "compress/photo.jpg", photo, photo_len);
  cos_ci_response *resp = NULL;
  text_buf b;
  uint64_t w = 0, h = 0;
  size_t len = 0;
  CHECK_OK(cos_ci_client_download_compress_image(c, S(BUCKET), S("compress/photo.jpg"), S("webp"), NULL, 0, &resp));
  uint8_t *webp = body_of(resp, &len);
  CHECK(webp && len > 12 && memcmp(webp, "RIFF", 4) == 0 && memcmp(webp + 8, "WEBP", 4) == 0);
  if (webp) dimensions(webp, len, &w, &h);
  CHECK_U64(w, 640);
  CHECK_U64(h, 400);
  free(webp);
  CHECK_OK(cos_ci_response_header_get(resp, S("Content-Type"), OUT(b)));
  CHECK_STR(b.s, "image/webp");
  cos_ci_response_free(resp);

  /* AVIF of a 160x100 copy: encoding 640x400 under valgrind outlasts the server's 60 s
   * processing limit. */
  cos_ci_processed *small = NULL;
  const uint8_t *small_jpeg = NULL;
  size_t small_len = 0;
  CHECK_OK(cos_ci_processed_new(&small));
  CHECK_OK(cos_ci_process(small, (const uint8_t *)photo, photo_len, S("imageMogr2/thumbnail/160x")));
  CHECK_OK(cos_ci_processed_bytes(small, &small_jpeg, &small_len));
  if (small_jpeg) put(c, "compress/small.jpg", small_jpeg, small_len);
  cos_ci_processed_free(small);
  char path[2300];
  snprintf(path, sizeof path, "%s/compressed.avif", scratch);
  CHECK_OK(cos_ci_client_download_compress_image(c, S(BUCKET), S("compress/small.jpg"), S("avif"), S(path), &resp));
  len = 0;
  uint8_t *body = body_of(resp, &len);
  CHECK_U64(len, 0); /* into the file, not the response */
  free(body);
  cos_ci_response_free(resp);
  char *avif = read_file(path, &len);
  CHECK(len > 12 && memcmp(avif + 4, "ftypavif", 8) == 0);
  free(avif);

  /* The cloud's tpg: the local server refuses it as unsupported. */
  CHECK_RC(cos_ci_client_download_compress_image(c, S(BUCKET), S("compress/photo.jpg"), S("tpg"), NULL, 0, &resp),
           COS_CI_RESULT_SERVICE_ERROR);
  uint16_t st = 0;
  if (resp) cos_ci_response_status(resp, &st);
  CHECK(st >= 400);
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_RC(cos_ci_client_download_compress_image(c, S(BUCKET), S("compress/photo.jpg"), S(""), NULL, 0, &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);
}

/* Asynchronous jobs against the local server's job engine: open the bucket, read its
 * queue, create a job, wait for it, get and list it; the result object is stored. */
/* The pic-bucket list (bucket-less GET /picbucket), filtered to BUCKET: `want` buckets,
 * BUCKET in ap-guangzhou when there is one. A filter it does not know is refused. */
static void test_pic_buckets(cos_ci_client *c, size_t want) {
  const cos_ci_kv only[] = {{(const uint8_t *)"BucketNames", 11, (const uint8_t *)BUCKET, strlen(BUCKET)},
                            {(const uint8_t *)"PageSize", 8, (const uint8_t *)"10", 2}};
  cos_ci_response *resp = NULL;
  text_buf b;
  size_t n = 99;
  CHECK_OK(cos_ci_client_get_pic_buckets(c, only, 2, &resp));
  CHECK_OK(cos_ci_response_pic_bucket_count(resp, &n));
  CHECK_U64(n, want);
  if (want == 1) {
    CHECK_OK(cos_ci_response_pic_bucket_id(resp, 0, OUT(b)));
    CHECK_STR(b.s, BUCKET);
    CHECK_OK(cos_ci_response_pic_bucket_region(resp, 0, OUT(b)));
    CHECK_STR(b.s, "ap-guangzhou");
  }
  CHECK_RC(cos_ci_response_pic_bucket_id(resp, want, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RC(cos_ci_response_pic_queue_count(resp, &n), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);
  const cos_ci_kv unknown[] = {{(const uint8_t *)"Region", 6, (const uint8_t *)"ap-guangzhou", 12}};
  resp = (cos_ci_response *)1;
  CHECK_RC(cos_ci_client_get_pic_buckets(c, unknown, 1, &resp), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(c, OUT(b)));
  CHECK(strstr(b.s, "unknown option \"Region\"") != NULL);
}

static void test_jobs(cos_ci_client *c, const char *photo, size_t photo_len) {
  put(c, "jobs/photo.jpg", photo, photo_len);
  cos_ci_response *resp = NULL;
  text_buf b, queue, job_id;
  size_t n = 0;
  uint64_t v = 0;
  CHECK_OK(cos_ci_client_open_pic_bucket(c, S(BUCKET), &resp));
  CHECK_OK(cos_ci_response_pic_bucket_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_pic_bucket_id(resp, 0, OUT(b)));
  CHECK_STR(b.s, BUCKET);
  cos_ci_response_free(resp);
  test_pic_buckets(c, 1);
  CHECK_OK(cos_ci_client_get_pic_queue(c, S(BUCKET), &resp));
  CHECK_OK(cos_ci_response_pic_queue_count(resp, &n));
  CHECK_U64(n, 1);
  queue.s[0] = 0;
  CHECK_OK(cos_ci_response_pic_queue_id(resp, 0, OUT(queue)));
  CHECK(queue.n == 33 && queue.s[0] == 'p');
  CHECK_OK(cos_ci_response_pic_queue_state(resp, 0, OUT(b)));
  CHECK_STR(b.s, "Active");
  cos_ci_response_free(resp);

  const cos_ci_kv opts[] = {{(const uint8_t *)"UserData", 8, (const uint8_t *)"from-c", 6}};
  CHECK_OK(cos_ci_client_create_pic_jobs(c, S(BUCKET), S(queue.s), S("jobs/photo.jpg"), S("ap-guangzhou"), S(BUCKET),
                                         S("jobs/thumb.webp"), S("imageMogr2/thumbnail/200x/format/webp"), opts, 1,
                                         &resp));
  const cos_ci_pic_job *created = NULL;
  job_id.s[0] = 0;
  CHECK_OK(cos_ci_response_pic_job(resp, 0, &created));
  if (created) {
    CHECK_OK(cos_ci_pic_job_string(created, COS_CI_JOB_FIELD_JOB_ID, OUT(job_id)));
    CHECK(job_id.n == 33 && job_id.s[0] == 'c');
    CHECK_OK(cos_ci_pic_job_string(created, COS_CI_JOB_FIELD_QUEUE_ID, OUT(b)));
    CHECK_STR(b.s, queue.s);
    CHECK_OK(cos_ci_pic_job_string(created, COS_CI_JOB_FIELD_USER_DATA, OUT(b)));
    CHECK_STR(b.s, "from-c");
  }
  cos_ci_response_free(resp);

  cos_ci_pic_job *done = NULL;
  CHECK_OK(cos_ci_client_wait_for_job(c, S(BUCKET), S(job_id.s), 120000, &done));
  if (done) {
    CHECK_OK(cos_ci_pic_job_string(done, COS_CI_JOB_FIELD_STATE, OUT(b)));
    CHECK_STR(b.s, "Success");
    CHECK_OK(cos_ci_pic_job_string(done, COS_CI_JOB_FIELD_RESULT_OBJECT, OUT(b)));
    CHECK_STR(b.s, "jobs/thumb.webp");
    CHECK_OK(cos_ci_pic_job_number(done, COS_CI_JOB_FIELD_RESULT_WIDTH, &v));
    CHECK_U64(v, 200);
    CHECK_OK(cos_ci_pic_job_number(done, COS_CI_JOB_FIELD_RESULT_HEIGHT, &v));
    CHECK_U64(v, 125);
  }
  cos_ci_pic_job_free(done);
  /* The result is stored: 200x125 WebP. */
  CHECK_OK(cos_ci_client_get_object(c, S(BUCKET), S("jobs/thumb.webp"), NULL, 0, NULL, 0, &resp));
  size_t len = 0;
  uint8_t *thumb = body_of(resp, &len);
  uint64_t w = 0, h = 0;
  CHECK(thumb && len > 12 && memcmp(thumb + 8, "WEBP", 4) == 0);
  if (thumb) dimensions(thumb, len, &w, &h);
  CHECK_U64(w, 200);
  CHECK_U64(h, 125);
  free(thumb);
  cos_ci_response_free(resp);

  /* Get it with an unknown id; list it. */
  char ids[BUF + 40];
  snprintf(ids, sizeof ids, "%s,c00000000000000000000000000000000", job_id.s);
  CHECK_OK(cos_ci_client_get_pic_jobs(c, S(BUCKET), S(ids), &resp));
  CHECK_OK(cos_ci_response_pic_job_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_non_exist_job_id(resp, 0, OUT(b)));
  CHECK_STR(b.s, "c00000000000000000000000000000000");
  cos_ci_response_free(resp);
  const cos_ci_kv list_opts[] = {{(const uint8_t *)"States", 6, (const uint8_t *)"Success", 7}};
  CHECK_OK(cos_ci_client_list_pic_jobs(c, S(BUCKET), list_opts, 1, &resp));
  CHECK_OK(cos_ci_response_pic_job_count(resp, &n));
  CHECK_U64(n, 1);
  const cos_ci_pic_job *listed = NULL;
  CHECK_OK(cos_ci_response_pic_job(resp, 0, &listed));
  if (listed) {
    CHECK_OK(cos_ci_pic_job_string(listed, COS_CI_JOB_FIELD_JOB_ID, OUT(b)));
    CHECK_STR(b.s, job_id.s);
  }
  CHECK_OK(cos_ci_response_pic_jobs_next_token(resp, OUT(b)));
  CHECK_STR(b.s, "");
  cos_ci_response_free(resp);
  CHECK_RC(cos_ci_client_wait_for_job(c, S(BUCKET), S("c00000000000000000000000000000000"), 10000, &done),
           COS_CI_RESULT_JOB_NOT_FOUND);

  /* Closed: the bucket leaves the list. */
  CHECK_OK(cos_ci_client_close_pic_bucket(c, S(BUCKET), &resp));
  CHECK_RC(cos_ci_response_pic_bucket_count(resp, &n), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);
  test_pic_buckets(c, 0);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_image_api CORPUS_DIR SCRATCH_DIR\n");
    return 2;
  }
  snprintf(corpus, sizeof corpus, "%s", argv[1]);
  snprintf(scratch, sizeof scratch, "%s", argv[2]);
  cos_ci_local_server *server = NULL;
  CHECK_OK(cos_ci_local_server_start(NULL, 0, NULL, 0, NULL, 0, &server));
  if (!server) return check_done("test_image_api");
  uint16_t port = 0;
  CHECK_OK(cos_ci_local_server_port(server, &port));
  cos_ci_client *client = client_for(port);
  size_t photo_len = 0;
  char *photo = corpus_file("photo.jpg", &photo_len);

  test_styles(client, photo, photo_len);
  test_inspect(client, photo, photo_len);
  test_qrcode(client, photo, photo_len);
  test_image_info(client, photo, photo_len);
  test_download_compress(client, photo, photo_len);
  test_jobs(client, photo, photo_len);

  /* Accessors refuse NULL. */
  size_t n = 0;
  uint32_t rgb = 0;
  const cos_ci_inspect_result *ir = NULL;
  CHECK_RC(cos_ci_response_style_count(NULL, &n), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_response_exif_count(NULL, &n), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_response_image_ave(NULL, &rgb), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_response_inspect_result(NULL, &ir), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_qrcode_result_count(NULL, &n), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_qrcode_result_free(NULL);

  free(photo);
  cos_ci_client_free(client);
  cos_ci_local_server_free(server);
  return check_done("test_image_api");
}
