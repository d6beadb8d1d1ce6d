package cosci

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const seedXML = "../tests/fixtures/seeds/upload_result_put.xml"

func TestVersion(t *testing.T) {
	if v := Version(); v != "0.1.0" {
		t.Fatalf("Version() = %q", v)
	}
	if s := ResultOK.String(); s != "success" {
		t.Fatalf("ResultOK.String() = %q", s)
	}
}

// The release libcos_ci that test.sh builds must carry libjpeg-turbo's SIMD kernels.
func TestBuildInfo(t *testing.T) {
	info, err := BuildInfo()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "libjpeg-turbo 3.") {
		t.Fatalf("BuildInfo() = %q", info)
	}
	if !JPEGSIMD() && os.Getenv("COS_CI_ALLOW_NO_JPEG_SIMD") != "1" {
		t.Fatalf("libcos_ci has no JPEG SIMD kernels:\n%s", info)
	}
	if strings.Contains(info, "SIMD kernels: yes") != JPEGSIMD() {
		t.Fatalf("BuildInfo and JPEGSIMD disagree:\n%s", info)
	}
}

func TestPicOperations(t *testing.T) {
	got, err := NewPicOperations().WithPicInfo(true).AddRule("thumb.png", "imageMogr2/thumbnail/200x/format/png", "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}`
	if got != want {
		t.Fatalf("JSON() = %s, want %s", got, want)
	}
	_, err = NewPicOperations().AddRule("x.png", "imageMogr2/no$op/1", "").JSON()
	var e *Error
	if !errors.As(err, &e) || e.Code != ResultInvalidRule {
		t.Fatalf("bad rule: %v", err)
	}
}

func TestCanonicalRule(t *testing.T) {
	if _, err := CanonicalRule("imageMogr2/thumbnail/200x"); err != nil {
		t.Fatal(err)
	}
	// A well-formed operation we do not model is carried through as written.
	if got, err := CanonicalRule("imageMogr2/newop/1|QRcode/cover/0"); err != nil || got != "imageMogr2/newop/1|QRcode/cover/0" {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err := CanonicalRule("imageMogr2/no$op/1")
	var re *RuleError
	if !errors.As(err, &re) || re.Offset != 11 || re.Token != "no$op" {
		t.Fatalf("got %#v", err)
	}
}

func TestParseUploadResult(t *testing.T) {
	xml, err := os.ReadFile(seedXML)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseUploadResult(xml)
	if err != nil {
		t.Fatal(err)
	}
	if r.OriginalInfo == nil || r.OriginalInfo.Key != "filename.jpg" || r.OriginalInfo.ImageInfo.Width != 640 {
		t.Fatalf("original: %+v", r.OriginalInfo)
	}
	if len(r.ProcessResults) != 1 || r.ProcessResults[0].Size != 463092 || r.ProcessResults[0].Format != "png" {
		t.Fatalf("objects: %+v", r.ProcessResults)
	}
	if _, err := ParseUploadResult([]byte("<UploadResult>")); err == nil {
		t.Fatal("malformed XML accepted")
	}
}

// fakeCOS answers PUT with the seed UploadResult, GET with fixed bytes, and /denied
// with a 403 <Error>.
func fakeCOS(t *testing.T) (*httptest.Server, *Client) {
	xml, err := os.ReadFile(seedXML)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("x-cos-request-id", "req-go")
		switch {
		case strings.HasPrefix(r.URL.Path, "/denied"):
			w.WriteHeader(403)
			io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Access Denied.</Message><RequestId>req-denied</RequestId></Error>")
		case r.Method == http.MethodPut:
			if r.Header.Get("Pic-Operations") == "" || r.Header.Get("Authorization") == "" {
				w.WriteHeader(400)
				return
			}
			w.Write(xml)
		case r.Method == http.MethodGet:
			io.WriteString(w, "THUMB:"+r.URL.RawQuery)
		default:
			w.WriteHeader(404)
		}
	}))
	return srv, clientOf(t, srv)
}

