/* The client against a tiny in-test HTTP server (one thread, one request per
 * connection, canned answers): PUT with Pic-Operations from a buffer and from a file,
 * image_process, GET with a rule into a buffer and into a file, multipart upload with
 * Pic-Operations, a service error (403 + <Error>), connection refused, config errors.
 * argv[1] is tests/fixtures/seeds, argv[2] a scratch directory. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

static char fixtures[2048], scratch[2048];
static char *put_xml, *process_xml, *complete_xml;
static size_t put_xml_len, process_xml_len, complete_xml_len;

/* ------------------------------------------------------------------ the server */

static int listen_fd = -1;
static unsigned short port;
static volatile int stopping = 0;
/* last requests seen, for assertions */
static char last_line[4096];
static char last_pic_operations[4096];
static int saw_authorization = 0;
static size_t last_body_len = 0;
static int requests_served = 0;
static int parts_received = 0;

static const char *ERROR_XML =
    "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>AccessDenied</Code>\n<Message>Access Denied.</Message>\n"
    "<Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/denied.jpg</Resource>\n"
    "<RequestId>req-err-1</RequestId>\n<TraceId>trace-1</TraceId>\n</Error>";
static const char *INIT_XML =
    "<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>big.bin</Key>"
    "<UploadId>upload-1</UploadId></InitiateMultipartUploadResult>";

/* What a completion with Pic-Operations answers: <CompleteMultipartUploadResult> with
 * Location, Bucket, Key and ETag, then the UploadResult's OriginalInfo and ProcessResults. */
static char *completion_answer(const char *upload_result, size_t *len) {
  static const char *head =
      "<CompleteMultipartUploadResult>\n"
      "<Location>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/big.bin</Location>\n"
      "<Bucket>examplebucket-1250000000</Bucket>\n<Key>big.bin</Key>\n"
      "<ETag>&quot;0c3ab2a1e0c9e6c1c3f3d4b6ad1c4f9e-3&quot;</ETag>\n";
  static const char *tail = "</CompleteMultipartUploadResult>";
  const char *open = upload_result ? strstr(upload_result, "<UploadResult>") : NULL;
  const char *close = open ? strstr(open, "</UploadResult>") : NULL;
  if (!open || !close) return NULL;
  open += strlen("<UploadResult>");
  size_t inner = (size_t)(close - open);
  char *out = malloc(strlen(head) + inner + strlen(tail) + 1);
  if (!out) return NULL;
  int n = sprintf(out, "%s%.*s%s", head, (int)inner, open, tail);
  *len = (size_t)n;
  return out;
}

static void send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return;
    data += n;
    len -= (size_t)n;
  }
}

static void respond(int fd, int status, const char *reason, const char *extra_headers, const char *body, size_t body_len) {
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
                   "x-cos-request-id: req-%d\r\n%s\r\n",
                   status, reason, body_len, requests_served, extra_headers ? extra_headers : "");
  send_all(fd, head, (size_t)n);
  send_all(fd, body, body_len);
}

static const char *header_value(const char *headers, const char *name, char *out, size_t out_len) {
  size_t nl = strlen(name);
  const char *p = headers;
  out[0] = 0;
  while ((p = strstr(p, "\r\n")) != NULL) {
    p += 2;
    if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (*v == ' ') v++;
      const char *e = strstr(v, "\r\n");
      size_t len = e ? (size_t)(e - v) : strlen(v);
      if (len >= out_len) len = out_len - 1;
      memcpy(out, v, len);
      out[len] = 0;
      return out;
    }
  }
  return NULL;
}

