package cosci

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// A user's test, as they would write it: the official SDK against NewTestServer.
func TestNewTestServerWithTheOfficialSDK(t *testing.T) {
	srv := NewTestServer(t)
	u, err := cos.NewBucketURL("mytest-1250000000", srv.Region, false)
	if err != nil {
		t.Fatal(err)
	}
	client := cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{
		Transport: &cos.AuthorizationTransport{SecretID: srv.SecretID, SecretKey: srv.SecretKey, Transport: srv.Transport()},
	})
	ctx := context.Background()
	if _, err := client.Object.Put(ctx, "notes/a.txt", bytes.NewReader([]byte("hello")), nil); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Object.Get(ctx, "notes/a.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hello" {
		t.Fatalf("got %q", body)
	}
	// Processing on upload, through our client configured for the same server.
	photo, err := os.ReadFile("../tests/fixtures/corpus/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	ours, err := NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	result, _, err := ours.CIPutObject(ctx, "mytest-1250000000", "p/photo.jpg", bytes.NewReader(photo),
		&Options{PicOperations: `{"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/64x/format/png"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if len(result.ProcessResults) != 1 || result.ProcessResults[0].Width != 64 || result.ProcessResults[0].Format != "png" {
		t.Fatalf("unexpected result %+v", result)
	}
}

// Two servers run side by side and each removes its temporary folder on Close.
func TestTestServerIsolation(t *testing.T) {
	a, err := StartLocalServer("", "", "")
	if err != nil {
		t.Fatal(err)
	}
	b := NewTestServer(t)
	if a.Port == b.Port {
		t.Fatalf("same port %d", a.Port)
	}
	a.Close()
	a.Close() // idempotent
	if _, err := http.Get("http://" + a.Addr + "/"); err == nil {
		t.Fatal("a closed server still answers")
	}
}
