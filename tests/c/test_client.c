/* The client against a tiny in-test HTTP server (one thread, one request per
 * connection, canned answers): PUT with Pic-Operations from a buffer and from a file,
 * image_process, GET with a rule into a buffer and into a file, multipart upload with
 * Pic-Operations, a service error (403 + <Error>), connection refused, config errors;
 * asynchronous jobs (pic bucket, queue, create, get, list, wait) against canned answers.
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
static char last_body[8192]; /* the body's first bytes, NUL-terminated */
static int running_polls = 0; /* polls of JOB_RUNNING answered so far */
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

/* Asynchronous jobs: canned answers in the shapes of CI's API reference (wire-ci.md
 * section B), ids as the service makes them. */
#define QUEUE_ID "p0123456789abcdef0123456789abcdef"
#define JOB_DONE "c11111111111111111111111111111111"
#define JOB_RUNNING "c22222222222222222222222222222222"
#define JOB_MISSING "c33333333333333333333333333333333"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
#define JOB_COMMON(id, state)                                                                            \
  "<JobId>" id "</JobId><State>" state "</State><CreationTime>2026-12-05T15:00:00+0800</CreationTime>"  \
  "<QueueId>" QUEUE_ID "</QueueId><Tag>PicProcess</Tag><Input><BucketId>examplebucket-1250000000</BucketId>" \
  "<Object>photos/cat.jpg</Object><Region>ap-guangzhou</Region></Input>"
#define JOB_OUTPUT                                                                                       \
  "<Output><Bucket>examplebucket-1250000000</Bucket><Object>thumbs/cat.webp</Object>"                   \
  "<Region>ap-guangzhou</Region></Output><PicProcess><ProcessRule>imageMogr2/thumbnail/200x/format/webp" \
  "</ProcessRule></PicProcess>"
#define JOB_PENDING(id, state)                                                                           \
  "<JobsDetail><Code></Code><Message></Message>" JOB_COMMON(id, state)                                   \
  "<StartTime>-</StartTime><EndTime>-</EndTime><Operation>" JOB_OUTPUT "<UserData>u1</UserData>"         \
  "<JobLevel>1</JobLevel></Operation></JobsDetail>"
#define JOB_SUCCESS                                                                                      \
  "<JobsDetail><Code>Success</Code><Message></Message>" JOB_COMMON(JOB_DONE, "Success")                  \
  "<StartTime>2026-12-05T15:00:01+0800</StartTime><EndTime>2026-12-05T15:00:02+0800</EndTime>"          \
  "<Operation>" JOB_OUTPUT "<PicProcessResult><ObjectName>thumbs/cat.webp</ObjectName><OriginalInfo>"   \
  "<Etag>\"e1\"</Etag></OriginalInfo><ProcessResult><Etag>\"e2\"</Etag><Format>WEBP</Format>"        \
  "<Height>125</Height><Quality>75</Quality><Size>4242</Size><Width>200</Width></ProcessResult>"         \
  "</PicProcessResult><UserData>u1</UserData><JobLevel>1</JobLevel></Operation></JobsDetail>"
#define QUEUE(state)                                                                                     \
  "<QueueId>" QUEUE_ID "</QueueId><Name>queue-1</Name><State>" state "</State><NotifyConfig>"           \
  "<State>Off</State></NotifyConfig><MaxSize>10000</MaxSize><MaxConcurrent>10</MaxConcurrent>"          \
  "<UpdateTime>2026-12-05T15:00:00+0800</UpdateTime><CreateTime>2026-12-05T15:00:00+0800</CreateTime>"

