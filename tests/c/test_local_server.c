/* The in-process local COS + CI server (cos_ci_local_server_*): what a user's C test
 * does to get a server of its own, then the client against it. */
#include <sys/stat.h>

#include "check.h"

#define BUCKET "ctest-1250000000"

static cos_ci_client *client_for(const char *port, const char *secret_key) {
  cos_ci_config *cfg = NULL;
  cos_ci_client *client = NULL;
  CHECK_OK(cos_ci_config_new(&cfg));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_REGION"), S("ap-guangzhou")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_ID"), S("AKIDlocal")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SECRET_KEY"), S(secret_key)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_SCHEME"), S("http")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_IP"), S("127.0.0.1")));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_PORT"), S(port)));
  CHECK_OK(cos_ci_config_set(cfg, S("COS_RETRIES"), S("0")));
  CHECK_OK(cos_ci_client_new(cfg, &client));
  cos_ci_config_free(cfg);
  return client;
}

static uint16_t status_of(cos_ci_response *resp) {
  uint16_t st = 0;
  if (resp) CHECK_OK(cos_ci_response_status(resp, &st));
  return st;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_local_server SCRATCH_DIR\n");
    return 2;
  }
  /* A temporary root, the default credentials. */
  cos_ci_local_server *server = NULL;
  CHECK_OK(cos_ci_local_server_start(NULL, 0, NULL, 0, NULL, 0, &server));
  if (!server) return check_done("test_local_server");
  uint16_t port = 0;
  text_buf addr;
  CHECK_OK(cos_ci_local_server_port(server, &port));
  CHECK_OK(cos_ci_local_server_address(server, OUT(addr)));
  char port_text[16], want[32];
  snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
  snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)port);
  CHECK_STR(addr.s, want);

  cos_ci_client *client = client_for(port_text, "sk-local");
  cos_ci_response *resp = NULL;
  CHECK_OK(cos_ci_client_put_object(client, S(BUCKET), S("a/hello.txt"), (const uint8_t *)"hello", 5, NULL, 0, &resp));
  CHECK_U64(status_of(resp), 200);
  cos_ci_response_free(resp);
  resp = NULL;
  CHECK_OK(cos_ci_client_get_object(client, S(BUCKET), S("a/hello.txt"), NULL, 0, NULL, 0, &resp));
  text_buf body;
  if (resp) CHECK_OK(cos_ci_response_body(resp, OUT(body)));
  CHECK_STR(body.s, "hello");
  cos_ci_response_free(resp);
  cos_ci_client_free(client);

  /* A wrong key is refused as COS refuses it. */
  cos_ci_client *wrong = client_for(port_text, "not-the-key");
  resp = NULL;
  CHECK_RC(cos_ci_client_get_object(wrong, S(BUCKET), S("a/hello.txt"), NULL, 0, NULL, 0, &resp),
           COS_CI_RESULT_SERVICE_ERROR);
  CHECK_U64(status_of(resp), 403);
  cos_ci_response_free(resp);
  cos_ci_client_free(wrong);
  cos_ci_local_server_free(server);

  /* A root of the caller's, kept after free; custom credentials. */
  char root[2048];
  snprintf(root, sizeof root, "%s/local-server-root", argv[1]);
  server = NULL;
  CHECK_OK(cos_ci_local_server_start(S(root), S("AKIDlocal"), S("sk-mine"), &server));
  CHECK_OK(cos_ci_local_server_port(server, &port));
  snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
  client = client_for(port_text, "sk-mine");
  resp = NULL;
  CHECK_OK(cos_ci_client_put_object(client, S(BUCKET), S("kept.txt"), (const uint8_t *)"x", 1, NULL, 0, &resp));
  CHECK_U64(status_of(resp), 200);
  cos_ci_response_free(resp);
  cos_ci_client_free(client);
  cos_ci_local_server_free(server);
  struct stat st;
  CHECK(stat(root, &st) == 0 && S_ISDIR(st.st_mode));

  /* Boundary conventions. */
  CHECK_RC(cos_ci_local_server_start(NULL, 0, NULL, 0, NULL, 0, NULL), COS_CI_RESULT_NULL_PARAMETER);
  CHECK_RC(cos_ci_local_server_port(NULL, &port), COS_CI_RESULT_NULL_PARAMETER);
  cos_ci_local_server_free(NULL);
  return check_done("test_local_server");
}