static void serve(int fd) {
  static char req[1 << 16];
  size_t got = 0;
  char *end = NULL;
  while (got < sizeof req - 1) {
    ssize_t n = recv(fd, req + got, sizeof req - 1 - got, 0);
    if (n <= 0) return;
    got += (size_t)n;
    req[got] = 0;
    if ((end = strstr(req, "\r\n\r\n")) != NULL) break;
  }
  if (!end) return;
  *end = 0; /* headers only from here */
  char value[4096];
  size_t content_length = 0;
  if (header_value(req, "Content-Length", value, sizeof value)) content_length = (size_t)strtoull(value, NULL, 10);
  size_t body_have = got - (size_t)(end + 4 - req);
  char drain[8192];
  while (body_have < content_length) {
    ssize_t n = recv(fd, drain, sizeof drain, 0);
    if (n <= 0) break;
    body_have += (size_t)n;
  }
  last_body_len = body_have;
  const char *eol = strstr(req, "\r\n");
  size_t line_len = eol ? (size_t)(eol - req) : strlen(req);
  if (line_len >= sizeof last_line) line_len = sizeof last_line - 1;
  memcpy(last_line, req, line_len);
  last_line[line_len] = 0;
  if (header_value(req, "Pic-Operations", value, sizeof value))
    snprintf(last_pic_operations, sizeof last_pic_operations, "%s", value);
  else
    last_pic_operations[0] = 0;
  saw_authorization = header_value(req, "Authorization", value, sizeof value) != NULL;
  requests_served++;

  if (strncmp(last_line, "PUT /denied.jpg ", 16) == 0) {
    respond(fd, 403, "Forbidden", "Content-Type: application/xml\r\n", ERROR_XML, strlen(ERROR_XML));
  } else if (strncmp(last_line, "PUT /big.bin?", 13) == 0) {
    parts_received++;
    respond(fd, 200, "OK", "ETag: \"part-etag\"\r\n", "", 0);
  } else if (strncmp(last_line, "POST /big.bin?uploads", 21) == 0) {
    respond(fd, 200, "OK", "Content-Type: application/xml\r\n", INIT_XML, strlen(INIT_XML));
  } else if (strncmp(last_line, "POST /big.bin?uploadId=upload-1", 31) == 0) {
    respond(fd, 200, "OK", "Content-Type: application/xml\r\n", complete_xml, complete_xml_len);
  } else if (strncmp(last_line, "PUT ", 4) == 0) {
    respond(fd, 200, "OK", "ETag: \"580cd6930444576523c25f86ce2af9b1fc2d5484\"\r\nContent-Type: application/xml\r\n",
            put_xml, put_xml_len);
  } else if (strncmp(last_line, "POST /photos/cat.jpg?image_process", 34) == 0) {
    respond(fd, 200, "OK", "Content-Type: application/xml\r\n", process_xml, process_xml_len);
  } else if (strncmp(last_line, "GET /photos/cat.jpg", 19) == 0) {
    respond(fd, 200, "OK", "Content-Type: image/png\r\n", "THUMBNAIL-BYTES", 15);
  } else {
    respond(fd, 404, "Not Found", NULL, "", 0);
  }
}

static void *server_main(void *arg) {
  (void)arg;
  for (;;) {
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) continue;
    if (stopping) {
      close(fd);
      break;
    }
    serve(fd);
    close(fd);
  }
  return NULL;
}

static int open_listener(unsigned short *out_port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
    perror("bind/listen");
    exit(2);
  }
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  *out_port = ntohs(a.sin_port);
  return fd;
}

static void stop_server(pthread_t thread) {
  stopping = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  connect(fd, (struct sockaddr *)&a, sizeof a);
  close(fd);
  pthread_join(thread, NULL);
  close(listen_fd);
}

/* ------------------------------------------------------------------ the tests */

#define KV(n, v) {(const uint8_t *)(n), strlen(n), (const uint8_t *)(v), strlen(v)}
#define BUCKET "examplebucket-1250000000"
#define OPS "{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"thumb.png\",\"rule\":\"imageMogr2/thumbnail/200x/format/png\"}]}"

static cos_ci_client *make_client(unsigned short p) {
  cos_ci_config *cfg = NULL;
  char port_text[16];
  snprintf(port_text, sizeof port_text, "%u", (unsigned)p);
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_REGION"), S("ap-guangzhou")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_ID"), S("AKIDexample")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_KEY"), S("sk-example")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SCHEME"), S("http")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_IP"), S("127.0.0.1")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PORT"), S(port_text)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_RETRIES"), S("0")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PART_SIZE"), S("1024")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_UPLOAD_THREADS"), S("2")));
  cos_ci_client *client = NULL;
  CHECK_OK(cos_ci_client_new(cfg, &client));
  cos_ci_config_free(cfg);
  return client;
}

