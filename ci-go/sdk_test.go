package cosci

// Side by side with the official, unmodified cos-go-sdk-v5 against the local server (an
// in-process NewTestServer, or `cos-ci serve` named by COS_CI_TEST_SERVER=host:port;
// credentials AKIDlocal / sk-local). The SDK gets the bucket's real virtual-host URL
// (http://<bucket>.cos.<region>.myqcloud.com) and an http.Transport that dials the
// server on loopback, so it signs and sends exactly what it would send to COS.

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const (
	sdkBucket = "gosdk-1250000000"
	sdkRegion = "ap-guangzhou"
)

// localServer returns the address of the server named by COS_CI_TEST_SERVER, or of a
// new in-process one (NewTestServer) for this test.
func localServer(t testing.TB) (host string, port int) {
	addr := os.Getenv("COS_CI_TEST_SERVER")
	if addr == "" {
		s := NewTestServer(t)
		return s.Host, s.Port
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err = strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return h, port
}

// officialClient is cos-go-sdk-v5 pointed at the local server.
func officialClient(t testing.TB, host string, port int) *cos.Client {
	u, err := cos.NewBucketURL(sdkBucket, sdkRegion, false)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	dialer := &net.Dialer{}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 8,
	}
	return cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{
		Transport: &cos.AuthorizationTransport{SecretID: "AKIDlocal", SecretKey: "sk-local", Transport: transport},
	})
}

