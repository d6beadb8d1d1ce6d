package cosci

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

const jobBucket = "gojobs-1250000000"

// offlineClient is a client of a loopback port nobody listens on: calls that pass the
// argument checks fail with ResultTransport, so a check that did not run shows.
func offlineClient(t *testing.T) *Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	retries := 0
	c, err := NewClient(Config{
		Region: "ap-guangzhou", SecretID: "AKIDlocal", SecretKey: "sk-local",
		Scheme: "http", IP: "127.0.0.1", Port: port, Retries: &retries, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wantCodeIn(t *testing.T, err error, code Result, text string) {
	t.Helper()
	wantCode(t, err, code)
	if !strings.Contains(err.Error(), text) {
		t.Fatalf("error %q does not say %q", err, text)
	}
}

func TestJobResultCodes(t *testing.T) {
	if ResultJobNotFound != 26 || ResultJobWaitTimeout != 27 {
		t.Fatalf("codes %d %d", ResultJobNotFound, ResultJobWaitTimeout)
	}
	if s := ResultJobNotFound.String(); s != "no such job" {
		t.Fatalf("ResultJobNotFound = %q", s)
	}
	if s := ResultJobWaitTimeout.String(); s != "the job had not ended when the wait ran out" {
		t.Fatalf("ResultJobWaitTimeout = %q", s)
	}
}

func TestPicJobArgumentsAreCheckedBeforeSending(t *testing.T) {
	ctx := context.Background()
	c := offlineClient(t)
	output := JobObject{Bucket: jobBucket, Region: "ap-guangzhou", Object: "out/a.webp"}

	_, err := c.CreatePicJobs(ctx, jobBucket, nil)
	wantCode(t, err, ResultNullParameter)
	_, err = c.CreatePicJobs(ctx, jobBucket, &PicJobRequest{QueueID: "p1", InputObject: "a.jpg", Output: output})
	wantCodeIn(t, err, ResultInvalidArgument, "a rule or a TemplateId option is required")
	_, err = c.CreatePicJobs(ctx, jobBucket, &PicJobRequest{QueueID: "p1", InputObject: "a.jpg", Output: output, Rule: "imageMogr2/format/webp", JobLevel: 3})
	wantCodeIn(t, err, ResultInvalidArgument, `JobLevel "3" is not 0, 1 or 2`)
	_, err = c.CreatePicJobs(ctx, jobBucket, &PicJobRequest{QueueID: "p1", InputObject: "", Output: output, Rule: "imageMogr2/format/webp"})
	wantCodeIn(t, err, ResultInvalidArgument, "a source key is required")
	// A complete request reaches the network (nobody listens).
	_, err = c.CreatePicJobs(ctx, jobBucket, &PicJobRequest{QueueID: "p1", InputObject: "a.jpg", Output: output, Rule: "imageMogr2/format/webp"})
	wantCode(t, err, ResultTransport)

	for _, ids := range [][]string{{""}, {"c1,c2"}, {}, {"c-1"}} {
		_, _, err = c.GetPicJobs(ctx, jobBucket, ids...)
		wantCode(t, err, ResultInvalidArgument)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = "c1"
	}
	_, _, err = c.GetPicJobs(ctx, jobBucket, many...)
	wantCodeIn(t, err, ResultInvalidArgument, "1 to 100 job ids, got 101")
	_, err = c.GetPicJob(ctx, jobBucket, "c1")
	wantCode(t, err, ResultTransport)

	_, _, err = c.ListPicJobs(ctx, jobBucket, &ListPicJobsOptions{Size: 101})
	wantCodeIn(t, err, ResultInvalidArgument, `Size "101" is not 1 to 100`)
	_, _, err = c.ListPicJobs(ctx, jobBucket, &ListPicJobsOptions{States: []string{"Success", "Done"}})
	wantCodeIn(t, err, ResultInvalidArgument, "unknown job state `Done`")
	_, _, err = c.ListPicJobs(ctx, jobBucket, &ListPicJobsOptions{OrderByTime: "newest"})
	wantCode(t, err, ResultInvalidArgument)
	_, _, err = c.ListPicJobs(ctx, jobBucket, nil)
	wantCode(t, err, ResultTransport)

	_, err = c.UpdatePicQueue(ctx, jobBucket, "p1", "", "Stopped")
	wantCodeIn(t, err, ResultInvalidArgument, `queue state "Stopped" is not Active or Paused`)
	_, err = c.UpdatePicQueue(ctx, jobBucket, "p-1", "q", "")
	wantCode(t, err, ResultInvalidArgument)
	_, err = c.GetPicQueues(ctx, jobBucket)
	wantCode(t, err, ResultTransport)
	wantCode(t, c.OpenPicBucket(ctx, ""), ResultInvalidArgument)
	wantCode(t, c.OpenPicBucket(ctx, jobBucket), ResultTransport)
	wantCode(t, c.ClosePicBucket(ctx, ""), ResultInvalidArgument)
	wantCode(t, c.ClosePicBucket(ctx, jobBucket), ResultTransport)
	_, err = c.GetPicBuckets(ctx, &GetPicBucketsOptions{PageSize: 101})
	wantCodeIn(t, err, ResultInvalidArgument, `PageSize "101" is not 1 to 100`)
	_, err = c.GetPicBuckets(ctx, &GetPicBucketsOptions{PageNumber: -1})
	wantCodeIn(t, err, ResultInvalidArgument, `PageNumber "-1" is not a number from 1`)
	_, err = c.GetPicBuckets(ctx, nil)
	wantCode(t, err, ResultTransport)
}

func TestWaitForJobOffline(t *testing.T) {
	c := offlineClient(t)
	// An ended context: nothing is sent.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.WaitForJob(done, jobBucket, "c1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.WaitForJob(ctx, jobBucket, "not-an-id")
	wantCodeIn(t, err, ResultInvalidArgument, "is not a job id")
	_, err = c.WaitForJob(ctx, jobBucket, "c1")
	wantCode(t, err, ResultTransport)

	c.Close()
	_, err = c.WaitForJob(ctx, jobBucket, "c1")
	wantCodeIn(t, err, ResultNullParameter, "client is closed")
}

// TestPicJobsAgainstTheLocalServer runs a job on the local server's job engine: open the
// bucket, its queue, a job held by the paused queue (the wait runs out), resumed, waited
// for, read back, listed; the result object is the 200x125 WebP.
func TestPicJobsAgainstTheLocalServer(t *testing.T) {
	ctx := context.Background()
	srv := NewTestServer(t)
	c, err := NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, _, err := c.CIPutObject(ctx, jobBucket, "jobs/photo.jpg", strings.NewReader(string(readCorpus(t, "photo.jpg"))), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.OpenPicBucket(ctx, jobBucket); err != nil {
		t.Fatal(err)
	}
	only := &GetPicBucketsOptions{BucketNames: []string{jobBucket}, PageSize: 10}
	buckets, err := c.GetPicBuckets(ctx, only)
	if want := []PicBucket{{ID: jobBucket, Region: srv.Region}}; err != nil || !reflect.DeepEqual(buckets, want) {
		t.Fatalf("GetPicBuckets %+v, %v; want %+v", buckets, err, want)
	}
	queues, err := c.GetPicQueues(ctx, jobBucket)
	if err != nil || len(queues) != 1 || len(queues[0].ID) != 33 || queues[0].State != "Active" {
		t.Fatalf("queues %+v, %v", queues, err)
	}
	queue := queues[0].ID
	paused, err := c.UpdatePicQueue(ctx, jobBucket, queue, queues[0].Name, "Paused")
	if err != nil || paused.ID != queue || paused.State != "Paused" {
		t.Fatalf("pause: %+v, %v", paused, err)
	}

	output := JobObject{Bucket: jobBucket, Region: srv.Region, Object: "jobs/thumb.webp"}
	created, err := c.CreatePicJobs(ctx, jobBucket, &PicJobRequest{
		QueueID: queue, InputObject: "jobs/photo.jpg", Output: output,
		Rule: "imageMogr2/thumbnail/200x/format/webp", UserData: "from-go",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.JobID) != 33 || created.State != "Submitted" || created.QueueID != queue ||
		created.UserData != "from-go" || created.Input.Object != "jobs/photo.jpg" || created.Output != output ||
		created.Result != nil || created.Ended() {
		t.Fatalf("created %+v", created)
	}
	// Held by the paused queue: the deadline passes first.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = c.WaitForJob(short, jobBucket, created.JobID)
	cancel()
	wantCodeIn(t, err, ResultJobWaitTimeout, "still Submitted")

	if resumed, err := c.UpdatePicQueue(ctx, jobBucket, queue, queues[0].Name, "Active"); err != nil || resumed.State != "Active" {
		t.Fatalf("resume: %+v, %v", resumed, err)
	}
	long, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	done, err := c.WaitForJob(long, jobBucket, created.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != "Success" || done.Code != "Success" || done.Result == nil ||
		done.Result.Object != "jobs/thumb.webp" || done.Result.Width != 200 || done.Result.Height != 125 ||
		done.StartTime == "-" || done.EndTime == "-" {
		t.Fatalf("done %+v (result %+v)", done, done.Result)
	}
	thumb, _, err := c.GetObject(ctx, jobBucket, "jobs/thumb.webp", "")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := ReadImageInfo(thumb); err != nil || info.Format != "WEBP" || info.Width != 200 || info.Height != 125 ||
		int64(len(thumb)) != done.Result.Size {
		t.Fatalf("result object %+v, %v (%d bytes, job says %d)", info, err, len(thumb), done.Result.Size)
	}

	got, err := c.GetPicJob(ctx, jobBucket, created.JobID)
	if err != nil || got.State != "Success" || got.Result == nil || *got.Result != *done.Result {
		t.Fatalf("GetPicJob %+v, %v", got, err)
	}
	const unknown = "c00000000000000000000000000000000"
	jobs, missing, err := c.GetPicJobs(ctx, jobBucket, created.JobID, unknown)
	if err != nil || len(jobs) != 1 || jobs[0].JobID != created.JobID || len(missing) != 1 || missing[0] != unknown {
		t.Fatalf("GetPicJobs %+v %v, %v", jobs, missing, err)
	}
	_, err = c.GetPicJob(ctx, jobBucket, unknown)
	wantCode(t, err, ResultJobNotFound)
	_, err = c.WaitForJob(long, jobBucket, unknown)
	wantCode(t, err, ResultJobNotFound)

	listed, next, err := c.ListPicJobs(ctx, jobBucket, &ListPicJobsOptions{States: []string{"Success"}, QueueID: queue})
	if err != nil || len(listed) != 1 || listed[0].JobID != created.JobID || next != "" {
		t.Fatalf("ListPicJobs %+v %q, %v", listed, next, err)
	}
	none, _, err := c.ListPicJobs(ctx, jobBucket, &ListPicJobsOptions{States: []string{"Failed"}})
	if err != nil || len(none) != 0 {
		t.Fatalf("failed jobs %+v, %v", none, err)
	}

	// Closed: the bucket leaves the list.
	if err := c.ClosePicBucket(ctx, jobBucket); err != nil {
		t.Fatal(err)
	}
	if buckets, err := c.GetPicBuckets(ctx, only); err != nil || len(buckets) != 0 {
		t.Fatalf("GetPicBuckets after closing: %+v, %v", buckets, err)
	}
}
