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
	"syscall"
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

// ciPutBench is what both sides of the CIPutObject comparison share: the local server,
// the image and the single-rule Pic-Operations.
type ciPutBench struct {
	host  string
	port  int
	photo []byte
	ops   string
}

func newCIPutBench(b *testing.B) ciPutBench {
	host, port := localServer(b)
	return ciPutBench{host: host, port: port, photo: readCorpus(b, "photo.jpg"), ops: benchOps(b)}
}

// run times put: b.N calls in a row, or spread over GOMAXPROCS goroutines. Besides
// ns/op it reports the client's CPU per call (user+sys of this process, which holds only
// the client: the server is another process), since wall time is mostly the server's
// processing and hides what the client costs.
func (ciPutBench) run(b *testing.B, parallel bool, put func()) {
	before := processCPU(b)
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
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-before)/float64(b.N), "cpu-ns/op")
}

// processCPU is this process's user+sys CPU time in nanoseconds.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func benchOurs(b *testing.B, parallel bool) {
	env := newCIPutBench(b)
	c := ourClient(b, env.host, env.port)
	defer c.Close()
	opts := &Options{PicOperations: env.ops, ContentType: "image/jpeg"}
	env.run(b, parallel, func() {
		res, _, err := c.CIPutObject(context.Background(), sdkBucket, benchKey("ours"), bytes.NewReader(env.photo), opts)
		if err != nil || len(res.ProcessResults) != 1 || res.ProcessResults[0].Width != 200 {
			b.Fatalf("%v %+v", err, res)
		}
	})
}

func benchSDK(b *testing.B, parallel bool) {
	env := newCIPutBench(b)
	sdk := officialClient(b, env.host, env.port)
	env.run(b, parallel, func() {
		opt := &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
			ContentType: "image/jpeg", XOptionHeader: &http.Header{}}}
		opt.XOptionHeader.Add("Pic-Operations", env.ops)
		res, _, err := sdk.CI.Put(context.Background(), benchKey("sdk"), bytes.NewReader(env.photo), opt)
		if err != nil || len(res.ProcessResults) != 1 || res.ProcessResults[0].Width != 200 {
			b.Fatalf("%v %+v", err, res)
		}
	})
}

func BenchmarkCIPutObject(b *testing.B)         { benchOurs(b, false) }
func BenchmarkCIPutObjectParallel(b *testing.B) { benchOurs(b, true) }
func BenchmarkSDKCIPut(b *testing.B)            { benchSDK(b, false) }
func BenchmarkSDKCIPutParallel(b *testing.B)    { benchSDK(b, true) }