static void check_put_result(const cos_ci_response *resp) {
  uint16_t status = 0;
  text_buf b;
  CHECK_OK(cos_ci_response_status(resp, &status));
  CHECK_U64(status, 200);
  const cos_ci_upload_result *r = NULL;
  CHECK_OK(cos_ci_response_upload_result(resp, &r));
  CHECK(r != NULL);
  if (r) {
    uint64_t n = 0;
    CHECK_OK(cos_ci_upload_result_original_string(r, COS_CI_FIELD_KEY, OUT(b)));
    CHECK_STR(b.s, "filename.jpg");
    CHECK_OK(cos_ci_upload_result_object_number(r, 0, COS_CI_FIELD_SIZE, &n));
    CHECK_U64(n, 463092);
  }
}

static void test_config_errors(void) {
  cos_ci_config *cfg = NULL;
  cos_ci_client *client = NULL;
  text_buf b;
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_RC(cos_ci_config_set(cfg, S("COS_NOPE"), S("x")), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_client_new(cfg, &client), COS_CI_RESULT_CONFIG);
  CHECK(client == NULL);
  CHECK_OK(cos_ci_config_last_error(cfg, OUT(b)));
  CHECK(strstr(b.s, "COS_REGION") != NULL);
  CHECK_OK(cos_ci_config_set(cfg, S("COS_REGION"), S("ap-guangzhou")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_ID"), S("id")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_KEY"), S("key")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PORT"), S("notaport")));
  CHECK_RC(cos_ci_client_new(cfg, &client), COS_CI_RESULT_CONFIG);
  CHECK_OK(cos_ci_config_last_error(cfg, OUT(b)));
  CHECK(strstr(b.s, "COS_PORT") != NULL);
  cos_ci_config_free(cfg);

  /* from the environment */
  setenv("COS_REGION", "ap-beijing", 1);
  setenv("COS_SECRET_ID", "AKIDenv", 1);
  setenv("COS_SECRET_KEY", "skenv", 1);
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_RC(cos_ci_client_new(cfg, &client), COS_CI_RESULT_CONFIG);
  CHECK_OK(cos_ci_config_use_env(cfg, true));
  CHECK_OK(cos_ci_client_new(cfg, &client));
  CHECK(client != NULL);
  cos_ci_client_free(client);
  cos_ci_config_free(cfg);
  unsetenv("COS_REGION");
  unsetenv("COS_SECRET_ID");
  unsetenv("COS_SECRET_KEY");
  CHECK_RC(cos_ci_client_new(NULL, &client), COS_CI_RESULT_NULL_PARAMETER);
}

static void test_against_server(void) {
  listen_fd = open_listener(&port);
  pthread_t thread;
  pthread_create(&thread, NULL, server_main, NULL);
  cos_ci_client *client = make_client(port);
  cos_ci_response *resp = NULL;
  text_buf b;
  const cos_ci_kv opts[] = {KV("PicOperations", OPS), KV("ContentType", "image/jpeg")};

  /* PUT from a buffer */
  static const uint8_t jpeg[64] = {0xff, 0xd8, 0xff, 0xe0};
  CHECK_OK(cos_ci_client_put_object(client, S(BUCKET), S("photos/cat.jpg"), jpeg, sizeof jpeg, opts, 2, &resp));
  CHECK_STR(last_line, "PUT /photos/cat.jpg HTTP/1.1");
  CHECK_STR(last_pic_operations, OPS);
  CHECK(saw_authorization);
  CHECK_U64(last_body_len, 64);
  if (resp) {
    check_put_result(resp);
    size_t count = 0;
    CHECK_OK(cos_ci_response_header_count(resp, &count));
    CHECK(count >= 3);
    int found = 0;
    for (size_t i = 0; i < count; i++) {
      text_buf name;
      CHECK_OK(cos_ci_response_header_name(resp, i, OUT(name)));
      if (strcmp(name.s, "etag") == 0) {
        CHECK_OK(cos_ci_response_header_value(resp, i, OUT(b)));
        CHECK_STR(b.s, "\"580cd6930444576523c25f86ce2af9b1fc2d5484\"");
        found = 1;
      }
    }
    CHECK(found);
    CHECK_RC(cos_ci_response_header_name(resp, count, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_OK(cos_ci_response_header_get(resp, S("X-COS-REQUEST-ID"), OUT(b)));
    CHECK_STR(b.s, "req-1");
    CHECK_OK(cos_ci_response_request_id(resp, OUT(b)));
    CHECK_STR(b.s, "req-1");
    CHECK_RC(cos_ci_response_header_get(resp, S("x-nope"), OUT(b)), COS_CI_RESULT_NOT_PRESENT);
    CHECK_RC(cos_ci_response_error_string(resp, COS_CI_FIELD_CODE, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  }
  cos_ci_response_free(resp);

  /* PUT from a file */
  char path[4096];
  snprintf(path, sizeof path, "%s/upload.bin", scratch);
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 3000; i++) fputc(i & 0xff, f);
  fclose(f);
  resp = NULL;
  CHECK_OK(cos_ci_client_put_object_from_file(client, S(BUCKET), S("photos/cat.jpg"), S(path), opts, 1, &resp));
  CHECK_U64(last_body_len, 3000);
  if (resp) check_put_result(resp);
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_RC(cos_ci_client_put_object_from_file(client, S(BUCKET), S("photos/cat.jpg"), S("/nonexistent/file"), NULL, 0, &resp),
           COS_CI_RESULT_IO);
  CHECK(resp == NULL);

  /* image_process */
  CHECK_OK(cos_ci_client_image_process(client, S(BUCKET), S("photos/cat.jpg"), opts, 1, &resp));
  CHECK(strncmp(last_line, "POST /photos/cat.jpg?image_process", 34) == 0);
  if (resp) {
    const cos_ci_upload_result *r = NULL;
    CHECK_OK(cos_ci_response_upload_result(resp, &r));
    size_t count = 0;
    if (r) CHECK_OK(cos_ci_upload_result_object_count(r, &count));
    CHECK(count >= 1);
  }
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_RC(cos_ci_client_image_process(client, S(BUCKET), S("photos/cat.jpg"), NULL, 0, &resp), COS_CI_RESULT_INVALID_ARGUMENT);

  /* GET with a rule into the response */
  CHECK_OK(cos_ci_client_get_object(client, S(BUCKET), S("photos/cat.jpg"), S("imageMogr2/thumbnail/100x"), NULL, 0, &resp));
  CHECK(strstr(last_line, "GET /photos/cat.jpg?imageMogr2") == last_line);
  CHECK(strstr(last_line, "thumbnail") != NULL);
  if (resp) {
    size_t need = 0;
    CHECK_RC(cos_ci_response_body(resp, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
    CHECK_U64(need, 15);
    CHECK_OK(cos_ci_response_body(resp, OUT(b)));
    CHECK_STR(b.s, "THUMBNAIL-BYTES");
    const cos_ci_upload_result *r = (const cos_ci_upload_result *)1;
    CHECK_RC(cos_ci_response_upload_result(resp, &r), COS_CI_RESULT_NOT_PRESENT);
    CHECK(r == NULL);
  }
  cos_ci_response_free(resp);

  /* GET into a file */
  snprintf(path, sizeof path, "%s/download.png", scratch);
  CHECK_OK(cos_ci_client_get_object_to_file(client, S(BUCKET), S("photos/cat.jpg"), S("imageMogr2/thumbnail/100x"), S(path),
                                            NULL, 0, &resp));
  cos_ci_response_free(resp);
  size_t flen = 0;
  char *content = read_file(path, &flen);
  CHECK_U64(flen, 15);
  CHECK(memcmp(content, "THUMBNAIL-BYTES", 15) == 0);
  free(content);

  /* multipart with Pic-Operations: 3000 bytes in 1024-byte parts */
  snprintf(path, sizeof path, "%s/upload.bin", scratch);
  parts_received = 0;
  CHECK_OK(cos_ci_client_multipart_upload_file(client, S(BUCKET), S("big.bin"), S(path), opts, 1, &resp));
  CHECK_U64(parts_received, 3);
  CHECK_STR(last_pic_operations, OPS);
  if (resp) check_put_result(resp);
  cos_ci_response_free(resp);

  /* service error: response with code, message, request id */
  resp = NULL;
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("denied.jpg"), jpeg, sizeof jpeg, NULL, 0, &resp),
           COS_CI_RESULT_SERVICE_ERROR);
  CHECK(resp != NULL);
  if (resp) {
    uint16_t status = 0;
    CHECK_OK(cos_ci_response_status(resp, &status));
    CHECK_U64(status, 403);
    CHECK_OK(cos_ci_response_error_string(resp, COS_CI_FIELD_CODE, OUT(b)));
    CHECK_STR(b.s, "AccessDenied");
    CHECK_OK(cos_ci_response_error_string(resp, COS_CI_FIELD_MESSAGE, OUT(b)));
    CHECK_STR(b.s, "Access Denied.");
    CHECK_OK(cos_ci_response_error_string(resp, COS_CI_FIELD_REQUEST_ID, OUT(b)));
    CHECK_STR(b.s, "req-err-1");
    CHECK_OK(cos_ci_response_error_string(resp, COS_CI_FIELD_TRACE_ID, OUT(b)));
    CHECK_STR(b.s, "trace-1");
    CHECK_OK(cos_ci_response_request_id(resp, OUT(b)));
    CHECK_STR(b.s, "req-err-1");
  }
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK(strstr(b.s, "AccessDenied") != NULL);

  /* refused before sending: bad Pic-Operations, unknown option, NULL option value */
  const cos_ci_kv bad_ops[] = {KV("PicOperations", "{\"rules\":[{\"fileid\":\"\",\"rule\":\"x\"}]}")};
  int before = requests_served;
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("photos/cat.jpg"), jpeg, 4, bad_ops, 1, &resp),
           COS_CI_RESULT_INVALID_PIC_OPERATIONS);
  CHECK(resp == NULL);
  const cos_ci_kv unknown[] = {KV("NoSuchOption", "1")};
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("photos/cat.jpg"), jpeg, 4, unknown, 1, &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK_STR(b.s, "No Parameter Named NoSuchOption Please Check It");
  const cos_ci_kv nullvalue[] = {{(const uint8_t *)"ContentType", 11, NULL, 0}};
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("photos/cat.jpg"), jpeg, 4, nullvalue, 1, &resp),
           COS_CI_RESULT_NULL_PARAMETER);
  CHECK_U64(requests_served, before);
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("k"), jpeg, 4, NULL, 0, NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_client_put_object(NULL, S(BUCKET), S("k"), jpeg, 4, NULL, 0, &resp), COS_CI_RESULT_NULL_PARAMETER);

  cos_ci_client_free(client);
  stop_server(thread);
}

