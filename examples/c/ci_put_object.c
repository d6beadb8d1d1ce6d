/* Example: upload an image with Pic-Operations (persistent processing) and print the
 * processed results.
 *
 *   COS_REGION=ap-guangzhou COS_SECRET_ID=... COS_SECRET_KEY=... \
 *     ./ci_put_object examplebucket-1250000000 photo.jpg photos/photo.jpg
 *
 * Without arguments it only builds and prints the Pic-Operations header (offline).
 * Build: cc ci_put_object.c $(pkg-config --cflags --libs cos_ci), or CMake with
 * find_package(cos_ci) and target cos_ci::cos_ci. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos_ci.h"

#define S(s) (const uint8_t *)(s), strlen(s)

static int fail(const char *what, cos_ci_result rc) {
  char msg[256];
  size_t n = 0;
  cos_ci_result_message(rc, (uint8_t *)msg, sizeof msg, &n);
  fprintf(stderr, "%s: %s (%u)\n", what, msg, (unsigned)rc);
  return 1;
}

int main(int argc, char **argv) {
  printf("libcos_ci %s\n", cos_ci_version());

  cos_ci_pic_operations *ops = NULL;
  cos_ci_result rc = cos_ci_pic_operations_new(&ops);
  if (rc != COS_CI_RESULT_OK) return fail("pic_operations_new", rc);
  cos_ci_pic_operations_set_is_pic_info(ops, true);
  cos_ci_pic_operations_add_rule(ops, S("thumb_${filename}.png"), S("imageMogr2/thumbnail/200x/format/png"), NULL, 0);
  if ((rc = cos_ci_pic_operations_validate(ops)) != COS_CI_RESULT_OK) {
    char why[512];
    size_t n = 0;
    cos_ci_pic_operations_last_error(ops, (uint8_t *)why, sizeof why, &n);
    fprintf(stderr, "Pic-Operations: %s\n", why);
    cos_ci_pic_operations_free(ops);
    return 1;
  }
  /* size query, then the exact buffer (+1 for the NUL) */
  size_t need = 0;
  cos_ci_pic_operations_to_json(ops, NULL, 0, &need);
  char *header = malloc(need + 1);
  cos_ci_pic_operations_to_json(ops, (uint8_t *)header, need + 1, &need);
  cos_ci_pic_operations_free(ops);
  printf("Pic-Operations: %s\n", header);

  if (argc < 4) {
    free(header);
    return 0;
  }

  cos_ci_config *cfg = NULL;
  cos_ci_client *client = NULL;
  cos_ci_config_new(&cfg);
  cos_ci_config_use_env(cfg, true);
  rc = cos_ci_client_new(cfg, &client);
  if (rc != COS_CI_RESULT_OK) {
    char why[512];
    size_t n = 0;
    cos_ci_config_last_error(cfg, (uint8_t *)why, sizeof why, &n);
    fprintf(stderr, "config: %s\n", why);
    cos_ci_config_free(cfg);
    free(header);
    return 1;
  }
  cos_ci_config_free(cfg);

  const cos_ci_kv options[] = {{(const uint8_t *)"PicOperations", 13, (const uint8_t *)header, strlen(header)}};
  cos_ci_response *resp = NULL;
  rc = cos_ci_client_put_object_from_file(client, S(argv[1]), S(argv[3]), S(argv[2]), options, 1, &resp);
  free(header);
  if (rc == COS_CI_RESULT_SERVICE_ERROR) {
    char code[128], rid[256];
    size_t n = 0;
    cos_ci_response_error_string(resp, COS_CI_FIELD_CODE, (uint8_t *)code, sizeof code, &n);
    cos_ci_response_request_id(resp, (uint8_t *)rid, sizeof rid, &n);
    fprintf(stderr, "service error %s (request id %s)\n", code, rid);
  } else if (rc != COS_CI_RESULT_OK) {
    char why[512];
    size_t n = 0;
    cos_ci_client_last_error(client, (uint8_t *)why, sizeof why, &n);
    fprintf(stderr, "upload failed: %s\n", why);
  } else {
    const cos_ci_upload_result *result = NULL;
    if (cos_ci_response_upload_result(resp, &result) == COS_CI_RESULT_OK) {
      size_t count = 0;
      cos_ci_upload_result_object_count(result, &count);
      for (size_t i = 0; i < count; i++) {
        char key[1024];
        uint64_t w = 0, h = 0, size = 0;
        size_t n = 0;
        cos_ci_upload_result_object_string(result, i, COS_CI_FIELD_KEY, (uint8_t *)key, sizeof key, &n);
        cos_ci_upload_result_object_number(result, i, COS_CI_FIELD_WIDTH, &w);
        cos_ci_upload_result_object_number(result, i, COS_CI_FIELD_HEIGHT, &h);
        cos_ci_upload_result_object_number(result, i, COS_CI_FIELD_SIZE, &size);
        printf("processed %s: %llux%llu, %llu bytes\n", key, (unsigned long long)w, (unsigned long long)h,
               (unsigned long long)size);
      }
    }
  }
  cos_ci_response_free(resp);
  cos_ci_client_free(client);
  return rc == COS_CI_RESULT_OK ? 0 : 1;
}
