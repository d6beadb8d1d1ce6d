package cosci

import (
	"context"
	"errors"
	"net"
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
