package cosci

/*
#include <stdlib.h>
#include "cos_ci.h"
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Asynchronous image processing (issue #18): a bucket's pic queue and pic jobs, by the
// official SDKs' calls (ci_open/get/close_pic_bucket, ci_get/update_media_pic_queue,
// ci_create/get/list_media_pic_jobs) with Go names, and WaitForJob, which polls a job
// until it ends (the C library's cos_ci_client_wait_for_job, bounded by the context).

// JobObject is a job's source or destination object.
type JobObject struct {
	Bucket string // <name>-<appid>
	Region string
	Object string // the key
}

// PicJobResult is what a successful job stored (PicProcessResult).
type PicJobResult struct {
	Object  string // ObjectName: the result's key
	Format  string // upper case, as the service writes it
	ETag    string // quotes included
	Width   int
	Height  int
	Size    int64 // bytes
	Quality int
}

// PicJob is one asynchronous job (JobsDetail).
type PicJob struct {
	JobID        string
	State        string // Submitted, Running, Success, Failed, Pause, Cancel
	Code         string // Success, or the error code of a Failed job
	Message      string // the error text of a Failed job
	CreationTime string // YYYY-MM-DDTHH:MM:SS+0800
	StartTime    string // "-" until the job starts
	EndTime      string // "-" until the job ends
	QueueID      string
	Tag          string // PicProcess
	Input        JobObject
	Output       JobObject
	ProcessRule  string // empty for a template job
	TemplateID   string
	UserData     string
	JobLevel     int
	Result       *PicJobResult // nil until Success
}

// Ended reports whether the job is over (Success, Failed or Cancel).
func (j *PicJob) Ended() bool {
	return j.State == "Success" || j.State == "Failed" || j.State == "Cancel"
}

// PicJobRequest is what CreatePicJobs submits: InputObject of the bucket processed by
// Rule (or the template TemplateID) into Output, on the queue QueueID (from
// GetPicQueues).
type PicJobRequest struct {
	QueueID     string
	InputObject string
	Output      JobObject
	Rule        string // e.g. imageMogr2/thumbnail/200x/format/webp; "" with TemplateID
	TemplateID  string
	IsPicInfo   bool // the result also carries the source's image information
	UserData    string
	JobLevel    int    // priority 0 to 2
	CallBack    string // a URL overriding the queue's
	// CallBackFormat is XML or JSON; CallBackType Url or TDMQ ("" for the defaults).
	CallBackFormat string
	CallBackType   string
}

// ListPicJobsOptions filter ListPicJobs (all optional).
type ListPicJobsOptions struct {
	QueueID           string
	StartCreationTime string   // %Y-%m-%dT%H:%M:%S%z
	EndCreationTime   string   // %Y-%m-%dT%H:%M:%S%z
	OrderByTime       string   // Desc (default, newest first) or Asc
	States            []string // Submitted, Running, Success, Failed, Pause, Cancel; none for all
	Size              int      // 1 to 100; 0 for the default 10
	NextToken         string   // the page to read, from the previous call
}

func (o *ListPicJobsOptions) pairs() [][2]string {
	if o == nil {
		return nil
	}
	var v [][2]string
	add := func(name, value string) {
		if value != "" {
			v = append(v, [2]string{name, value})
		}
	}
	add("QueueId", o.QueueID)
	add("StartCreationTime", o.StartCreationTime)
	add("EndCreationTime", o.EndCreationTime)
	add("OrderByTime", o.OrderByTime)
	add("States", strings.Join(o.States, ","))
	if o.Size != 0 {
		add("Size", strconv.Itoa(o.Size))
	}
	add("NextToken", o.NextToken)
	return v
}

// PicQueue is a bucket's pic queue.
type PicQueue struct {
	ID    string // QueueId
	Name  string
	State string // Active or Paused
}

func readPicJob(h *C.cos_ci_pic_job) *PicJob {
	str := func(f C.uint32_t) string {
		s, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_pic_job_string(h, f, b, n, o)
		})
		return s
	}
	num := func(f C.uint32_t) (int64, bool) {
		var v C.uint64_t
		if Result(C.cos_ci_pic_job_number(h, f, &v)) != ResultOK {
			return 0, false
		}
		return int64(v), true
	}
	j := &PicJob{
		JobID:        str(C.COS_CI_JOB_FIELD_JOB_ID),
		State:        str(C.COS_CI_JOB_FIELD_STATE),
		Code:         str(C.COS_CI_JOB_FIELD_CODE),
		Message:      str(C.COS_CI_JOB_FIELD_MESSAGE),
		CreationTime: str(C.COS_CI_JOB_FIELD_CREATION_TIME),
		StartTime:    str(C.COS_CI_JOB_FIELD_START_TIME),
		EndTime:      str(C.COS_CI_JOB_FIELD_END_TIME),
		QueueID:      str(C.COS_CI_JOB_FIELD_QUEUE_ID),
		Tag:          str(C.COS_CI_JOB_FIELD_TAG),
		Input: JobObject{
			Bucket: str(C.COS_CI_JOB_FIELD_INPUT_BUCKET),
			Region: str(C.COS_CI_JOB_FIELD_INPUT_REGION),
			Object: str(C.COS_CI_JOB_FIELD_INPUT_OBJECT),
		},
		Output: JobObject{
			Bucket: str(C.COS_CI_JOB_FIELD_OUTPUT_BUCKET),
			Region: str(C.COS_CI_JOB_FIELD_OUTPUT_REGION),
			Object: str(C.COS_CI_JOB_FIELD_OUTPUT_OBJECT),
		},
		ProcessRule: str(C.COS_CI_JOB_FIELD_PROCESS_RULE),
		TemplateID:  str(C.COS_CI_JOB_FIELD_TEMPLATE_ID),
		UserData:    str(C.COS_CI_JOB_FIELD_USER_DATA),
	}
	if level, ok := num(C.COS_CI_JOB_FIELD_JOB_LEVEL); ok {
		j.JobLevel = int(level)
	}
	if width, ok := num(C.COS_CI_JOB_FIELD_RESULT_WIDTH); ok {
		height, _ := num(C.COS_CI_JOB_FIELD_RESULT_HEIGHT)
		size, _ := num(C.COS_CI_JOB_FIELD_RESULT_SIZE)
		quality, _ := num(C.COS_CI_JOB_FIELD_RESULT_QUALITY)
		j.Result = &PicJobResult{
			Object: str(C.COS_CI_JOB_FIELD_RESULT_OBJECT),
			Format: str(C.COS_CI_JOB_FIELD_RESULT_FORMAT),
			ETag:   str(C.COS_CI_JOB_FIELD_RESULT_ETAG),
			Width:  int(width), Height: int(height), Size: size, Quality: int(quality),
		}
	}
	return j
}

// readPicJobs reads the jobs of a create, get or list answer, and, for a get, the ids
// the service does not know.
func readPicJobs(resp *C.cos_ci_response) ([]PicJob, []string, error) {
	var n C.size_t
	if rc := Result(C.cos_ci_response_pic_job_count(resp, &n)); rc != ResultOK {
		return nil, nil, &Error{Code: rc, Message: rc.String()}
	}
	jobs := make([]PicJob, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		var h *C.cos_ci_pic_job
		if rc := Result(C.cos_ci_response_pic_job(resp, i, &h)); rc != ResultOK {
			return nil, nil, &Error{Code: rc, Message: rc.String()}
		}
		jobs = append(jobs, *readPicJob(h))
	}
	var missing []string
	C.cos_ci_response_non_exist_job_id_count(resp, &n)
	for i := C.size_t(0); i < n; i++ {
		id, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_non_exist_job_id(resp, i, b, l, o)
		})
		if err != nil {
			return nil, nil, err
		}
		missing = append(missing, id)
	}
	return jobs, missing, nil
}

func readPicQueues(resp *C.cos_ci_response) ([]PicQueue, error) {
	var n C.size_t
	if rc := Result(C.cos_ci_response_pic_queue_count(resp, &n)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	queues := make([]PicQueue, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		read := func(f func(*C.cos_ci_response, C.size_t, *C.uint8_t, C.size_t, *C.size_t) C.cos_ci_result) (string, error) {
			return readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
				return f(resp, i, b, l, o)
			})
		}
		id, err := read(func(r *C.cos_ci_response, i C.size_t, b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_queue_id(r, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		name, err := read(func(r *C.cos_ci_response, i C.size_t, b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_queue_name(r, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		state, err := read(func(r *C.cos_ci_response, i C.size_t, b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_queue_state(r, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		queues = append(queues, PicQueue{ID: id, Name: name, State: state})
	}
	return queues, nil
}

// OpenPicBucket opens asynchronous processing for the bucket, creating its pic queue
// (ci_open_pic_bucket). Opening an open bucket is harmless.
func (c *Client) OpenPicBucket(ctx context.Context, bucket string) error {
	bp, bl := cstr(bucket)
	_, err := c.call(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_open_pic_bucket(cl, bp, bl, out)
	})
	runtime.KeepAlive(bucket)
	return err
}

// PicBucket is a bucket with asynchronous processing open.
type PicBucket struct {
	ID     string // BucketId: <name>-<appid>
	Region string
}

// GetPicBucketsOptions filter GetPicBuckets (all optional).
type GetPicBucketsOptions struct {
	Regions     []string
	BucketName  string   // a name prefix
	BucketNames []string // exact names
	PageNumber  int      // from 1; 0 for the first page
	PageSize    int      // 1 to 100; 0 for the service's default
}

func (o *GetPicBucketsOptions) pairs() [][2]string {
	if o == nil {
		return nil
	}
	var v [][2]string
	add := func(name, value string) {
		if value != "" {
			v = append(v, [2]string{name, value})
		}
	}
	add("Regions", strings.Join(o.Regions, ","))
	add("BucketName", o.BucketName)
	add("BucketNames", strings.Join(o.BucketNames, ","))
	if o.PageNumber != 0 {
		add("PageNumber", strconv.Itoa(o.PageNumber))
	}
	if o.PageSize != 0 {
		add("PageSize", strconv.Itoa(o.PageSize))
	}
	return v
}

func readPicBuckets(resp *C.cos_ci_response) ([]PicBucket, error) {
	var n C.size_t
	if rc := Result(C.cos_ci_response_pic_bucket_count(resp, &n)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	buckets := make([]PicBucket, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		id, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_bucket_id(resp, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		region, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_bucket_region(resp, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		buckets = append(buckets, PicBucket{ID: id, Region: region})
	}
	return buckets, nil
}

// GetPicBuckets reads one page of the buckets with asynchronous processing open
// (ci_get_pic_bucket), on the region's CI host. opts may be nil.
func (c *Client) GetPicBuckets(ctx context.Context, opts *GetPicBucketsOptions) ([]PicBucket, error) {
	kv := newKV(opts.pairs())
	defer kv.free()
	var buckets []PicBucket
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_pic_buckets(cl, kv.ptr, kv.n, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		buckets, err = readPicBuckets(resp)
		return err
	})
	if err != nil {
		return nil, err
	}
	return buckets, nil
}

// ClosePicBucket closes asynchronous processing for the bucket (ci_close_pic_bucket).
func (c *Client) ClosePicBucket(ctx context.Context, bucket string) error {
	bp, bl := cstr(bucket)
	_, err := c.call(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_close_pic_bucket(cl, bp, bl, out)
	})
	runtime.KeepAlive(bucket)
	return err
}

// GetPicQueues lists the bucket's pic queues (ci_get_media_pic_queue).
func (c *Client) GetPicQueues(ctx context.Context, bucket string) ([]PicQueue, error) {
	bp, bl := cstr(bucket)
	var queues []PicQueue
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_pic_queue(cl, bp, bl, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		queues, err = readPicQueues(resp)
		return err
	})
	runtime.KeepAlive(bucket)
	if err != nil {
		return nil, err
	}
	return queues, nil
}

// UpdatePicQueue names the queue (required by the service: pass the current name to keep
// it) and pauses ("Paused") or resumes ("Active") it (ci_update_media_pic_queue); state
// "" leaves the state as it is. It returns the queue as updated.
func (c *Client) UpdatePicQueue(ctx context.Context, bucket, queueID, name, state string) (*PicQueue, error) {
	bp, bl := cstr(bucket)
	qp, ql := cstr(queueID)
	np, nl := cstr(name)
	var sp *C.uint8_t
	var sl C.size_t
	if state != "" {
		sp, sl = cstr(state)
	}
	var queues []PicQueue
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_update_pic_queue(cl, bp, bl, qp, ql, np, nl, sp, sl, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		queues, err = readPicQueues(resp)
		return err
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(queueID)
	runtime.KeepAlive(name)
	runtime.KeepAlive(state)
	if err != nil {
		return nil, err
	}
	if len(queues) != 1 {
		return nil, &Error{Code: ResultClientError, Message: "the update answer has no queue"}
	}
	return &queues[0], nil
}

// CreatePicJobs submits one job (ci_create_media_pic_jobs) and returns it as the
// service created it (State Submitted). Not retried: a retry could submit it twice.
// A request without Rule or TemplateID, or a JobLevel outside 0 to 2, is refused
// before sending (ResultInvalidArgument).
func (c *Client) CreatePicJobs(ctx context.Context, bucket string, req *PicJobRequest) (*PicJob, error) {
	if req == nil {
		return nil, &Error{Code: ResultNullParameter, Message: "no request"}
	}
	var opts [][2]string
	add := func(name, value string) {
		if value != "" {
			opts = append(opts, [2]string{name, value})
		}
	}
	add("TemplateId", req.TemplateID)
	if req.IsPicInfo {
		add("IsPicInfo", "true")
	}
	add("UserData", req.UserData)
	if req.JobLevel != 0 {
		add("JobLevel", strconv.Itoa(req.JobLevel))
	}
	add("CallBack", req.CallBack)
	add("CallBackFormat", req.CallBackFormat)
	add("CallBackType", req.CallBackType)
	kv := newKV(opts)
	defer kv.free()
	bp, bl := cstr(bucket)
	qp, ql := cstr(req.QueueID)
	ip, il := cstr(req.InputObject)
	rp, rl := cstr(req.Output.Region)
	obp, obl := cstr(req.Output.Bucket)
	oop, ool := cstr(req.Output.Object)
	var rule *C.uint8_t
	var ruleLen C.size_t
	if req.Rule != "" {
		rule, ruleLen = cstr(req.Rule)
	}
	var jobs []PicJob
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_create_pic_jobs(cl, bp, bl, qp, ql, ip, il, rp, rl, obp, obl, oop, ool, rule, ruleLen, kv.ptr, kv.n, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		jobs, _, err = readPicJobs(resp)
		return err
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(req)
	if err != nil {
		return nil, err
	}
	if len(jobs) != 1 {
		return nil, &Error{Code: ResultClientError, Message: "the create answer has no job"}
	}
	return &jobs[0], nil
}

// GetPicJobs reads 1 to 100 jobs by id (ci_get_media_pic_jobs), in the order asked;
// notFound lists the ids the service does not know.
func (c *Client) GetPicJobs(ctx context.Context, bucket string, jobIDs ...string) (jobs []PicJob, notFound []string, err error) {
	for _, id := range jobIDs {
		if id == "" || strings.Contains(id, ",") {
			return nil, nil, &Error{Code: ResultInvalidArgument, Message: "job id " + strconv.Quote(id) + " is not a job id"}
		}
	}
	ids := strings.Join(jobIDs, ",")
	bp, bl := cstr(bucket)
	ip, il := cstr(ids)
	_, err = c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_pic_jobs(cl, bp, bl, ip, il, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		jobs, notFound, err = readPicJobs(resp)
		return err
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, nil, err
	}
	return jobs, notFound, nil
}

// GetPicJob reads one job; an id the service does not know is an *Error with Code
// ResultJobNotFound.
func (c *Client) GetPicJob(ctx context.Context, bucket, jobID string) (*PicJob, error) {
	jobs, _, err := c.GetPicJobs(ctx, bucket, jobID)
	if err != nil {
		return nil, err
	}
	for i := range jobs {
		if jobs[i].JobID == jobID {
			return &jobs[i], nil
		}
	}
	return nil, &Error{Code: ResultJobNotFound, Message: "no job " + jobID + " in this bucket"}
}

// ListPicJobs reads one page of the bucket's jobs (ci_list_media_pic_jobs), newest
// first unless opts say otherwise; nextToken (empty on the last page) reads the next
// page as opts.NextToken. opts may be nil.
func (c *Client) ListPicJobs(ctx context.Context, bucket string, opts *ListPicJobsOptions) (jobs []PicJob, nextToken string, err error) {
	kv := newKV(opts.pairs())
	defer kv.free()
	bp, bl := cstr(bucket)
	_, err = c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_list_pic_jobs(cl, bp, bl, kv.ptr, kv.n, out)
	}, func(resp *C.cos_ci_response) error {
		var err error
		if jobs, _, err = readPicJobs(resp); err != nil {
			return err
		}
		nextToken, err = readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_pic_jobs_next_token(resp, b, l, o)
		})
		return err
	})
	runtime.KeepAlive(bucket)
	if err != nil {
		return nil, "", err
	}
	return jobs, nextToken, nil
}

// waitSlice bounds one blocking C wait, so that a cancelled context is noticed within
// it (the C call cannot be interrupted).
const waitSlice = 10 * time.Second

// waitOnce runs cos_ci_client_wait_for_job for at most timeout.
func (c *Client) waitOnce(bucket, jobID string, timeout time.Duration) (*PicJob, error) {
	release, err := c.hold()
	if err != nil {
		return nil, err
	}
	defer release()
	bp, bl := cstr(bucket)
	ip, il := cstr(jobID)
	var h *C.cos_ci_pic_job
	rc := Result(C.cos_ci_client_wait_for_job(c.ptr, bp, bl, ip, il, C.uint64_t(timeout.Milliseconds()), &h))
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(jobID)
	if rc != ResultOK {
		return nil, c.failure(rc)
	}
	defer C.cos_ci_pic_job_free(h)
	return readPicJob(h), nil
}

// WaitForJob polls the job until it ends (Success, Failed or Cancel) and returns it; a
// Failed job is an answer, not an error. It polls after 100 ms, 200 ms, ... up to 5 s
// between polls, until ctx's deadline (none: until the job ends or ctx is cancelled).
// Errors: ctx.Err() when ctx ends before the wait starts or is cancelled during it; an
// *Error with Code ResultJobWaitTimeout when the deadline passes first (the message
// names the last state seen), ResultJobNotFound for an unknown id, ResultServiceError
// when a poll is refused (Message carries the service's code and text).
func (c *Client) WaitForJob(ctx context.Context, bucket, jobID string) (*PicJob, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		slice, last := waitSlice, false
		if deadline, ok := ctx.Deadline(); ok {
			if left := time.Until(deadline); left <= slice {
				slice, last = max(left, 0), true
			}
		}
		job, err := c.waitOnce(bucket, jobID, slice)
		var e *Error
		if err != nil && !last && errors.As(err, &e) && e.Code == ResultJobWaitTimeout {
			continue // the slice ran out, not the caller's time
		}
		return job, err
	}
}
