// Package interop runs the official cos-go-sdk-v5, unmodified, against `cos-ci serve`.
//
// run.sh starts the server and sets COS_CI_TEST_SERVER=host:port (credentials
// AKIDexample / sk-example). The SDK is pointed at the cloud's own host names
// (<bucket>.cos.<region>.myqcloud.com, service.cos.myqcloud.com) and an http.Transport
// whose dialer connects every one of them to that loopback address, so the Host header
// and the signature are exactly what the SDK sends to the cloud.
package interop

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const (
	bucket    = "examplebucket-1250000000"
	region    = "ap-chengdu" // the region of the documentation's UploadResult example
	secretID  = "AKIDexample"
	secretKey = "sk-example"
)

var bucketHost = bucket + ".cos." + region + ".myqcloud.com"

// client returns an SDK client whose connections all go to the local server.
func client(t *testing.T, key string) *cos.Client {
	t.Helper()
	return clientVia(t, key, nil)
}

// bodyRecorder is a transport that keeps a copy of the last response body (what the
// SDK read, which it does not hand back for every call).
type bodyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	last []byte
}

func (r *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = b
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *bodyRecorder) lastBody() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// clientVia is client with rec (when not nil) between the signing transport and the
// connection.
func clientVia(t *testing.T, key string, rec *bodyRecorder) *cos.Client {
	t.Helper()
	addr := os.Getenv("COS_CI_TEST_SERVER")
	if addr == "" {
		t.Skip("COS_CI_TEST_SERVER is not set: run tests/interop-go/run.sh")
	}
	bu, _ := url.Parse("http://" + bucketHost)
	su, _ := url.Parse("http://service.cos.myqcloud.com")
	// Styles go to the CI URL: the bucket's pic host, as the SDK's examples set it.
	cu, _ := url.Parse("http://" + bucket + ".pic." + region + ".myqcloud.com")
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
	}
	var rt http.RoundTripper = transport
	if rec != nil {
		rec.next = transport
		rt = rec
	}
	return cos.NewClient(&cos.BaseURL{BucketURL: bu, ServiceURL: su, CIURL: cu}, &http.Client{
		Timeout:   60 * time.Second,
		Transport: &cos.AuthorizationTransport{SecretID: secretID, SecretKey: key, Transport: rt},
	})
}

func photo(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "corpus", "photo.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dims(t *testing.T, data []byte) (string, int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an image: %v", err)
	}
	return format, cfg.Width, cfg.Height
}

