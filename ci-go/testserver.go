package cosci

/*
#include "cos_ci.h"
*/
import "C"

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// TestServer is the local COS + CI server (ci-server) running in this process on a free
// port of 127.0.0.1, as httptest.Server is for HTTP: every well-formed BucketName-APPID
// bucket exists, and requests signed with SecretID/SecretKey are served.
type TestServer struct {
	Addr      string // "127.0.0.1:PORT"
	Host      string // "127.0.0.1"
	Port      int
	Region    string // "ap-guangzhou"
	SecretID  string
	SecretKey string

	mu  sync.Mutex
	ptr *C.cos_ci_local_server
}

// NewTestServer starts a local server for one test, with a temporary data folder and
// the credentials AKIDlocal / sk-local, and stops it (removing the folder) when the test
// ends.
func NewTestServer(t testing.TB) *TestServer {
	t.Helper()
	s, err := StartLocalServer("", "", "")
	if err != nil {
		t.Fatalf("starting the local COS server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartLocalServer starts a local server. root is its data folder ("" for a temporary
// one that Close removes); secretID/secretKey its one key pair ("" for AKIDlocal /
// sk-local). Close stops it.
func StartLocalServer(root, secretID, secretKey string) (*TestServer, error) {
	if secretID == "" {
		secretID = "AKIDlocal"
	}
	if secretKey == "" {
		secretKey = "sk-local"
	}
	optional := func(s string) (*C.uint8_t, C.size_t) {
		if s == "" {
			return nil, 0
		}
		return cstr(s)
	}
	rootPtr, rootLen := optional(root)
	idPtr, idLen := cstr(secretID)
	keyPtr, keyLen := cstr(secretKey)
	var ptr *C.cos_ci_local_server
	if rc := Result(C.cos_ci_local_server_start(rootPtr, rootLen, idPtr, idLen, keyPtr, keyLen, &ptr)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: "starting the local server: " + rc.String()}
	}
	var port C.uint16_t
	if rc := Result(C.cos_ci_local_server_port(ptr, &port)); rc != ResultOK {
		C.cos_ci_local_server_free(ptr)
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	s := &TestServer{
		Host: "127.0.0.1", Port: int(port), Region: "ap-guangzhou",
		SecretID: secretID, SecretKey: secretKey, ptr: ptr,
	}
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	return s, nil
}

// Close stops the server (requests in flight finish first). Safe to call twice.
func (s *TestServer) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptr != nil {
		C.cos_ci_local_server_free(s.ptr)
		s.ptr = nil
	}
}

// Config is a cosci client configuration for this server.
func (s *TestServer) Config() Config {
	return Config{Region: s.Region, SecretID: s.SecretID, SecretKey: s.SecretKey, Scheme: "http", IP: s.Host, Port: s.Port}
}

// Transport sends every request to this server whatever its URL's host, so that a
// client built for the real service (the official cos-go-sdk-v5 with
// cos.NewBucketURL(bucket, region, false)) signs and sends exactly what it would send to
// COS, and reaches this server.
func (s *TestServer) Transport() *http.Transport {
	dialer := &net.Dialer{}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, s.Addr)
		},
		MaxIdleConnsPerHost: 8,
	}
}
