// The header from C++: RAII handles (std::unique_ptr with the _free functions),
// exceptions for result codes, std::string outputs via the size query, and handles
// shared between threads (credentials/request are Sync).
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cos_ci.h"

namespace cosci {

struct Error : std::runtime_error {
  cos_ci_result code;
  Error(cos_ci_result c, const std::string &what) : std::runtime_error(what), code(c) {}
};

std::string message(cos_ci_result r) {
  size_t n = 0;
  cos_ci_result_message(r, nullptr, 0, &n);
  std::string s(n, '\0');
  cos_ci_result_message(r, reinterpret_cast<uint8_t *>(&s[0]), s.size(), &n);
  return s;
}

void check(cos_ci_result r) {
  if (r != COS_CI_RESULT_OK) throw Error(r, message(r));
}

// Calls fn(buf, len, &out_len) with a size query first.
std::string read(const std::function<cos_ci_result(uint8_t *, size_t, size_t *)> &fn) {
  size_t n = 0;
  cos_ci_result r = fn(nullptr, 0, &n);
  if (r != COS_CI_RESULT_BUFFER_TOO_SMALL && r != COS_CI_RESULT_OK) check(r);
  std::string s(n, '\0');
  check(fn(reinterpret_cast<uint8_t *>(&s[0]), s.size(), &n));
  return s;
}

template <typename T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *p) const { Free(p); }
};
using PicOperations = std::unique_ptr<cos_ci_pic_operations, Deleter<cos_ci_pic_operations, cos_ci_pic_operations_free>>;
using Rule = std::unique_ptr<cos_ci_rule, Deleter<cos_ci_rule, cos_ci_rule_free>>;
using Credentials = std::unique_ptr<cos_ci_credentials, Deleter<cos_ci_credentials, cos_ci_credentials_free>>;
using SignRequest = std::unique_ptr<cos_ci_sign_request, Deleter<cos_ci_sign_request, cos_ci_sign_request_free>>;
using Processed = std::unique_ptr<cos_ci_processed, Deleter<cos_ci_processed, cos_ci_processed_free>>;
using ImageInfo = std::unique_ptr<cos_ci_image_info, Deleter<cos_ci_image_info, cos_ci_image_info_free>>;

// The output of `rule` on `input`, as bytes (borrowed from the handle, then copied).
std::string process(const std::string &input, const std::string &rule, Processed &p) {
  cos_ci_processed *raw = nullptr;
  check(cos_ci_processed_new(&raw));
  p.reset(raw);
  cos_ci_result r = cos_ci_process(p.get(), reinterpret_cast<const uint8_t *>(input.data()), input.size(),
                                   reinterpret_cast<const uint8_t *>(rule.data()), rule.size());
  if (r != COS_CI_RESULT_OK) {
    throw Error(r, read([&](uint8_t *b, size_t l, size_t *o) { return cos_ci_processed_last_error(p.get(), b, l, o); }));
  }
  const uint8_t *data = nullptr;
  size_t n = 0;
  check(cos_ci_processed_bytes(p.get(), &data, &n));
  return std::string(reinterpret_cast<const char *>(data), n);
}

uint64_t number(const cos_ci_image_info *info, cos_ci_field f) {
  uint64_t v = 0;
  check(cos_ci_image_info_number(info, f, &v));
  return v;
}

std::string slurp(const std::string &path) {
  std::string s;
  if (FILE *f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
  }
  return s;
}

const uint8_t *u8(const std::string &s) { return reinterpret_cast<const uint8_t *>(s.data()); }

}  // namespace cosci

static int failures = 0;
#define EXPECT(c)                                                        \
  do {                                                                   \
    if (!(c)) {                                                          \
      std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #c); \
      failures++;                                                        \
    }                                                                    \
  } while (0)