static void test_connection_refused(void) {
  unsigned short closed_port = 0;
  int fd = open_listener(&closed_port);
  close(fd); /* nothing listens there now */
  cos_ci_client *client = make_client(closed_port);
  cos_ci_response *resp = (cos_ci_response *)1;
  text_buf b;
  CHECK_RC(cos_ci_client_put_object(client, S(BUCKET), S("a.jpg"), (const uint8_t *)"x", 1, NULL, 0, &resp),
           COS_CI_RESULT_TRANSPORT);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK(strstr(b.s, "HTTP transport") != NULL);
  cos_ci_client_free(client);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_client FIXTURES_DIR SCRATCH_DIR\n");
    return 2;
  }
  snprintf(fixtures, sizeof fixtures, "%s", argv[1]);
  snprintf(scratch, sizeof scratch, "%s", argv[2]);
  char path[4096];
  snprintf(path, sizeof path, "%s/upload_result_put.xml", fixtures);
  put_xml = read_file(path, &put_xml_len);
  snprintf(path, sizeof path, "%s/upload_result_image_process.xml", fixtures);
  process_xml = read_file(path, &process_xml_len);
  complete_xml = completion_answer(put_xml, &complete_xml_len);
  CHECK(complete_xml != NULL);
  test_config_errors();
  test_against_server();
  test_connection_refused();
  free(put_xml);
  free(process_xml);
  free(complete_xml);
  return check_done("test_client");
}