func ourClient(t testing.TB, host string, port int) *Client {
	c, err := NewClient(Config{Region: sdkRegion, SecretID: "AKIDlocal", SecretKey: "sk-local", Scheme: "http", IP: host, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fromSDK converts the SDK's UploadResult into ours, with keys and locations made
// relative to prefix so that two uploads under different prefixes compare equal.
func fromSDK(r *cos.ImageProcessResult, prefix string) *UploadResult {
	out := &UploadResult{}
	if o := r.OriginalInfo; o != nil {
		out.OriginalInfo = &OriginalInfo{Key: strings.TrimPrefix(o.Key, prefix), Location: strings.Replace(o.Location, prefix, "", 1), ETag: o.ETag}
		if i := o.ImageInfo; i != nil {
			out.OriginalInfo.ImageInfo = &ImageInfo{Format: i.Format, Width: uint64(i.Width), Height: uint64(i.Height),
				Quality: uint64(i.Quality), Ave: i.Ave, Orientation: uint64(i.Orientation)}
		}
	}
	for _, p := range r.ProcessResults {
		out.ProcessResults = append(out.ProcessResults, ProcessResult{
			Key: strings.TrimPrefix(p.Key, prefix), Location: strings.Replace(p.Location, prefix, "", 1), ETag: p.ETag,
			Format: p.Format, MD5: p.Md5, Width: uint64(p.Width), Height: uint64(p.Height), Size: uint64(p.Size),
			Quality: uint64(p.Quality), FrameCount: uint64(p.FrameCount),
		})
	}
	return out
}

// relative is ours with the same normalisation, keeping only the fields the SDK parses.
func relative(r *UploadResult, prefix string) *UploadResult {
	out := &UploadResult{}
	if o := r.OriginalInfo; o != nil {
		out.OriginalInfo = &OriginalInfo{Key: strings.TrimPrefix(o.Key, prefix), Location: strings.Replace(o.Location, prefix, "", 1), ETag: o.ETag}
		if i := o.ImageInfo; i != nil {
			out.OriginalInfo.ImageInfo = &ImageInfo{Format: i.Format, Width: i.Width, Height: i.Height,
				Quality: i.Quality, Ave: i.Ave, Orientation: i.Orientation}
		}
	}
	for _, p := range r.ProcessResults {
		p.Key = strings.TrimPrefix(p.Key, prefix)
		p.Location = strings.Replace(p.Location, prefix, "", 1)
		out.ProcessResults = append(out.ProcessResults, p)
	}
	return out
}

func sameUploadResult(t *testing.T, what string, ours, theirs *UploadResult) {
	t.Helper()
	if (ours.OriginalInfo == nil) != (theirs.OriginalInfo == nil) {
		t.Fatalf("%s: OriginalInfo ours %+v, sdk %+v", what, ours.OriginalInfo, theirs.OriginalInfo)
	}
	if o, s := ours.OriginalInfo, theirs.OriginalInfo; o != nil {
		if o.Key != s.Key || o.Location != s.Location || o.ETag != s.ETag {
			t.Errorf("%s: OriginalInfo ours %+v, sdk %+v", what, *o, *s)
		}
		if (o.ImageInfo == nil) != (s.ImageInfo == nil) || (o.ImageInfo != nil && *o.ImageInfo != *s.ImageInfo) {
			t.Errorf("%s: ImageInfo ours %+v, sdk %+v", what, o.ImageInfo, s.ImageInfo)
		}
	}
	if len(ours.ProcessResults) != len(theirs.ProcessResults) {
		t.Fatalf("%s: %d objects ours, %d sdk", what, len(ours.ProcessResults), len(theirs.ProcessResults))
	}
	for i := range ours.ProcessResults {
		if !reflect.DeepEqual(ours.ProcessResults[i], theirs.ProcessResults[i]) {
			t.Errorf("%s: object %d ours %+v, sdk %+v", what, i, ours.ProcessResults[i], theirs.ProcessResults[i])
		}
	}
}

func TestSideBySideWithOfficialSDK(t *testing.T) {
	host, port := localServer(t)
	sdk := officialClient(t, host, port)
	ours := ourClient(t, host, port)
	defer ours.Close()
	ctx := context.Background()
	photo := readCorpus(t, "photo.jpg")
	run := "go-" + strconv.Itoa(os.Getpid())
	sdkPrefix, ourPrefix := run+"/sdk/", run+"/ours/"

	// The same Pic-Operations header from both builders.
	rule := "imageMogr2/thumbnail/200x/format/png"
	ops, err := NewPicOperations().WithPicInfo(true).AddRule("thumb.png", rule, "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	sdkOps := cos.EncodePicOperations(&cos.PicOperations{IsPicInfo: 1, Rules: []cos.PicOperationsRules{{FileId: "thumb.png", Rule: rule}}})
	if ops != sdkOps {
		t.Fatalf("Pic-Operations ours %s, sdk %s", ops, sdkOps)
	}

	// Upload with processing: CI.Put against CIPutObject.
	opt := &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
		ContentType: "image/jpeg", XOptionHeader: &http.Header{}}}
	opt.XOptionHeader.Add("Pic-Operations", sdkOps)
	sdkRes, sdkResp, err := sdk.CI.Put(ctx, sdkPrefix+"photo.jpg", bytes.NewReader(photo), opt)
	if err != nil {
		t.Fatalf("sdk CI.Put: %v", err)
	}
	ourRes, ourHdr, err := ours.CIPutObject(ctx, sdkBucket, ourPrefix+"photo.jpg", bytes.NewReader(photo),
		&Options{PicOperations: ops, ContentType: "image/jpeg"})
	if err != nil {
		t.Fatalf("CIPutObject: %v", err)
	}
	if sdkResp.StatusCode != 200 || sdkResp.Header.Get("x-cos-request-id") == "" || ourHdr.Get("x-cos-request-id") == "" {
		t.Fatalf("status %d, request ids %q %q", sdkResp.StatusCode, sdkResp.Header.Get("x-cos-request-id"), ourHdr.Get("x-cos-request-id"))
	}
	theirs, mine := fromSDK(sdkRes, run+"/sdk"), relative(ourRes, run+"/ours")
	sameUploadResult(t, "CI.Put", mine, theirs)
	// Known answers, not just agreement.
	oi := mine.OriginalInfo
	if oi == nil || oi.ImageInfo == nil || oi.Key != "/photo.jpg" || oi.ImageInfo.Width != 640 || oi.ImageInfo.Height != 400 ||
		oi.ImageInfo.Quality != 90 || oi.ETag != `"56874f1ff66e66341a3644594ab73b775e4f8493"` { // sha1sum photo.jpg
		t.Fatalf("original: %+v %+v", oi, oi.ImageInfo)
	}
	if p := mine.ProcessResults; len(p) != 1 || p[0].Key != "/thumb.png" || p[0].Format != "png" || p[0].Width != 200 || p[0].Height != 125 {
		t.Fatalf("processed: %+v", p)
	}

	// The processed objects: same bytes, 200x125 PNGs.
	resp, err := sdk.Object.Get(ctx, sdkPrefix+"thumb.png", nil)
	if err != nil {
		t.Fatalf("sdk Object.Get: %v", err)
	}
	sdkThumb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	ourThumb, _, err := ours.GetObject(ctx, sdkBucket, ourPrefix+"thumb.png", "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sdkThumb, ourThumb) {
		t.Fatalf("processed objects differ: %d and %d bytes", len(sdkThumb), len(ourThumb))
	}
	info, err := ReadImageInfo(ourThumb)
	if err != nil || info.Format != "PNG" || info.Width != 200 || info.Height != 125 || info.Size != mine.ProcessResults[0].Size {
		t.Fatalf("processed object: %+v %v", info, err)
	}

	// Processing a stored image: CI.ImageProcess against CIImageProcess.
	rule2 := "imageMogr2/thumbnail/100x/format/webp/quality/80"
	ops2, err := NewPicOperations().WithPicInfo(true).AddRule("small.webp", rule2, "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	sdkRes2, _, err := sdk.CI.ImageProcess(ctx, sdkPrefix+"photo.jpg", &cos.ImageProcessOptions{
		IsPicInfo: 1, Rules: []cos.PicOperationsRules{{FileId: "small.webp", Rule: rule2}}})
	if err != nil {
		t.Fatalf("sdk CI.ImageProcess: %v", err)
	}
	ourRes2, _, err := ours.CIImageProcess(ctx, sdkBucket, ourPrefix+"photo.jpg", &Options{PicOperations: ops2})
	if err != nil {
		t.Fatalf("CIImageProcess: %v", err)
	}
	mine2 := relative(ourRes2, run+"/ours")
	sameUploadResult(t, "CI.ImageProcess", mine2, fromSDK(sdkRes2, run+"/sdk"))
	if p := mine2.ProcessResults; len(p) != 1 || p[0].Key != "/small.webp" || p[0].Format != "webp" ||
		p[0].Width != 100 || p[0].Height != 63 || p[0].Quality != 80 {
		t.Fatalf("image_process: %+v", p)
	}

	// A service error through both: the same code and status.
	_, sdkResp3, sdkErr := sdk.CI.ImageProcess(ctx, sdkPrefix+"missing.jpg", &cos.ImageProcessOptions{
		Rules: []cos.PicOperationsRules{{FileId: "x.png", Rule: rule}}})
	_, _, ourErr := ours.CIImageProcess(ctx, sdkBucket, ourPrefix+"missing.jpg", &Options{PicOperations: ops})
	se, ok := sdkErr.(*cos.ErrorResponse)
	oe, ok2 := ourErr.(*Error)
	if !ok || !ok2 || se.Code != oe.ServiceCode || sdkResp3.StatusCode != oe.Status || se.Code != "NoSuchKey" {
		t.Fatalf("missing object: sdk %v, ours %v", sdkErr, ourErr)
	}
}