int main(int argc, char **argv) {
  using namespace cosci;
  if (argc < 2) {
    std::fprintf(stderr, "usage: test_cpp CORPUS_DIR\n");
    return 2;
  }
  EXPECT(std::string(cos_ci_version()) == "0.1.0");

  // Pic-Operations builder
  cos_ci_pic_operations *raw = nullptr;
  check(cos_ci_pic_operations_new(&raw));
  PicOperations ops(raw);
  std::string fileid = "thumb.png", rule = "imageMogr2/thumbnail/200x/format/png";
  check(cos_ci_pic_operations_set_is_pic_info(ops.get(), true));
  check(cos_ci_pic_operations_add_rule(ops.get(), u8(fileid), fileid.size(), u8(rule), rule.size(), nullptr, 0));
  check(cos_ci_pic_operations_validate(ops.get()));
  std::string json = read([&](uint8_t *b, size_t l, size_t *o) { return cos_ci_pic_operations_to_json(ops.get(), b, l, o); });
  EXPECT(json == "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"thumb.png\",\"rule\":\"imageMogr2/thumbnail/200x/format/png\"}]}");

  // Rule errors as exceptions
  cos_ci_rule *rraw = nullptr;
  check(cos_ci_rule_new(&rraw));
  Rule r(rraw);
  std::string bad = "imageMogr2/thumbnail/";
  try {
    check(cos_ci_rule_parse(r.get(), u8(bad), bad.size()));
    EXPECT(false);
  } catch (const Error &e) {
    EXPECT(e.code == COS_CI_RESULT_INVALID_RULE);
    std::string why = read([&](uint8_t *b, size_t l, size_t *o) { return cos_ci_rule_last_error(r.get(), b, l, o); });
    EXPECT(why.find("invalid rule") != std::string::npos);
  }

  // Signing from several threads with shared handles
  std::string id = "AKIDexample", key = "sk-example", method = "PUT", object = "photos/cat 1.jpg";
  cos_ci_credentials *craw = nullptr;
  check(cos_ci_credentials_new(u8(id), id.size(), u8(key), key.size(), nullptr, 0, &craw));
  Credentials creds(craw);
  std::vector<std::pair<std::string, std::string>> hv = {
      {"Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"},
      {"Pic-Operations", json},
      {"Content-Length", "64"},
      {"Content-Type", "image/jpeg"},
      {"x-cos-meta-owner", "Ann Lee"},
  };
  std::vector<cos_ci_kv> headers;
  for (auto &h : hv) headers.push_back({u8(h.first), h.first.size(), u8(h.second), h.second.size()});
  cos_ci_sign_request *qraw = nullptr;
  check(cos_ci_sign_request_new(u8(method), method.size(), u8(object), object.size(), nullptr, 0, headers.data(),
                                headers.size(), &qraw));
  SignRequest req(qraw);
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); i++) {
    threads.emplace_back([&, i] {
      results[i] = read([&](uint8_t *b, size_t l, size_t *o) {
        return cos_ci_sign(creds.get(), req.get(), 1795377299, 1795387359, b, l, o);
      });
    });
  }
  for (auto &t : threads) t.join();
  for (auto &s : results) {
    EXPECT(s.find("q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1") != std::string::npos);
  }

  // Local processing: thumbnail with known dimensions, ImageInfo of the output, typed error
  std::string photo = slurp(std::string(argv[1]) + "/photo.jpg");
  EXPECT(photo.size() == 55130);
  Processed p;
  std::string thumb = process(photo, "imageMogr2/thumbnail/200x/format/webp", p);
  EXPECT(thumb.compare(0, 4, "RIFF") == 0 && thumb.compare(8, 4, "WEBP") == 0);
  const cos_ci_image_info *out_info = nullptr;
  check(cos_ci_processed_image_info(p.get(), &out_info));
  EXPECT(number(out_info, COS_CI_FIELD_WIDTH) == 200 && number(out_info, COS_CI_FIELD_HEIGHT) == 125);
  EXPECT(number(out_info, COS_CI_FIELD_SIZE) == thumb.size());
  cos_ci_image_info *iraw = nullptr;
  check(cos_ci_image_info_new(&iraw));
  ImageInfo info(iraw);
  check(cos_ci_image_info_read(info.get(), u8(photo), photo.size()));
  EXPECT(number(info.get(), COS_CI_FIELD_QUALITY) == 90);
  EXPECT(number(info.get(), COS_CI_FIELD_WIDTH) == 640 && number(info.get(), COS_CI_FIELD_HEIGHT) == 400);
  try {
    process("not an image at all", "imageMogr2/thumbnail/10x", p);
    EXPECT(false);
  } catch (const Error &e) {
    EXPECT(e.code == COS_CI_RESULT_INVALID_IMAGE);
    EXPECT(std::string(e.what()).rfind("InvalidImageFormat: ", 0) == 0);
  }

  if (failures) {
    std::fprintf(stderr, "test_cpp: %d failure(s)\n", failures);
    return 1;
  }
  std::printf("test_cpp: ok\n");
  return 0;
}