// clientOf is a client of srv (no retries).
func clientOf(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	zero := 0
	c, err := NewClient(Config{Region: "ap-guangzhou", SecretID: "AKIDexample", SecretKey: "sk-example",
		Scheme: "http", IP: host, Port: p, Retries: &zero})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient(t *testing.T) {
	srv, c := fakeCOS(t)
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	ops, _ := NewPicOperations().WithPicInfo(true).AddRule("thumb.png", "imageMogr2/thumbnail/200x/format/png", "").JSON()
	res, hdr, err := c.CIPutObject(ctx, "examplebucket-1250000000", "photos/cat.jpg", bytes.NewReader([]byte("jpeg")),
		&Options{PicOperations: ops, ContentType: "image/jpeg", Metadata: map[string]string{"x-cos-meta-owner": "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Get("X-Cos-Request-Id") != "req-go" || res == nil || res.ProcessResults[0].Key != "test.png" {
		t.Fatalf("headers %v result %+v", hdr, res)
	}
	body, _, err := c.GetObject(ctx, "examplebucket-1250000000", "photos/cat.jpg", "imageMogr2/thumbnail/100x")
	if err != nil || !strings.HasPrefix(string(body), "THUMB:imageMogr2") {
		t.Fatalf("GetObject: %q %v", body, err)
	}
	_, _, err = c.CIPutObject(ctx, "examplebucket-1250000000", "denied.jpg", strings.NewReader("x"), &Options{PicOperations: ops})
	var e *Error
	if !errors.As(err, &e) || e.Code != ResultServiceError || e.Status != 403 || e.ServiceCode != "AccessDenied" || e.RequestID != "req-denied" {
		t.Fatalf("service error: %#v", err)
	}
	_, _, err = c.CIImageProcess(ctx, "examplebucket-1250000000", "photos/cat.jpg", nil)
	if !errors.As(err, &e) || e.Code != ResultInvalidArgument {
		t.Fatalf("image_process without PicOperations: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := c.GetObject(cancelled, "examplebucket-1250000000", "a", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestClientConcurrent(t *testing.T) {
	srv, c := fakeCOS(t)
	defer srv.Close()
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.GetObject(context.Background(), "examplebucket-1250000000", "k", "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientErrors(t *testing.T) {
	if _, err := NewClient(Config{}); err == nil {
		t.Fatal("empty config accepted")
	} else if e := (*Error)(nil); !errors.As(err, &e) || e.Code != ResultConfig {
		t.Fatalf("got %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	zero := 0
	c, err := NewClient(Config{Region: "ap-guangzhou", SecretID: "a", SecretKey: "b", Scheme: "http", IP: "127.0.0.1", Port: port, Retries: &zero})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetObject(context.Background(), "examplebucket-1250000000", "k", "")
	var e *Error
	if !errors.As(err, &e) || e.Code != ResultTransport {
		t.Fatalf("connection refused: %v", err)
	}
	c.Close()
	c.Close()
	if _, _, err := c.GetObject(context.Background(), "b-1", "k", ""); err == nil {
		t.Fatal("closed client worked")
	}
}

// TestLocalServer runs against `cos-ci serve` when COS_CI_TEST_SERVER=host:port is set
// (credentials AKIDlocal / sk-local, as tests/c/run.sh starts it).
func TestLocalServer(t *testing.T) {
	host, port := localServer(t)
	c := ourClient(t, host, port)
	defer c.Close()
	ctx := context.Background()
	key := "go/" + strconv.Itoa(os.Getpid()) + ".bin"
	if _, _, err := c.CIPutObject(ctx, "gotest-1250000000", key, strings.NewReader("hello"), nil); err != nil {
		t.Fatal(err)
	}
	body, _, err := c.GetObject(ctx, "gotest-1250000000", key, "")
	if err != nil || string(body) != "hello" {
		t.Fatalf("%q %v", body, err)
	}
	_, _, err = c.GetObject(ctx, "gotest-1250000000", key+".missing", "")
	var e *Error
	if !errors.As(err, &e) || e.ServiceCode != "NoSuchKey" || e.RequestID == "" {
		t.Fatalf("missing key: %#v", err)
	}
}