func get(t *testing.T, c *cos.Client, key string) ([]byte, *cos.Response) {
	t.Helper()
	resp, err := c.Object.Get(context.Background(), key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, resp
}

var sha1ETag = regexp.MustCompile(`^"[0-9a-f]{40}"$`)

// TestCIPutWithPicOperations: the documentation's example (filename.jpg, one rule writing
// test.png) with this photo, plus a thumbnail rule; the fields that do not depend on the
// cloud's encoder must match the example's: keys, locations, formats, dimensions, quoted
// SHA-1 ETags; sizes must equal the stored objects.
func TestCIPutWithPicOperations(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	ops := &cos.PicOperations{
		IsPicInfo: 1,
		Rules: []cos.PicOperationsRules{
			{FileId: "test.png", Rule: "imageMogr2/format/png"},
			{FileId: "/thumbs/small.jpg", Rule: "imageMogr2/thumbnail/320x"},
		},
	}
	res, resp, err := c.CI.Put(ctx, "filename.jpg", bytes.NewReader(photo(t)), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
			XOptionHeader: &http.Header{"Pic-Operations": []string{cos.EncodePicOperations(ops)}},
		},
	})
	if err != nil {
		t.Fatalf("CI.Put: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	o := res.OriginalInfo
	if o == nil || o.ImageInfo == nil {
		t.Fatalf("no OriginalInfo/ImageInfo: %+v", res)
	}
	if o.Key != "filename.jpg" || o.Location != bucketHost+"/filename.jpg" {
		t.Errorf("OriginalInfo key/location: %q %q", o.Key, o.Location)
	}
	if !sha1ETag.MatchString(o.ETag) {
		t.Errorf("OriginalInfo ETag %q is not a quoted SHA-1 as in the example", o.ETag)
	}
	ii := o.ImageInfo
	// photo.jpg: 640x400, quality 90, no EXIF (Orientation 0, as the cloud answers for
	// images without one; the example's photo has EXIF Orientation 1).
	if ii.Format != "JPEG" || ii.Width != 640 || ii.Height != 400 || ii.Quality != 90 || ii.Orientation != 0 {
		t.Errorf("ImageInfo: %+v", ii)
	}
	if !regexp.MustCompile(`^0x[0-9a-f]{6}$`).MatchString(ii.Ave) {
		t.Errorf("Ave %q", ii.Ave)
	}
	if len(res.ProcessResults) != 2 {
		t.Fatalf("ProcessResults: %+v", res.ProcessResults)
	}
	want := []struct {
		key, format string
		w, h        int
	}{
		{"test.png", "png", 640, 400},
		{"thumbs/small.jpg", "jpg", 320, 200},
	}
	for i, w := range want {
		p := res.ProcessResults[i]
		if p.Key != w.key || p.Location != bucketHost+"/"+w.key || p.Format != w.format ||
			p.Width != w.w || p.Height != w.h {
			t.Errorf("result %d: %+v, want %+v", i, p, w)
		}
		if !sha1ETag.MatchString(p.ETag) {
			t.Errorf("result %d ETag %q", i, p.ETag)
		}
		body, _ := get(t, c, w.key)
		if p.Size != len(body) {
			t.Errorf("result %d Size %d, stored %d bytes", i, p.Size, len(body))
		}
		f, gw, gh := dims(t, body)
		if gw != w.w || gh != w.h || (f == "jpeg") != (w.format == "jpg") {
			t.Errorf("stored %s is %s %dx%d", w.key, f, gw, gh)
		}
	}
}

func TestCIImageProcess(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	if _, err := c.Object.Put(ctx, "ip/src.jpg", bytes.NewReader(photo(t)), nil); err != nil {
		t.Fatal(err)
	}
	res, _, err := c.CI.ImageProcess(ctx, "ip/src.jpg", &cos.ImageProcessOptions{
		IsPicInfo: 1,
		Rules:     []cos.PicOperationsRules{{FileId: "out.png", Rule: "imageMogr2/thumbnail/!50p/format/png"}},
	})
	if err != nil {
		t.Fatalf("ImageProcess: %v", err)
	}
	if res.OriginalInfo == nil || res.OriginalInfo.Key != "ip/src.jpg" ||
		res.OriginalInfo.ImageInfo == nil || res.OriginalInfo.ImageInfo.Width != 640 {
		t.Errorf("OriginalInfo: %+v", res.OriginalInfo)
	}
	if len(res.ProcessResults) != 1 {
		t.Fatalf("ProcessResults: %+v", res.ProcessResults)
	}
	p := res.ProcessResults[0]
	if p.Key != "ip/out.png" || p.Format != "png" || p.Width != 320 || p.Height != 200 {
		t.Errorf("result: %+v", p)
	}
	body, _ := get(t, c, "ip/out.png")
	if f, w, h := dims(t, body); f != "png" || w != 320 || h != 200 || p.Size != len(body) {
		t.Errorf("stored ip/out.png: %s %dx%d, %d bytes (Size %d)", f, w, h, len(body), p.Size)
	}
}

func TestGetWithProcessing(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	if _, err := c.Object.Put(ctx, "dl/photo.jpg", bytes.NewReader(photo(t)), nil); err != nil {
		t.Fatal(err)
	}
	// CI.Get sends GET /<key>?<url-encoded rule>.
	resp, err := c.CI.Get(ctx, "dl/photo.jpg", "imageMogr2/thumbnail/100x/format/png", nil)
	if err != nil {
		t.Fatalf("get processed: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if f, w, h := dims(t, body); f != "png" || w != 100 || h != 63 {
		t.Errorf("processed download: %s %dx%d", f, w, h)
	}
	// Not stored: the original is still the only object under dl/.
	list, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "dl/"})
	if err != nil || len(list.Contents) != 1 {
		t.Errorf("dl/ listing: %+v %v", list, err)
	}
}

