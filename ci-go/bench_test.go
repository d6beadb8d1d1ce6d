package cosci

// Benchmarks (bench/go.sh runs them; `go test` without -bench does not):
//   - Process: photo.jpg -> imageMogr2/thumbnail/200x through cgo, to compare with the
//     same call in Rust (ci-capi/examples/process_timing.rs);
//   - CIPutObject against the official SDK's CI.Put, same image, same single rule,
//     against the local server (COS_CI_TEST_SERVER), sequential and with 4 goroutines.

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const benchRule = "imageMogr2/thumbnail/200x"

func BenchmarkProcessThumbnail(b *testing.B) {
	photo := readCorpus(b, "photo.jpg")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, info, err := Process(photo, benchRule)
		if err != nil || info.Width != 200 || len(out) == 0 {
			b.Fatalf("%v %+v", err, info)
		}
	}
}

// BenchmarkCgoCall is the floor of every binding call: one cgo round trip
// (cos_ci_version) plus a C-string copy.
func BenchmarkCgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if Version() == "" {
			b.Fatal("empty version")
		}
	}
}

func benchOps(b *testing.B) string {
	ops, err := NewPicOperations().AddRule("thumb.jpg", benchRule, "").JSON()
	if err != nil {
		b.Fatal(err)
	}
	return ops
}

var benchSeq atomic.Int64

func benchKey(who string) string {
	return "bench/" + who + "/" + strconv.FormatInt(benchSeq.Add(1), 10) + "/photo.jpg"
}

func benchOurs(b *testing.B, parallel bool) {
	host, port := localServer(b)
	c := ourClient(b, host, port)
	defer c.Close()
	photo := readCorpus(b, "photo.jpg")
	opts := &Options{PicOperations: benchOps(b), ContentType: "image/jpeg"}
	put := func() {
		res, _, err := c.CIPutObject(context.Background(), sdkBucket, benchKey("ours"), bytes.NewReader(photo), opts)
		if err != nil || len(res.ProcessResults) != 1 || res.ProcessResults[0].Width != 200 {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				put()
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			put()
		}
	}
}

func benchSDK(b *testing.B, parallel bool) {
	host, port := localServer(b)
	sdk := officialClient(b, host, port)
	photo := readCorpus(b, "photo.jpg")
	ops := benchOps(b)
	put := func() {
		opt := &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
			ContentType: "image/jpeg", XOptionHeader: &http.Header{}}}
		opt.XOptionHeader.Add("Pic-Operations", ops)
		res, _, err := sdk.CI.Put(context.Background(), benchKey("sdk"), bytes.NewReader(photo), opt)
		if err != nil || len(res.ProcessResults) != 1 || res.ProcessResults[0].Width != 200 {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				put()
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			put()
		}
	}
}

func BenchmarkCIPutObject(b *testing.B)         { benchOurs(b, false) }
func BenchmarkCIPutObjectParallel(b *testing.B) { benchOurs(b, true) }
func BenchmarkSDKCIPut(b *testing.B)            { benchSDK(b, false) }
func BenchmarkSDKCIPutParallel(b *testing.B)    { benchSDK(b, true) }
