/* Example: run a processing rule on a local image, as COS + CI would, and write the
 * result; print the input's and the output's ImageInfo.
 *
 *   ./process_local photo.jpg imageMogr2/thumbnail/200x/format/webp thumb.webp
 *
 * Build: cc process_local.c $(pkg-config --cflags --libs cos_ci), or CMake with
 * find_package(cos_ci) and target cos_ci::cos_ci. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cos_ci.h"

static unsigned long long num(const cos_ci_image_info *info, cos_ci_field f) {
  uint64_t v = 0;
  cos_ci_image_info_number(info, f, &v); /* leaves 0 when absent */
  return (unsigned long long)v;
}

static void print_info(const char *what, const cos_ci_image_info *info) {
  char format[32] = "";
  size_t n = 0;
  cos_ci_image_info_string(info, COS_CI_FIELD_FORMAT, (uint8_t *)format, sizeof format, &n);
  printf("%s: %s %llux%llu, %llu bytes, quality %llu\n", what, format, num(info, COS_CI_FIELD_WIDTH),
         num(info, COS_CI_FIELD_HEIGHT), num(info, COS_CI_FIELD_SIZE), num(info, COS_CI_FIELD_QUALITY));
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s INPUT RULE OUTPUT\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return perror(argv[1]), 1;
  static uint8_t input[64 << 20];
  size_t len = fread(input, 1, sizeof input, f);
  fclose(f);

  int status = 1;
  cos_ci_image_info *in_info = NULL;
  cos_ci_processed *p = NULL;
  char why[512] = "";
  size_t n = 0;
  if (cos_ci_image_info_new(&in_info) != COS_CI_RESULT_OK || cos_ci_processed_new(&p) != COS_CI_RESULT_OK) goto done;
  cos_ci_result rc = cos_ci_image_info_read(in_info, input, len);
  if (rc != COS_CI_RESULT_OK) {
    cos_ci_image_info_last_error(in_info, (uint8_t *)why, sizeof why, &n);
    fprintf(stderr, "%s: %s (code %u)\n", argv[1], why, (unsigned)rc);
    goto done;
  }
  print_info("input", in_info);
  rc = cos_ci_process(p, input, len, (const uint8_t *)argv[2], strlen(argv[2]));
  if (rc != COS_CI_RESULT_OK) {
    cos_ci_processed_last_error(p, (uint8_t *)why, sizeof why, &n);
    fprintf(stderr, "%s: %s (code %u)\n", argv[2], why, (unsigned)rc);
    goto done;
  }
  const uint8_t *out = NULL;
  size_t out_len = 0;
  const cos_ci_image_info *out_info = NULL;
  cos_ci_processed_bytes(p, &out, &out_len); /* owned by p */
  if (cos_ci_processed_image_info(p, &out_info) == COS_CI_RESULT_OK) print_info("output", out_info);
  FILE *o = fopen(argv[3], "wb");
  if (!o || fwrite(out, 1, out_len, o) != out_len) {
    perror(argv[3]);
    if (o) fclose(o);
    goto done;
  }
  fclose(o);
  status = 0;
done:
  cos_ci_processed_free(p);
  cos_ci_image_info_free(in_info);
  return status;
}