func TestMultipartUpload(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	key := "mp/big.bin"
	init, _, err := c.Object.InitiateMultipartUpload(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if init.Bucket != bucket || init.Key != key || init.UploadID == "" {
		t.Errorf("initiate: %+v", init)
	}
	part1 := bytes.Repeat([]byte("a"), 1<<20)
	part2 := []byte("tail")
	var parts []cos.Object
	for i, data := range [][]byte{part1, part2} {
		r, err := c.Object.UploadPart(ctx, key, init.UploadID, i+1, bytes.NewReader(data), nil)
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		parts = append(parts, cos.Object{PartNumber: i + 1, ETag: r.Header.Get("ETag")})
	}
	lp, _, err := c.Object.ListParts(ctx, key, init.UploadID, nil)
	if err != nil || len(lp.Parts) != 2 || lp.Parts[0].Size != 1<<20 || lp.Parts[1].Size != 4 {
		t.Errorf("list parts: %+v %v", lp, err)
	}
	// The upload is listed until it completes.
	ups, _, err := c.Bucket.ListMultipartUploads(ctx, &cos.ListMultipartUploadsOptions{Prefix: "mp/"})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(ups.Uploads) != 1 || ups.Uploads[0].Key != key || ups.Uploads[0].UploadID != init.UploadID ||
		ups.Bucket != bucket || ups.IsTruncated {
		t.Errorf("uploads: %+v", ups)
	}
	done, _, err := c.Object.CompleteMultipartUpload(ctx, key, init.UploadID,
		&cos.CompleteMultipartUploadOptions{Parts: parts})
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	if done.Key != key || done.Bucket != bucket || done.Location != bucketHost+"/"+key ||
		!regexp.MustCompile(`^"[0-9a-f]{32}-2"$`).MatchString(done.ETag) {
		t.Errorf("complete: %+v", done)
	}
	body, _ := get(t, c, key)
	if !bytes.Equal(body, append(append([]byte{}, part1...), part2...)) {
		t.Errorf("assembled object differs (%d bytes)", len(body))
	}
	ups, _, _ = c.Bucket.ListMultipartUploads(ctx, &cos.ListMultipartUploadsOptions{Prefix: "mp/"})
	if len(ups.Uploads) != 0 {
		t.Errorf("completed upload still listed: %+v", ups.Uploads)
	}
}

// TestMultipartCompleteWithPicOperations: the SDK's CompleteMultipartUpload carries the
// header (XOptionHeader) and parses <CompleteMultipartUploadResult>, failing when the
// body has no ETag. The server answers that root with Location, Bucket, Key and ETag,
// then OriginalInfo and ProcessResults, so the SDK succeeds; the SDK drops the picture
// results, read here from the recorded body.
func TestMultipartCompleteWithPicOperations(t *testing.T) {
	rec := &bodyRecorder{}
	c := clientVia(t, secretKey, rec)
	ctx := context.Background()
	key := "mpci/photo.jpg"
	init, _, err := c.Object.InitiateMultipartUpload(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Object.UploadPart(ctx, key, init.UploadID, 1, bytes.NewReader(photo(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	ops := `{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/64x/format/png"}]}`
	done, resp, err := c.Object.CompleteMultipartUpload(ctx, key, init.UploadID, &cos.CompleteMultipartUploadOptions{
		Parts:         []cos.Object{{PartNumber: 1, ETag: r.Header.Get("ETag")}},
		XOptionHeader: &http.Header{"Pic-Operations": []string{ops}},
	})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload with Pic-Operations: %v", err)
	}
	completeBody := rec.lastBody()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if done.Key != key || done.Bucket != bucket || done.Location != bucketHost+"/"+key ||
		!regexp.MustCompile(`^"[0-9a-f]{32}-1"$`).MatchString(done.ETag) {
		t.Errorf("complete: %+v", done)
	}
	orig, gr := get(t, c, key)
	if !bytes.Equal(orig, photo(t)) {
		t.Errorf("the original is not stored as uploaded")
	}
	if gr.Header.Get("ETag") != done.ETag {
		t.Errorf("stored ETag %q, completion answered %q", gr.Header.Get("ETag"), done.ETag)
	}
	body, _ := get(t, c, "mpci/thumb.png")
	if f, w, h := dims(t, body); f != "png" || w != 64 || h != 40 {
		t.Errorf("mpci/thumb.png: %s %dx%d", f, w, h)
	}

	// The body the SDK read: the same root, then the picture results.
	var answer struct {
		XMLName        xml.Name               `xml:"CompleteMultipartUploadResult"`
		ETag           string                 `xml:"ETag"`
		OriginalInfo   *cos.PicOriginalInfo   `xml:"OriginalInfo"`
		ProcessResults []cos.PicProcessObject `xml:"ProcessResults>Object"`
	}
	if err := xml.Unmarshal(completeBody, &answer); err != nil {
		t.Fatalf("completion body: %v\n%s", err, completeBody)
	}
	if answer.ETag != done.ETag {
		t.Errorf("body ETag %q, SDK %q", answer.ETag, done.ETag)
	}
	o := answer.OriginalInfo
	if o == nil || o.Key != key || o.ImageInfo == nil || o.ImageInfo.Width != 640 || o.ImageInfo.Height != 400 {
		t.Errorf("OriginalInfo: %+v", o)
	}
	if len(answer.ProcessResults) != 1 {
		t.Fatalf("ProcessResults: %+v\n%s", answer.ProcessResults, completeBody)
	}
	p := answer.ProcessResults[0]
	if p.Key != "mpci/thumb.png" || p.Location != bucketHost+"/mpci/thumb.png" || p.Format != "png" ||
		p.Width != 64 || p.Height != 40 || p.Size != len(body) || !sha1ETag.MatchString(p.ETag) {
		t.Errorf("ProcessResults[0]: %+v (stored %d bytes)", p, len(body))
	}
}

func TestHeadDeleteListCopy(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	for _, k := range []string{"ls/a.txt", "ls/b.txt", "ls/c.txt", "ls/sub/d.txt", "lt/e.txt"} {
		if _, err := c.Object.Put(ctx, k, strings.NewReader("body of "+k), &cos.ObjectPutOptions{
			ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentType: "text/plain"},
		}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	h, err := c.Object.Head(ctx, "ls/a.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Header.Get("Content-Length") != strconv.Itoa(len("body of ls/a.txt")) ||
		h.Header.Get("Content-Type") != "text/plain" || h.Header.Get("x-cos-hash-crc64ecma") == "" ||
		h.Header.Get("x-cos-request-id") == "" {
		t.Errorf("head headers: %v", h.Header)
	}

	page, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "ls/", MaxKeys: 2})
	if err != nil {
		t.Fatal(err)
	}
	if keys(page.Contents) != "ls/a.txt,ls/b.txt" || !page.IsTruncated || page.NextMarker != "ls/b.txt" ||
		page.MaxKeys != 2 || page.Prefix != "ls/" || page.Name != bucket {
		t.Errorf("page 1: %+v", page)
	}
	if page.Contents[0].Size != int64(len("body of ls/a.txt")) || page.Contents[0].StorageClass != "STANDARD" ||
		page.Contents[0].ETag != h.Header.Get("ETag") {
		t.Errorf("entry: %+v", page.Contents[0])
	}
	page, _, err = c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "ls/", Marker: "ls/b.txt", Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if keys(page.Contents) != "ls/c.txt" || page.IsTruncated || len(page.CommonPrefixes) != 1 ||
		page.CommonPrefixes[0] != "ls/sub/" || page.Marker != "ls/b.txt" {
		t.Errorf("page 2: %+v", page)
	}

	cp, _, err := c.Object.Copy(ctx, "ls/copy.txt", bucketHost+"/ls/a.txt", nil)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if cp.ETag != h.Header.Get("ETag") || cp.CRC64 != h.Header.Get("x-cos-hash-crc64ecma") || cp.LastModified == "" {
		t.Errorf("copy result: %+v", cp)
	}
	body, resp := get(t, c, "ls/copy.txt")
	if string(body) != "body of ls/a.txt" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("copied: %q %v", body, resp.Header)
	}

	if _, err := c.Object.Delete(ctx, "ls/a.txt"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Object.Head(ctx, "ls/a.txt", nil)
	if !cos.IsNotFoundError(err) {
		t.Errorf("head after delete: %v", err)
	}
	_, err = c.Object.Get(ctx, "ls/a.txt", nil)
	var e *cos.ErrorResponse
	if !errors.As(err, &e) || e.Code != "NoSuchKey" || e.Response.StatusCode != 404 {
		t.Errorf("get after delete: %v", err)
	}
}

func keys(objs []cos.Object) string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return strings.Join(ks, ",")
}

func TestServiceGet(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	if _, err := c.Object.Put(ctx, "svc.txt", strings.NewReader("x"), nil); err != nil {
		t.Fatal(err)
	}
	s, _, err := c.Service.Get(ctx)
	if err != nil {
		t.Fatalf("Service.Get: %v", err)
	}
	found := false
	for _, b := range s.Buckets {
		if b.Name == bucket {
			found = true
			if b.CreationDate == "" || b.Region == "" || b.BucketType != "cos" {
				t.Errorf("bucket entry: %+v", b)
			}
		}
	}
	if !found || s.Owner == nil || s.Owner.ID != "1250000000" {
		t.Errorf("service: %+v", s)
	}
}

func TestWrongSecretKey(t *testing.T) {
	c := client(t, "not-the-key")
	_, err := c.Object.Put(context.Background(), "denied.txt", strings.NewReader("x"), nil)
	var e *cos.ErrorResponse
	if !errors.As(err, &e) {
		t.Fatalf("want *cos.ErrorResponse, got %T %v", err, err)
	}
	if e.Code != "SignatureDoesNotMatch" || e.Response.StatusCode != 403 || e.RequestID == "" ||
		e.RequestID != e.Response.Header.Get("x-cos-request-id") || e.Message == "" {
		t.Errorf("error: %s", fmt.Sprintf("%+v", e))
	}
	code, ok := cos.IsCOSError(err)
	if !ok || code.Code != "SignatureDoesNotMatch" {
		t.Errorf("IsCOSError: %v %v", code, ok)
	}
	// Nothing was stored.
	if _, err := client(t, secretKey).Object.Head(context.Background(), "denied.txt", nil); !cos.IsNotFoundError(err) {
		t.Errorf("denied.txt exists: %v", err)
	}
}
