// Package cosci is the Go binding of cos-ci (Tencent Cloud Infinite persistent image
// processing on COS) over its C ABI (libcos_ci, linked statically with cgo).
//
// Build the library first: cargo build --release -p ci-capi (from the repository root).
//
// Handles of the C library are owned by Go values with a Close method; a finalizer
// closes them too if Close is forgotten. Calls block in C: a context is checked before
// the call starts, and cannot interrupt a call already running.
package cosci

/*
#include <stdlib.h>
#include "cos_ci.h"
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Error is a failure of the library: Code says which kind. For errors the service
// answered (Code == ResultServiceError), Status, ServiceCode, RequestID and TraceID are
// set.
type Error struct {
	Code        Result
	Message     string
	Status      int
	ServiceCode string
	RequestID   string
	TraceID     string
}

func (e *Error) Error() string {
	if e.Code == ResultServiceError {
		return fmt.Sprintf("cos-ci: service error %d %s: %s (request id %s)", e.Status, e.ServiceCode, e.Message, e.RequestID)
	}
	return fmt.Sprintf("cos-ci: %s: %s", e.Code, e.Message)
}

// ---------------------------------------------------------------- Pic-Operations

// Rule is one rule of a Pic-Operations header.
type Rule struct {
	Bucket string // optional: another bucket to write to (BucketName-APPID)
	FileID string
	Rule   string
}

// PicOperations builds a Pic-Operations header.
type PicOperations struct {
	IsPicInfo bool
	Rules     []Rule
}

// NewPicOperations returns an empty builder.
func NewPicOperations() *PicOperations { return &PicOperations{} }

// WithPicInfo asks for the original image's info in the answer.
func (p *PicOperations) WithPicInfo(yes bool) *PicOperations { p.IsPicInfo = yes; return p }

// AddRule appends a rule (bucket may be empty).
func (p *PicOperations) AddRule(fileID, rule, bucket string) *PicOperations {
	p.Rules = append(p.Rules, Rule{Bucket: bucket, FileID: fileID, Rule: rule})
	return p
}

// JSON validates the header as the service does (rule count, fileids, buckets, every
// rule string) and returns it as sent on the wire.
func (p *PicOperations) JSON() (string, error) {
	var h *C.cos_ci_pic_operations
	if rc := Result(C.cos_ci_pic_operations_new(&h)); rc != ResultOK {
		return "", &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_pic_operations_free(h)
	C.cos_ci_pic_operations_set_is_pic_info(h, C.bool(p.IsPicInfo))
	for _, r := range p.Rules {
		f, fl := cstr(r.FileID)
		ru, rl := cstr(r.Rule)
		var b *C.uint8_t
		var bl C.size_t
		if r.Bucket != "" {
			b, bl = cstr(r.Bucket)
		}
		if rc := Result(C.cos_ci_pic_operations_add_rule(h, f, fl, ru, rl, b, bl)); rc != ResultOK {
			return "", &Error{Code: rc, Message: rc.String()}
		}
	}
	if rc := Result(C.cos_ci_pic_operations_validate(h)); rc != ResultOK {
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_pic_operations_last_error(h, b, n, o)
		})
		return "", &Error{Code: rc, Message: msg}
	}
	return readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_pic_operations_to_json(h, b, n, o)
	})
}

// RuleError says where a processing rule is wrong.
type RuleError struct {
	Offset  int
	Token   string
	Message string
}

func (e *RuleError) Error() string { return e.Message }

// CanonicalRule parses and validates a processing rule and returns its canonical form.
func CanonicalRule(rule string) (string, error) {
	var h *C.cos_ci_rule
	if rc := Result(C.cos_ci_rule_new(&h)); rc != ResultOK {
		return "", &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_rule_free(h)
	r, rl := cstr(rule)
	if rc := Result(C.cos_ci_rule_parse(h, r, rl)); rc != ResultOK {
		if rc != ResultInvalidRule {
			return "", &Error{Code: rc, Message: rc.String()}
		}
		var off C.size_t
		C.cos_ci_rule_error_offset(h, &off)
		tok, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_rule_error_token(h, b, n, o)
		})
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_rule_last_error(h, b, n, o)
		})
		return "", &RuleError{Offset: int(off), Token: tok, Message: msg}
	}
	return readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_rule_canonical(h, b, n, o)
	})
}

// ---------------------------------------------------------------- results

// ImageInfo describes an image: the original's ImageInfo in an UploadResult, or what
// the local engine found (see ReadImageInfo and Process). Fields the source
// does not give are zero (an UploadResult has no Size, BitDepth or DPI).
type ImageInfo struct {
	Format                           string // upper case: JPEG, PNG, WEBP, GIF, ...
	Width, Height                    uint64
	Size                             uint64 // bytes
	Quality, Orientation, FrameCount uint64
	BitDepth                         uint64
	VerticalDPI, HorizontalDPI       uint64
	Ave, MD5                         string // Ave: mean colour, 0xrrggbb; MD5: hex
}

// OriginalInfo is the uploaded object in an UploadResult.
type OriginalInfo struct {
	Key, Location, ETag string
	ImageInfo           *ImageInfo
}

// ProcessResult is one processed object in an UploadResult.
type ProcessResult struct {
	Key, Location, ETag, Format, MD5 string
	Width, Height, Size, Quality     uint64
	FrameCount                       uint64
	// CodeStatus and QRCodes: the answer of a QRcode/cover/N rule (the SDK's
	// ci_put_object_from_local_file_and_get_qrcode): CodeStatus 1 when codes were
	// found (0 when none, and for other rules), one QRCode per code found.
	CodeStatus uint64
	QRCodes    []QRCode
}

// UploadResult is the service's answer to an upload or image_process with
// Pic-Operations.
type UploadResult struct {
	OriginalInfo   *OriginalInfo
	ProcessResults []ProcessResult
}

type fieldReader struct {
	str func(field C.uint32_t) string
	num func(field C.uint32_t) uint64
}

func convertUploadResult(r *C.cos_ci_upload_result) *UploadResult {
	out := &UploadResult{}
	orig := fieldReader{
		str: func(f C.uint32_t) string {
			s, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_upload_result_original_string(r, f, b, n, o)
			})
			return s
		},
		num: func(f C.uint32_t) uint64 {
			var v C.uint64_t
			C.cos_ci_upload_result_original_number(r, f, &v)
			return uint64(v)
		},
	}
	var has C.bool
	C.cos_ci_upload_result_has_original(r, &has)
	if has {
		out.OriginalInfo = &OriginalInfo{
			Key: orig.str(C.COS_CI_FIELD_KEY), Location: orig.str(C.COS_CI_FIELD_LOCATION), ETag: orig.str(C.COS_CI_FIELD_ETAG),
		}
		if format := orig.str(C.COS_CI_FIELD_FORMAT); format != "" {
			out.OriginalInfo.ImageInfo = &ImageInfo{
				Format: format, Width: orig.num(C.COS_CI_FIELD_WIDTH), Height: orig.num(C.COS_CI_FIELD_HEIGHT),
				Quality: orig.num(C.COS_CI_FIELD_QUALITY), Orientation: orig.num(C.COS_CI_FIELD_ORIENTATION),
				FrameCount: orig.num(C.COS_CI_FIELD_FRAME_COUNT), Ave: orig.str(C.COS_CI_FIELD_AVE), MD5: orig.str(C.COS_CI_FIELD_MD5),
			}
		}
	}
	var count C.size_t
	C.cos_ci_upload_result_object_count(r, &count)
	for i := C.size_t(0); i < count; i++ {
		obj := fieldReader{
			str: func(f C.uint32_t) string {
				s, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
					return C.cos_ci_upload_result_object_string(r, i, f, b, n, o)
				})
				return s
			},
			num: func(f C.uint32_t) uint64 {
				var v C.uint64_t
				C.cos_ci_upload_result_object_number(r, i, f, &v)
				return uint64(v)
			},
		}
		out.ProcessResults = append(out.ProcessResults, ProcessResult{
			Key: obj.str(C.COS_CI_FIELD_KEY), Location: obj.str(C.COS_CI_FIELD_LOCATION), ETag: obj.str(C.COS_CI_FIELD_ETAG),
			Format: obj.str(C.COS_CI_FIELD_FORMAT), MD5: obj.str(C.COS_CI_FIELD_MD5),
			Width: obj.num(C.COS_CI_FIELD_WIDTH), Height: obj.num(C.COS_CI_FIELD_HEIGHT), Size: obj.num(C.COS_CI_FIELD_SIZE),
			Quality: obj.num(C.COS_CI_FIELD_QUALITY), FrameCount: obj.num(C.COS_CI_FIELD_FRAME_COUNT),
			CodeStatus: obj.num(C.COS_CI_FIELD_CODE_STATUS), QRCodes: objectQRCodes(r, i),
		})
	}
	return out
}

// objectQRCodes reads the QR codes of object i; a corner the service did not write as
// x,y is left out (its text is in the UploadResult XML).
func objectQRCodes(r *C.cos_ci_upload_result, i C.size_t) []QRCode {
	var n C.size_t
	if C.cos_ci_upload_result_object_qrcode_count(r, i, &n) != C.COS_CI_RESULT_OK || n == 0 {
		return nil
	}
	codes := make([]QRCode, 0, int(n))
	for k := C.size_t(0); k < n; k++ {
		text, _ := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_upload_result_object_qrcode_text(r, i, k, b, l, o)
		})
		code := QRCode{Text: text}
		var points C.size_t
		C.cos_ci_upload_result_object_qrcode_point_count(r, i, k, &points)
		for p := C.size_t(0); p < points; p++ {
			var x, y C.int64_t
			if C.cos_ci_upload_result_object_qrcode_point(r, i, k, p, &x, &y) == C.COS_CI_RESULT_OK {
				code.Corners = append(code.Corners, image.Pt(int(x), int(y)))
			}
		}
		codes = append(codes, code)
	}
	return codes
}

// ParseUploadResult parses an <UploadResult> XML document.
func ParseUploadResult(xml []byte) (*UploadResult, error) {
	var h *C.cos_ci_upload_result
	if rc := Result(C.cos_ci_upload_result_new(&h)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_upload_result_free(h)
	p, n := cbytes(xml)
	if rc := Result(C.cos_ci_upload_result_parse_xml(h, p, n)); rc != ResultOK {
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_upload_result_last_error(h, b, n, o)
		})
		return nil, &Error{Code: rc, Message: msg}
	}
	return convertUploadResult(h), nil
}

// ---------------------------------------------------------------- client

// Config configures a Client. Empty fields are unset; with FromEnv, unset fields are
// read from COS_REGION, COS_SECRET_ID, COS_SECRET_KEY, COS_TOKEN, ...
type Config struct {
	Region, SecretID, SecretKey, Token string
	Scheme                             string // "https" (default) or "http"
	Endpoint, Domain                   string
	IP                                 string // connect here instead of the bucket host
	Port                               int
	Timeout                            time.Duration
	Retries                            *int
	PartSize                           int64
	UploadThreads                      int
	FromEnv                            bool
}

func (c Config) values() [][2]string {
	var v [][2]string
	add := func(name, value string) {
		if value != "" {
			v = append(v, [2]string{name, value})
		}
	}
	add("COS_REGION", c.Region)
	add("COS_SECRET_ID", c.SecretID)
	add("COS_SECRET_KEY", c.SecretKey)
	add("COS_TOKEN", c.Token)
	add("COS_SCHEME", c.Scheme)
	add("COS_ENDPOINT", c.Endpoint)
	add("COS_DOMAIN", c.Domain)
	add("COS_IP", c.IP)
	if c.Port > 0 {
		add("COS_PORT", strconv.Itoa(c.Port))
	}
	if c.Timeout > 0 {
		add("COS_TIMEOUT", strconv.Itoa(int((c.Timeout+time.Second-1)/time.Second)))
	}
	if c.Retries != nil {
		add("COS_RETRIES", strconv.Itoa(*c.Retries))
	}
	if c.PartSize > 0 {
		add("COS_PART_SIZE", strconv.FormatInt(c.PartSize, 10))
	}
	if c.UploadThreads > 0 {
		add("COS_UPLOAD_THREADS", strconv.Itoa(c.UploadThreads))
	}
	return v
}

// Client is a COS client. Safe for concurrent use by several goroutines (the C client
// is Send + Sync). Close it when done.
type Client struct {
	mu      sync.RWMutex // Close waits for running calls
	ptr     *C.cos_ci_client
	watches laneWatches
}

// NewClient creates a client.
func NewClient(cfg Config) (*Client, error) {
	var h *C.cos_ci_config
	if rc := Result(C.cos_ci_config_new(&h)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_config_free(h)
	for _, kv := range cfg.values() {
		n, nl := cstr(kv[0])
		v, vl := cstr(kv[1])
		if rc := Result(C.cos_ci_config_set(h, n, nl, v, vl)); rc != ResultOK {
			return nil, &Error{Code: rc, Message: "setting " + kv[0]}
		}
	}
	C.cos_ci_config_use_env(h, C.bool(cfg.FromEnv))
	c := &Client{}
	if rc := Result(C.cos_ci_client_new(h, &c.ptr)); rc != ResultOK {
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_config_last_error(h, b, n, o)
		})
		return nil, &Error{Code: rc, Message: msg}
	}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close frees the client; later calls fail. Safe to call more than once.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		C.cos_ci_client_free(c.ptr)
		c.ptr = nil
	}
	c.watches.closeAll()
	runtime.SetFinalizer(c, nil)
	return nil
}

// Options are request options with the Python SDK's names.
type Options struct {
	PicOperations string // the Pic-Operations header (see PicOperations.JSON)
	ContentType   string
	Metadata      map[string]string // x-cos-meta-* headers, full names
	Extra         map[string]string // any other option: "CacheControl", "EnableMD5", ...
}

func (o *Options) pairs() [][2]string {
	if o == nil {
		return nil
	}
	var v [][2]string
	if o.PicOperations != "" {
		v = append(v, [2]string{"PicOperations", o.PicOperations})
	}
	if o.ContentType != "" {
		v = append(v, [2]string{"ContentType", o.ContentType})
	}
	keys := make([]string, 0, len(o.Metadata))
	for k := range o.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v = append(v, [2]string{"Metadata." + k, o.Metadata[k]})
	}
	keys = keys[:0]
	for k := range o.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v = append(v, [2]string{k, o.Extra[k]})
	}
	return v
}

type response struct {
	status int
	header http.Header
	result *UploadResult
	body   []byte
}

// call runs one client call: fn gets the client and the options array.
func (c *Client) call(ctx context.Context, opts *Options, wantBody bool,
	fn func(cl *C.cos_ci_client, kv *C.cos_ci_kv, n C.size_t, out **C.cos_ci_response) C.cos_ci_result) (*response, error) {
	return c.callWith(ctx, opts, wantBody, fn, nil)
}

// callWith is call, with extract reading the typed answer of a successful call from
// the C response before it is freed.
func (c *Client) callWith(ctx context.Context, opts *Options, wantBody bool,
	fn func(cl *C.cos_ci_client, kv *C.cos_ci_kv, n C.size_t, out **C.cos_ci_response) C.cos_ci_result,
	extract func(resp *C.cos_ci_response) error) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release, err := c.hold()
	if err != nil {
		return nil, err
	}
	defer release()
	kv := newKV(opts.pairs())
	defer kv.free()
	var resp *C.cos_ci_response
	rc := Result(fn(c.ptr, kv.ptr, kv.n, &resp))
	defer C.cos_ci_response_free(resp)
	return c.finish(rc, resp, c.lastError, wantBody, extract)
}

// hold keeps the client open (Close waits) until release is called; an error when it is
// already closed.
func (c *Client) hold() (release func(), err error) {
	c.mu.RLock()
	if c.ptr == nil {
		c.mu.RUnlock()
		return nil, &Error{Code: ResultNullParameter, Message: "client is closed"}
	}
	return c.mu.RUnlock, nil
}

// lastError reads the client's last error text (for readString).
func (c *Client) lastError(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
	return C.cos_ci_client_last_error(c.ptr, b, n, o)
}

// failure is code rc with the client's last error text.
func (c *Client) failure(rc Result) error {
	msg, _ := readString(c.lastError)
	return &Error{Code: rc, Message: msg}
}

// finish reads the outcome of a call: the error for a code other than OK (the service's
// from resp, any other's text from lastError), else the response.
func (c *Client) finish(rc Result, resp *C.cos_ci_response,
	lastError func(*C.uint8_t, C.size_t, *C.size_t) C.cos_ci_result,
	wantBody bool, extract func(resp *C.cos_ci_response) error) (*response, error) {
	if rc == ResultServiceError && resp != nil {
		e := &Error{Code: rc}
		var st C.uint16_t
		C.cos_ci_response_status(resp, &st)
		e.Status = int(st)
		get := func(f C.uint32_t) string {
			s, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_response_error_string(resp, f, b, n, o)
			})
			return s
		}
		e.ServiceCode, e.Message = get(C.COS_CI_FIELD_CODE), get(C.COS_CI_FIELD_MESSAGE)
		e.RequestID, e.TraceID = get(C.COS_CI_FIELD_REQUEST_ID), get(C.COS_CI_FIELD_TRACE_ID)
		return nil, e
	}
	if rc != ResultOK {
		msg, _ := readString(lastError)
		return nil, &Error{Code: rc, Message: msg}
	}
	// Status, headers and UploadResult in one C call (they took some sixty).
	out, err := readPacked(resp)
	if err != nil {
		return nil, err
	}
	if wantBody {
		b, err := readBytes(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_response_body(resp, b, n, o)
		})
		if err != nil {
			return nil, err
		}
		out.body = b
	}
	if extract != nil {
		if err := extract(resp); err != nil {
			return nil, err
		}
	}
	runtime.KeepAlive(c)
	return out, nil
}

// CIPutObject uploads body (read whole into memory first) to bucket/key with
// persistent processing when opts.PicOperations is set. The UploadResult is nil when
// the request had no Pic-Operations.
func (c *Client) CIPutObject(ctx context.Context, bucket, key string, body io.Reader, opts *Options) (*UploadResult, http.Header, error) {
	// Small bodies: the C library copies them straight from Go's memory and the call is
	// polled from Go's poller (call.go).
	if src, n, ok := inMemory(body); ok && n <= maxPolledBody {
		return c.putPolled(ctx, bucket, key, src, opts)
	}
	var data []byte
	var dp *C.uint8_t
	var dl C.size_t
	if n, ok := knownLen(body); ok && n > 0 {
		// Read straight into C memory: no zeroed Go buffer grown to the size, no
		// garbage for the collector (a third of this call's Go-side CPU on a 59 KB JPEG).
		mem := C.malloc(C.size_t(n))
		defer C.free(mem)
		if _, err := io.ReadFull(body, unsafe.Slice((*byte)(mem), n)); err != nil {
			return nil, nil, err
		}
		dp, dl = (*C.uint8_t)(mem), C.size_t(n)
	} else {
		if body != nil {
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, body); err != nil {
				return nil, nil, err
			}
			if buf.Len() <= maxPolledBody {
				return c.putPolled(ctx, bucket, key, &buf, opts)
			}
			data = buf.Bytes()
		}
		dp, dl = cbytes(data)
	}
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	resp, err := c.call(ctx, opts, false, func(cl *C.cos_ci_client, kv *C.cos_ci_kv, n C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_put_object(cl, bp, bl, kp, kl, dp, dl, kv, n, out)
	})
	runtime.KeepAlive(data)
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	if err != nil {
		return nil, nil, err
	}
	return resp.result, resp.header, nil
}

// maxPolledBody: uploads up to this size are polled from Go's poller (see call.go);
// larger ones block in the C call, whose cost is small next to the transfer (and whose
// many socket writes would keep the poll loop busy).
const maxPolledBody = 1 << 20

// inMemory is body as a WriterTo that hands its bytes over in one Write, and their
// number, for the in-memory readers (nil is an empty body).
func inMemory(body io.Reader) (io.WriterTo, int, bool) {
	switch r := body.(type) {
	case nil:
		return bytes.NewReader(nil), 0, true
	case *bytes.Reader:
		return r, r.Len(), true
	case *bytes.Buffer:
		return r, r.Len(), true
	case *strings.Reader:
		return r, r.Len(), true
	}
	return nil, 0, false
}

// putStart starts the polled upload when the body's bytes are written to it: the C call
// copies them from Go's memory during the call (cgo allows that: they hold no pointers).
type putStart struct {
	c       *Client
	bucket  string
	key     string
	kv      *kvArray
	call    *C.cos_ci_call
	rc      Result
	started bool
}

func (s *putStart) begin(p *C.uint8_t, n int) {
	bp, bl := cstr(s.bucket)
	kp, kl := cstr(s.key)
	s.rc = Result(C.cos_ci_client_put_object_start(s.c.ptr, bp, bl, kp, kl, p, C.size_t(n), s.kv.ptr, s.kv.n, &s.call))
	s.started = true
}

func (s *putStart) Write(p []byte) (int, error) {
	if s.started {
		return 0, errors.New("cos-ci: the body came in more than one write")
	}
	dp, _ := cbytes(p)
	s.begin(dp, len(p))
	runtime.KeepAlive(p)
	return len(p), nil
}

func (s *putStart) WriteString(str string) (int, error) {
	if s.started {
		return 0, errors.New("cos-ci: the body came in more than one write")
	}
	dp, _ := cstr(str)
	s.begin(dp, len(str))
	runtime.KeepAlive(str)
	return len(str), nil
}

// putPolled uploads src with a call polled from Go's poller (cos_ci_client_put_object_start).
func (c *Client) putPolled(ctx context.Context, bucket, key string, src io.WriterTo, opts *Options) (*UploadResult, http.Header, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	release, err := c.hold()
	if err != nil {
		return nil, nil, err
	}
	defer release()
	kv := newKV(opts.pairs())
	s := &putStart{c: c, bucket: bucket, key: key, kv: kv}
	_, err = src.WriteTo(s)
	if err == nil && !s.started {
		s.begin(emptyBuf, 0) // an empty body: WriteTo wrote nothing
	}
	kv.free()
	if err != nil {
		return nil, nil, err
	}
	if s.rc != ResultOK {
		return nil, nil, c.failure(s.rc)
	}
	defer C.cos_ci_call_free(s.call)
	rc, resp, err := c.await(ctx, s.call)
	if err != nil {
		return nil, nil, err
	}
	defer C.cos_ci_response_free(resp)
	out, err := c.finish(rc, resp, func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_call_last_error(s.call, b, n, o)
	}, false, nil)
	runtime.KeepAlive(c)
	if err != nil {
		return nil, nil, err
	}
	return out.result, out.header, nil
}

// knownLen is the number of bytes left in body when its type says so exactly.
func knownLen(body io.Reader) (int, bool) {
	switch r := body.(type) {
	case *bytes.Reader:
		return r.Len(), true
	case *bytes.Buffer:
		return r.Len(), true
	case *strings.Reader:
		return r.Len(), true
	}
	return 0, false
}

// CIImageProcess processes the stored image bucket/key with opts.PicOperations
// (required).
func (c *Client) CIImageProcess(ctx context.Context, bucket, key string, opts *Options) (*UploadResult, http.Header, error) {
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	resp, err := c.call(ctx, opts, false, func(cl *C.cos_ci_client, kv *C.cos_ci_kv, n C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_image_process(cl, bp, bl, kp, kl, kv, n, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	if err != nil {
		return nil, nil, err
	}
	return resp.result, resp.header, nil
}

// GetObject downloads bucket/key, processed by rule when it is not empty
// (e.g. "imageMogr2/thumbnail/100x").
func (c *Client) GetObject(ctx context.Context, bucket, key, rule string) ([]byte, http.Header, error) {
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	var rp *C.uint8_t
	var rl C.size_t
	if rule != "" {
		rp, rl = cstr(rule)
	}
	resp, err := c.call(ctx, nil, true, func(cl *C.cos_ci_client, kv *C.cos_ci_kv, n C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_object(cl, bp, bl, kp, kl, rp, rl, kv, n, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	runtime.KeepAlive(rule)
	if err != nil {
		return nil, nil, err
	}
	return resp.body, resp.header, nil
}