static int job_route(int fd) {
  static const char *xml = "Content-Type: application/xml\r\n";
  const char *answer = NULL;
  if (strcmp(last_line, "POST /picbucket HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response><RequestId>r1</RequestId><PicBucket><BucketId>examplebucket-1250000000</BucketId>"
                      "<Name>examplebucket-1250000000</Name><Region>ap-guangzhou</Region>"
                      "<CreateTime>2026-12-05T15:00:00+0800</CreateTime></PicBucket></Response>";
  } else if (strncmp(last_line, "GET /picqueue?", 14) == 0) {
    answer = XML_HEAD "<Response><RequestId>r2</RequestId><TotalCount>1</TotalCount><PageNumber>1</PageNumber>"
                      "<PageSize>10</PageSize><QueueList>" QUEUE("Active") "</QueueList></Response>";
  } else if (strcmp(last_line, "PUT /picqueue/" QUEUE_ID " HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response><RequestId>r3</RequestId><Queue>" QUEUE("Paused") "</Queue></Response>";
  } else if (strcmp(last_line, "POST /pic_jobs HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response>" JOB_PENDING(JOB_DONE, "Submitted") "</Response>";
  } else if (strcmp(last_line, "GET /pic_jobs/" JOB_DONE " HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response>" JOB_SUCCESS "</Response>";
  } else if (strcmp(last_line, "GET /pic_jobs/" JOB_RUNNING " HTTP/1.1") == 0) {
    running_polls++;
    answer = XML_HEAD "<Response>" JOB_PENDING(JOB_RUNNING, "Running") "</Response>";
  } else if (strcmp(last_line, "GET /pic_jobs/" JOB_DONE "%2C" JOB_MISSING " HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response>" JOB_SUCCESS "<NonExistJobIds>" JOB_MISSING "</NonExistJobIds></Response>";
  } else if (strcmp(last_line, "GET /pic_jobs/" JOB_MISSING " HTTP/1.1") == 0) {
    answer = XML_HEAD "<Response><NonExistJobIds>" JOB_MISSING "</NonExistJobIds></Response>";
  } else if (strncmp(last_line, "GET /pic_jobs?", 14) == 0) {
    answer = XML_HEAD "<Response>" JOB_SUCCESS JOB_PENDING(JOB_RUNNING, "Running") "<NextToken>tok2</NextToken></Response>";
  } else {
    return 0;
  }
  respond(fd, 200, "OK", xml, answer, strlen(answer));
  return 1;
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
  size_t kept = body_have < sizeof last_body - 1 ? body_have : sizeof last_body - 1;
  memcpy(last_body, end + 4, kept);
  char drain[8192];
  while (body_have < content_length) {
    ssize_t n = recv(fd, drain, sizeof drain, 0);
    if (n <= 0) break;
    size_t room = sizeof last_body - 1 - kept;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(last_body + kept, drain, take);
    kept += take;
    body_have += (size_t)n;
  }
  last_body[kept] = 0;
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

  if (job_route(fd)) {
    /* answered */
  } else if (strncmp(last_line, "PUT /denied.jpg ", 16) == 0) {
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

/* Little-endian reads of the packed response (cos_ci_response_packed). */
static uint32_t packed_u32(const uint8_t **p) {
  const uint8_t *b = *p;
  *p += 4;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t packed_u64(const uint8_t **p) {
  uint64_t lo = packed_u32(p);
  return lo | (uint64_t)packed_u32(p) << 32;
}

/* A text: compared with want (NULL: skipped). */
static void packed_text(const uint8_t **p, const char *want) {
  uint32_t n = packed_u32(p);
  if (want) {
    CHECK_U64(n, strlen(want));
    CHECK(memcmp(*p, want, n < strlen(want) ? n : strlen(want)) == 0);
  }
  *p += n;
}

/* The packed form of check_put_result's response: status, headers, UploadResult. */
static void check_packed_put(const cos_ci_response *resp) {
  size_t need = 0, got = 0;
  CHECK_RC(cos_ci_response_packed(resp, NULL, 0, &need), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK(need > 100);
  uint8_t *buf = malloc(need);
  CHECK_RC(cos_ci_response_packed(resp, buf, need - 1, &got), COS_CI_RESULT_BUFFER_TOO_SMALL);
  CHECK_OK(cos_ci_response_packed(resp, buf, need, &got));
  CHECK_U64(got, need);
  CHECK_RC(cos_ci_response_packed(NULL, buf, need, &got), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_response_packed(resp, buf, need, NULL), COS_CI_RESULT_NULL_PARAMETER);
  const uint8_t *p = buf;
  CHECK_U64(packed_u32(&p), 1); /* layout version */
  CHECK_U64(packed_u32(&p), 200);
  size_t count = 0;
  CHECK_OK(cos_ci_response_header_count(resp, &count));
  CHECK_U64(packed_u32(&p), count);
  for (size_t i = 0; i < count; i++) {
    text_buf name, value;
    CHECK_OK(cos_ci_response_header_name(resp, i, OUT(name)));
    CHECK_OK(cos_ci_response_header_value(resp, i, OUT(value)));
    packed_text(&p, name.s);
    packed_text(&p, value.s);
  }
  CHECK_U64(packed_u32(&p), 3); /* an UploadResult with an OriginalInfo */
  uint32_t mask = packed_u32(&p);
  CHECK(mask & (1u << COS_CI_FIELD_KEY));
  CHECK(mask & (1u << COS_CI_FIELD_WIDTH));
  CHECK(!(mask & (1u << COS_CI_FIELD_MD5)));
  packed_text(&p, "filename.jpg");
  packed_text(&p, NULL);
  packed_text(&p, "\"580cd6930444576523c25f86ce2af9b1fc2d5484\"");
  packed_text(&p, "JPEG");
  packed_text(&p, "");
  packed_text(&p, "0xa18454");
  uint64_t n[10];
  for (int i = 0; i < 10; i++) n[i] = packed_u64(&p);
  CHECK_U64(n[0], 640);
  CHECK_U64(n[1], 427);
  CHECK_U64(n[4], 1); /* Orientation */
  CHECK_U64(packed_u32(&p), 1); /* one object */
  mask = packed_u32(&p);
  CHECK(mask & (1u << COS_CI_FIELD_SIZE));
  packed_text(&p, "test.png");
  for (int i = 0; i < 5; i++) packed_text(&p, NULL);
  for (int i = 0; i < 10; i++) n[i] = packed_u64(&p);
  CHECK_U64(n[2], 463092); /* Size */
  CHECK_U64(packed_u32(&p), 0); /* no QR codes */
  CHECK_U64((size_t)(p - buf), need);
  free(buf);
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
    check_packed_put(resp);
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

/* A job's text field. */
static const char *job_text(const cos_ci_pic_job *job, uint32_t field, text_buf *b) {
  b->s[0] = 0;
  CHECK_OK(cos_ci_pic_job_string(job, field, (uint8_t *)b->s, sizeof b->s, &b->n));
  return b->s;
}

static void test_jobs(void) {
  stopping = 0;
  listen_fd = open_listener(&port);
  pthread_t thread;
  pthread_create(&thread, NULL, server_main, NULL);
  cos_ci_client *client = make_client(port);
  cos_ci_response *resp = NULL;
  const cos_ci_pic_job *job = NULL;
  text_buf b;
  size_t n = 99;
  uint64_t v = 0;

  /* Open the bucket; its queue; pause it. */
  CHECK_OK(cos_ci_client_open_pic_bucket(client, S(BUCKET), &resp));
  CHECK_STR(last_line, "POST /picbucket HTTP/1.1");
  CHECK_RC(cos_ci_response_pic_queue_count(resp, &n), COS_CI_RESULT_NOT_PRESENT);
  CHECK_RC(cos_ci_response_pic_job_count(resp, &n), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_get_pic_queue(client, S(BUCKET), &resp));
  CHECK_STR(last_line, "GET /picqueue?queueIds=&state=All&pageNumber=&pageSize= HTTP/1.1");
  CHECK_OK(cos_ci_response_pic_queue_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_pic_queue_id(resp, 0, OUT(b)));
  CHECK_STR(b.s, QUEUE_ID);
  CHECK_OK(cos_ci_response_pic_queue_name(resp, 0, OUT(b)));
  CHECK_STR(b.s, "queue-1");
  CHECK_OK(cos_ci_response_pic_queue_state(resp, 0, OUT(b)));
  CHECK_STR(b.s, "Active");
  CHECK_RC(cos_ci_response_pic_queue_id(resp, 1, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  cos_ci_response_free(resp);
  CHECK_OK(cos_ci_client_update_pic_queue(client, S(BUCKET), S(QUEUE_ID), S("queue-1"), S("Paused"), &resp));
  CHECK_STR(last_line, "PUT /picqueue/" QUEUE_ID " HTTP/1.1");
  CHECK_STR(last_body, XML_HEAD "<Request><Name>queue-1</Name><State>Paused</State></Request>");
  CHECK_OK(cos_ci_response_pic_queue_state(resp, 0, OUT(b)));
  CHECK_STR(b.s, "Paused");
  cos_ci_response_free(resp);
  int before = requests_served;
  resp = (cos_ci_response *)1;
  CHECK_RC(cos_ci_client_update_pic_queue(client, S(BUCKET), S(QUEUE_ID), S("queue-1"), S("Stopped"), &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK_STR(b.s, "queue state \"Stopped\" is not Active or Paused");
  CHECK_RC(cos_ci_client_update_pic_queue(client, S(BUCKET), S(QUEUE_ID), NULL, 0, S("Active"), &resp),
           COS_CI_RESULT_NULL_PARAMETER);

  /* Create: the request as the Python SDK sends it; the new job. */
  const cos_ci_kv create_opts[] = {KV("IsPicInfo", "true"), KV("UserData", "u1"), KV("JobLevel", "1")};
  CHECK_OK(cos_ci_client_create_pic_jobs(client, S(BUCKET), S(QUEUE_ID), S("photos/cat.jpg"), S("ap-guangzhou"),
                                         S(BUCKET), S("thumbs/cat.webp"), S("imageMogr2/thumbnail/200x/format/webp"),
                                         create_opts, 3, &resp));
  CHECK_STR(last_line, "POST /pic_jobs HTTP/1.1");
  CHECK_STR(last_body, XML_HEAD "<Request><Tag>PicProcess</Tag><Input><Object>photos/cat.jpg</Object></Input>"
                                "<Operation><PicProcess><IsPicInfo>true</IsPicInfo><ProcessRule>imageMogr2/thumbnail/"
                                "200x/format/webp</ProcessRule></PicProcess><Output><Region>ap-guangzhou</Region>"
                                "<Bucket>" BUCKET "</Bucket><Object>thumbs/cat.webp</Object></Output>"
                                "<UserData>u1</UserData><JobLevel>1</JobLevel></Operation><QueueId>" QUEUE_ID
                                "</QueueId></Request>");
  CHECK_OK(cos_ci_response_pic_job_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_pic_job(resp, 0, &job));
  if (job) {
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_JOB_ID, &b), JOB_DONE);
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_STATE, &b), "Submitted");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_START_TIME, &b), "-");
    CHECK_RC(cos_ci_pic_job_string(job, COS_CI_JOB_FIELD_RESULT_OBJECT, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
    bool ended = true;
    CHECK_OK(cos_ci_pic_job_ended(job, &ended));
    CHECK(!ended);
  }
  CHECK_RC(cos_ci_response_pic_job(resp, 1, &job), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK(job == NULL);
  CHECK_RC(cos_ci_response_pic_jobs_next_token(resp, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
  cos_ci_response_free(resp);
  /* Refused before sending: no rule nor template, a bad option, a NULL value. */
  before = requests_served;
  resp = (cos_ci_response *)1;
  CHECK_RC(cos_ci_client_create_pic_jobs(client, S(BUCKET), S(QUEUE_ID), S("photos/cat.jpg"), S("ap-guangzhou"),
                                         S(BUCKET), S("thumbs/cat.webp"), NULL, 0, NULL, 0, &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK_STR(b.s, "a rule or a TemplateId option is required");
  const cos_ci_kv bad_level[] = {KV("JobLevel", "3")};
  CHECK_RC(cos_ci_client_create_pic_jobs(client, S(BUCKET), S(QUEUE_ID), S("photos/cat.jpg"), S("ap-guangzhou"),
                                         S(BUCKET), S("o.webp"), S("imageMogr2/format/webp"), bad_level, 1, &resp),
           COS_CI_RESULT_INVALID_ARGUMENT);
  const cos_ci_kv no_value[] = {{(const uint8_t *)"UserData", 8, NULL, 0}};
  CHECK_RC(cos_ci_client_create_pic_jobs(client, S(BUCKET), S(QUEUE_ID), S("photos/cat.jpg"), S("ap-guangzhou"),
                                         S(BUCKET), S("o.webp"), S("imageMogr2/format/webp"), no_value, 1, &resp),
           COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_client_create_pic_jobs(client, S(BUCKET), NULL, 0, S("photos/cat.jpg"), S("ap-guangzhou"),
                                         S(BUCKET), S("o.webp"), S("imageMogr2/format/webp"), NULL, 0, &resp),
           COS_CI_RESULT_NULL_PARAMETER);
  CHECK_U64(requests_served, before);

  /* Get: found ones in order, unknown ids listed, not an error. */
  CHECK_OK(cos_ci_client_get_pic_jobs(client, S(BUCKET), S(JOB_DONE "," JOB_MISSING), &resp));
  CHECK_STR(last_line, "GET /pic_jobs/" JOB_DONE "%2C" JOB_MISSING " HTTP/1.1");
  CHECK_OK(cos_ci_response_pic_job_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_non_exist_job_id_count(resp, &n));
  CHECK_U64(n, 1);
  CHECK_OK(cos_ci_response_non_exist_job_id(resp, 0, OUT(b)));
  CHECK_STR(b.s, JOB_MISSING);
  CHECK_RC(cos_ci_response_non_exist_job_id(resp, 1, OUT(b)), COS_CI_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_OK(cos_ci_response_pic_job(resp, 0, &job));
  if (job) {
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_STATE, &b), "Success");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_CODE, &b), "Success");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_QUEUE_ID, &b), QUEUE_ID);
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_TAG, &b), "PicProcess");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_INPUT_OBJECT, &b), "photos/cat.jpg");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_INPUT_BUCKET, &b), BUCKET);
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_OUTPUT_OBJECT, &b), "thumbs/cat.webp");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_OUTPUT_REGION, &b), "ap-guangzhou");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_PROCESS_RULE, &b), "imageMogr2/thumbnail/200x/format/webp");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_USER_DATA, &b), "u1");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_END_TIME, &b), "2026-12-05T15:00:02+0800");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_RESULT_OBJECT, &b), "thumbs/cat.webp");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_RESULT_FORMAT, &b), "WEBP");
    CHECK_STR(job_text(job, COS_CI_JOB_FIELD_RESULT_ETAG, &b), "\"e2\"");
    CHECK_RC(cos_ci_pic_job_string(job, COS_CI_JOB_FIELD_TEMPLATE_ID, OUT(b)), COS_CI_RESULT_NOT_PRESENT);
    CHECK_OK(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_RESULT_WIDTH, &v));
    CHECK_U64(v, 200);
    CHECK_OK(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_RESULT_HEIGHT, &v));
    CHECK_U64(v, 125);
    CHECK_OK(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_RESULT_SIZE, &v));
    CHECK_U64(v, 4242);
    CHECK_OK(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_RESULT_QUALITY, &v));
    CHECK_U64(v, 75);
    CHECK_OK(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_JOB_LEVEL, &v));
    CHECK_U64(v, 1);
    CHECK_RC(cos_ci_pic_job_number(job, COS_CI_JOB_FIELD_STATE, &v), COS_CI_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cos_ci_pic_job_string(job, COS_CI_JOB_FIELD_RESULT_SIZE, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
    CHECK_RC(cos_ci_pic_job_string(job, 999, OUT(b)), COS_CI_RESULT_INVALID_ARGUMENT);
  }
  cos_ci_response_free(resp);
  before = requests_served;
  CHECK_RC(cos_ci_client_get_pic_jobs(client, S(BUCKET), S("c1,not-an-id"), &resp), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_client_get_pic_jobs(client, S(BUCKET), S(""), &resp), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_U64(requests_served, before);

  /* List: the query as the Python SDK sends it, the page, the next token. */
  const cos_ci_kv list_opts[] = {KV("States", "Success,Running"), KV("Size", "2"), KV("QueueId", QUEUE_ID)};
  CHECK_OK(cos_ci_client_list_pic_jobs(client, S(BUCKET), list_opts, 3, &resp));
  CHECK_STR(last_line, "GET /pic_jobs?tag=PicProcess&orderByTime=Desc&states=Success%2CRunning&size=2&nextToken="
                       "&queueId=" QUEUE_ID " HTTP/1.1");
  CHECK_OK(cos_ci_response_pic_job_count(resp, &n));
  CHECK_U64(n, 2);
  CHECK_OK(cos_ci_response_pic_job(resp, 1, &job));
  if (job) CHECK_STR(job_text(job, COS_CI_JOB_FIELD_JOB_ID, &b), JOB_RUNNING);
  CHECK_OK(cos_ci_response_pic_jobs_next_token(resp, OUT(b)));
  CHECK_STR(b.s, "tok2");
  CHECK_OK(cos_ci_response_non_exist_job_id_count(resp, &n));
  CHECK_U64(n, 0);
  cos_ci_response_free(resp);
  const cos_ci_kv bad_list[] = {KV("States", "Done")};
  resp = (cos_ci_response *)1;
  CHECK_RC(cos_ci_client_list_pic_jobs(client, S(BUCKET), bad_list, 1, &resp), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK(resp == NULL);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK(strstr(b.s, "unknown job state `Done`") != NULL);

  /* Wait: an ended job at the first poll; the caller owns it. */
  cos_ci_pic_job *waited = NULL;
  CHECK_OK(cos_ci_client_wait_for_job(client, S(BUCKET), S(JOB_DONE), 60000, &waited));
  if (waited) {
    CHECK_STR(job_text(waited, COS_CI_JOB_FIELD_STATE, &b), "Success");
    CHECK_OK(cos_ci_pic_job_number(waited, COS_CI_JOB_FIELD_RESULT_WIDTH, &v));
    CHECK_U64(v, 200);
  }
  cos_ci_pic_job_free(waited);
  /* A job still running when the time runs out. */
  waited = (cos_ci_pic_job *)1;
  running_polls = 0;
  CHECK_RC(cos_ci_client_wait_for_job(client, S(BUCKET), S(JOB_RUNNING), 150, &waited), COS_CI_RESULT_JOB_WAIT_TIMEOUT);
  CHECK(waited == NULL);
  CHECK(running_polls >= 1);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK(strncmp(b.s, "job " JOB_RUNNING " still Running after ", 4 + 33 + 21) == 0);
  /* Unknown, malformed, NULL. */
  CHECK_RC(cos_ci_client_wait_for_job(client, S(BUCKET), S(JOB_MISSING), 60000, &waited), COS_CI_RESULT_JOB_NOT_FOUND);
  CHECK_OK(cos_ci_client_last_error(client, OUT(b)));
  CHECK_STR(b.s, "no job " JOB_MISSING " in this bucket");
  before = requests_served;
  CHECK_RC(cos_ci_client_wait_for_job(client, S(BUCKET), S("c-1"), 60000, &waited), COS_CI_RESULT_INVALID_ARGUMENT);
  CHECK_RC(cos_ci_client_wait_for_job(client, S(BUCKET), S(JOB_DONE), 60000, NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_client_wait_for_job(NULL, S(BUCKET), S(JOB_DONE), 60000, &waited), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_U64(requests_served, before);
  CHECK_RC(cos_ci_response_pic_job_count(NULL, &n), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_pic_job_string(NULL, 0, OUT(b)), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_pic_job_free(NULL);
  /* The codes' messages. */
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_JOB_NOT_FOUND, OUT(b)));
  CHECK_STR(b.s, "no such job");
  CHECK_OK(cos_ci_result_message(COS_CI_RESULT_JOB_WAIT_TIMEOUT, OUT(b)));
  CHECK_STR(b.s, "the job had not ended when the wait ran out");

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
  test_jobs();
  test_connection_refused();
  free(put_xml);
  free(process_xml);
  free(complete_xml);
  return check_done("test_client");
}
