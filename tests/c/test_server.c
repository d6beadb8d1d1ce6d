/* The client against the project's local COS + CI server (`cos-ci serve`, started by
 * run.sh, address in COS_CI_TEST_SERVER=host:port, credentials AKIDlocal/sk-local).
 * Skipped (exit 77) when the variable is unset.
 * Covers: PUT from a buffer and a file, GET into a buffer and a file, multipart upload,
 * real service errors (NoSuchKey; a wrong secret key), Pic-Operations processing
 * of tests/fixtures/corpus/photo.jpg by the server's engine (argv[2] = the corpus), and
 * the same upload as a call polled from an event loop (cos_ci_call_*). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <unistd.h>

#include "check.h"

#define BUCKET "capitest-1250000000"

static char host[256], port_text[16], scratch[2048], corpus[2048], prefix[64];

static cos_ci_client *make_client(const char *secret_key) {
  cos_ci_config *cfg = NULL;
  cos_ci_client *client = NULL;
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_REGION"), S("ap-guangzhou")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_ID"), S("AKIDlocal")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_KEY"), S(secret_key)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SCHEME"), S("http")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_IP"), S(host)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PORT"), S(port_text)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_RETRIES"), S("0")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PART_SIZE"), S("1048576")));
  CHECK_OK(cos_ci_client_new(cfg, &client));
  cos_ci_config_free(cfg);
  return client;
}

static void key(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", prefix, name); }

static void check_service_error(cos_ci_response *resp, unsigned status, const char *code) {
  CHECK(resp != NULL);
  if (!resp) return;
  uint16_t st = 0;
  text_buf b;
  CHECK_OK(cos_ci_response_status(resp, &st));
  CHECK_U64(st, status);
  CHECK_OK(cos_ci_response_error_string(resp, COS_CI_FIELD_CODE, OUT(b)));
  CHECK_STR(b.s, code);
  CHECK_OK(cos_ci_response_request_id(resp, OUT(b)));
  CHECK(b.n > 0);
}

int main(int argc, char **argv) {
  const char *addr = getenv("COS_CI_TEST_SERVER");
  if (!addr || !*addr) {
    printf("test_server: COS_CI_TEST_SERVER not set, skipped\n");
    return 77;
  }
  const char *colon = strrchr(addr, ':');
  if (!colon || argc < 3) {
    fprintf(stderr, "usage: COS_CI_TEST_SERVER=host:port test_server SCRATCH_DIR CORPUS_DIR\n");
    return 2;
  }
  snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
  snprintf(port_text, sizeof port_text, "%s", colon + 1);
  snprintf(scratch, sizeof scratch, "%s", argv[1]);
  snprintf(corpus, sizeof corpus, "%s", argv[2]);
  snprintf(prefix, sizeof prefix, "run-%ld", (long)getpid());

  cos_ci_client *client = make_client("sk-local");
  cos_ci_response *resp = NULL;
  text_buf b;
  char k[256];

  /* PUT from a buffer, GET it back */
  static uint8_t data[5000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7);
  key(k, sizeof k, "blob.bin");
  const cos_ci_kv opts[] = {{(const uint8_t *)"ContentType", 11, (const uint8_t *)"application/octet-stream", 24}};
  CHECK_OK(cos_ci_client_put_object(client, S(BUCKET), S(k), data, sizeof data, opts, 1, &resp));
  if (resp) {
    uint16_t st = 0;
    CHECK_OK(cos_ci_response_status(resp, &st));
    CHECK_U64(st, 200);
    CHECK_OK(cos_ci_response_header_get(resp, S("etag"), OUT(b)));
    CHECK(b.n > 2);
  }
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_OK(cos_ci_client_get_object(client, S(BUCKET), S(k), NULL, 0, NULL, 0, &resp));
  if (resp) {
    size_t need = 0;
    CHECK_RC(cos_ci_response_body(resp, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
    CHECK_U64(need, sizeof data);
    uint8_t *got = malloc(need);
    CHECK_OK(cos_ci_response_body(resp, got, need, &need));
    CHECK(memcmp(got, data, sizeof data) == 0);
    free(got);
  }
  cos_ci_response_free(resp);

  /* GET into a file */
  char path[4096];
  snprintf(path, sizeof path, "%s/server-download.bin", scratch);
  resp = NULL;
  CHECK_OK(cos_ci_client_get_object_to_file(client, S(BUCKET), S(k), NULL, 0, S(path), NULL, 0, &resp));
  cos_ci_response_free(resp);
  size_t flen = 0;
  char *content = read_file(path, &flen);
  CHECK_U64(flen, sizeof data);
  CHECK(memcmp(content, data, sizeof data) == 0);
  free(content);

  /* PUT from a file and multipart upload of a 2.5 MiB file (3 parts of 1 MiB) */
  snprintf(path, sizeof path, "%s/server-upload.bin", scratch);
  FILE *f = fopen(path, "wb");
  for (size_t i = 0; i < 2621440; i++) fputc((int)(i % 251), f);
  fclose(f);
  key(k, sizeof k, "file.bin");
  resp = NULL;
  CHECK_OK(cos_ci_client_put_object_from_file(client, S(BUCKET), S(k), S(path), NULL, 0, &resp));
  cos_ci_response_free(resp);
  key(k, sizeof k, "multipart.bin");
  resp = NULL;
  CHECK_OK(cos_ci_client_multipart_upload_file(client, S(BUCKET), S(k), S(path), NULL, 0, &resp));
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_OK(cos_ci_client_get_object(client, S(BUCKET), S(k), NULL, 0, NULL, 0, &resp));
  if (resp) {
    size_t need = 0;
    CHECK_RC(cos_ci_response_body(resp, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
    CHECK_U64(need, 2621440);
  }
  cos_ci_response_free(resp);

  /* service errors with code and request id */
  key(k, sizeof k, "missing.bin");
  resp = NULL;
  CHECK_RC(cos_ci_client_get_object(client, S(BUCKET), S(k), NULL, 0, NULL, 0, &resp), COS_CI_RESULT_SERVICE_ERROR);
  check_service_error(resp, 404, "NoSuchKey");
  cos_ci_response_free(resp);

  cos_ci_client *wrong = make_client("not-the-key");
  key(k, sizeof k, "denied.bin");
  resp = NULL;
  CHECK_RC(cos_ci_client_put_object(wrong, S(BUCKET), S(k), data, 10, NULL, 0, &resp), COS_CI_RESULT_SERVICE_ERROR);
  check_service_error(resp, 403, "SignatureDoesNotMatch");
  cos_ci_response_free(resp);
  cos_ci_client_free(wrong);

  /* Pic-Operations on a real photo (640x400 JPEG, quality 90): the server's engine
   * answers the UploadResult, and the processed object is there to download */
  key(k, sizeof k, "photo.jpg");
  size_t photo_len = 0;
  snprintf(path, sizeof path, "%s/photo.jpg", corpus);
  char *photo = read_file(path, &photo_len);
  const char *ops = "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"thumb.png\",\"rule\":\"imageMogr2/thumbnail/20x/format/png\"}]}";
  const cos_ci_kv pic[] = {{(const uint8_t *)"PicOperations", 13, (const uint8_t *)ops, strlen(ops)}};
  resp = NULL;
  CHECK_OK(cos_ci_client_put_object(client, S(BUCKET), S(k), (const uint8_t *)photo, photo_len, pic, 1, &resp));
  const cos_ci_upload_result *ur = NULL;
  if (resp && cos_ci_response_upload_result(resp, &ur) == COS_CI_RESULT_OK) {
    uint64_t v = 0;
    CHECK_OK(cos_ci_upload_result_original_number(ur, COS_CI_FIELD_QUALITY, &v));
    CHECK_U64(v, 90);
    CHECK_OK(cos_ci_upload_result_original_number(ur, COS_CI_FIELD_WIDTH, &v));
    CHECK_U64(v, 640);
    size_t count = 0;
    CHECK_OK(cos_ci_upload_result_object_count(ur, &count));
    CHECK_U64(count, 1);
    CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_WIDTH, &v));
    CHECK_U64(v, 20);
    CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_HEIGHT, &v));
    CHECK_U64(v, 13); /* 400 * 20 / 640 = 12.5, rounded */
    CHECK_OK(cos_ci_upload_result_object_string(ur, 0, COS_CI_FIELD_FORMAT, OUT(b)));
    CHECK_STR(b.s, "png");
  } else {
    CHECK(!"no UploadResult for a Pic-Operations upload");
  }
  cos_ci_response_free(resp);

  /* The same upload as a call polled from an event loop: poll(2) on its descriptor
   * between polls, which must signal every time (no 5 s wait runs out). */
  {
    char k2[256];
    key(k2, sizeof k2, "polled.jpg");
    cos_ci_call *call = NULL;
    CHECK_OK(cos_ci_client_put_object_start(client, S(BUCKET), S(k2), (const uint8_t *)photo, photo_len, pic, 1, &call));
    int32_t fd = -1;
    CHECK_OK(cos_ci_call_wait_fd(call, &fd));
    CHECK(fd >= 0);
    cos_ci_result rc;
    int polls = 0, timed_out = 0;
    resp = NULL;
    while ((rc = cos_ci_call_poll(call, &resp)) == COS_CI_RESULT_PENDING && polls < 1000) {
      CHECK(resp == NULL);
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 5000) == 0) timed_out++;
      polls++;
    }
    CHECK_RC(rc, COS_CI_RESULT_OK);
    CHECK_U64(timed_out, 0);
    ur = NULL;
    if (resp && cos_ci_response_upload_result(resp, &ur) == COS_CI_RESULT_OK) {
      uint64_t v = 0;
      CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_WIDTH, &v));
      CHECK_U64(v, 20);
      CHECK_OK(cos_ci_upload_result_object_number(ur, 0, COS_CI_FIELD_HEIGHT, &v));
      CHECK_U64(v, 13);
    } else {
      CHECK(!"no UploadResult for a polled Pic-Operations upload");
    }
    cos_ci_response_free(resp);
    /* finished: another poll is refused, and says why */
    resp = NULL;
    CHECK_RC(cos_ci_call_poll(call, &resp), COS_CI_RESULT_INVALID_ARGUMENT);
    CHECK(resp == NULL);
    CHECK_RC(cos_ci_call_wait_fd(call, &fd), COS_CI_RESULT_INVALID_ARGUMENT);
    CHECK_OK(cos_ci_call_last_error(call, OUT(b)));
    CHECK_STR(b.s, "the call has already finished");
    CHECK_OK(cos_ci_result_message(COS_CI_RESULT_PENDING, OUT(b)));
    CHECK_STR(b.s, "the call has not finished yet");
    cos_ci_call_free(call);

    /* cos_ci_call_wait runs a started call to its end, blocking */
    call = NULL;
    CHECK_OK(cos_ci_client_put_object_start(client, S(BUCKET), S(k2), data, sizeof data, NULL, 0, &call));
    resp = NULL;
    CHECK_OK(cos_ci_call_wait(call, &resp));
    if (resp) {
      uint16_t st = 0;
      CHECK_OK(cos_ci_response_status(resp, &st));
      CHECK_U64(st, 200);
      CHECK_RC(cos_ci_response_upload_result(resp, &ur), COS_CI_RESULT_NOT_PRESENT);
    }
    cos_ci_response_free(resp);
    cos_ci_call_free(call);

    /* a service error comes back from the poll with its response */
    cos_ci_client *wrong2 = make_client("not-the-key");
    call = NULL;
    CHECK_OK(cos_ci_client_put_object_start(wrong2, S(BUCKET), S(k2), data, sizeof data, NULL, 0, &call));
    CHECK_OK(cos_ci_call_wait_fd(call, &fd));
    polls = 0;
    resp = NULL;
    while ((rc = cos_ci_call_poll(call, &resp)) == COS_CI_RESULT_PENDING && polls < 1000) {
      struct pollfd p = {fd, POLLIN, 0};
      poll(&p, 1, 5000);
      polls++;
    }
    CHECK_RC(rc, COS_CI_RESULT_SERVICE_ERROR);
    check_service_error(resp, 403, "SignatureDoesNotMatch");
    cos_ci_response_free(resp);
    cos_ci_call_free(call);
    /* freed unfinished (cancelled): the client goes on working */
    call = NULL;
    CHECK_OK(cos_ci_client_put_object_start(wrong2, S(BUCKET), S(k2), data, sizeof data, NULL, 0, &call));
    resp = NULL;
    rc = cos_ci_call_poll(call, &resp);
    CHECK(rc == COS_CI_RESULT_PENDING || rc == COS_CI_RESULT_SERVICE_ERROR);
    cos_ci_response_free(resp);
    cos_ci_call_free(call);
    cos_ci_client_free(wrong2);

    /* refused before anything is sent; NULL handles */
    const char *bad = "not json";
    const cos_ci_kv bad_ops[] = {{(const uint8_t *)"PicOperations", 13, (const uint8_t *)bad, strlen(bad)}};
    call = NULL;
    CHECK_RC(cos_ci_client_put_object_start(client, S(BUCKET), S(k2), data, sizeof data, bad_ops, 1, &call),
             COS_CI_RESULT_INVALID_PIC_OPERATIONS);
    CHECK(call == NULL);
    CHECK_RC(cos_ci_call_poll(NULL, &resp), COS_CI_RESULT_NULL_PARAMETER);
    CHECK_RC(cos_ci_call_wait_fd(NULL, &fd), COS_CI_RESULT_NULL_PARAMETER);
    cos_ci_call_free(NULL);
  }
  free(photo);

  /* the processed object, downloaded and read with the local engine */
  key(k, sizeof k, "thumb.png");
  resp = NULL;
  CHECK_OK(cos_ci_client_get_object(client, S(BUCKET), S(k), NULL, 0, NULL, 0, &resp));
  if (resp) {
    size_t n = 0;
    CHECK_RC(cos_ci_response_body(resp, NULL, 0, &n), COS_CI_RESULT_BUFFER_TOO_SMALL);
    uint8_t *png = malloc(n + 1);
    CHECK_OK(cos_ci_response_body(resp, png, n + 1, &n));
    cos_ci_image_info *info = NULL;
    CHECK_OK(cos_ci_image_info_new(&info));
    CHECK_OK(cos_ci_image_info_read(info, png, n));
    uint64_t w = 0, h = 0;
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_WIDTH, &w));
    CHECK_OK(cos_ci_image_info_number(info, COS_CI_FIELD_HEIGHT, &h));
    CHECK_U64(w, 20);
    CHECK_U64(h, 13);
    cos_ci_image_info_free(info);
    free(png);
  }
  cos_ci_response_free(resp);

  cos_ci_client_free(client);
  return check_done("test_server");
}
