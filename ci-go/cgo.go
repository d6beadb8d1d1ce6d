package cosci

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libcos_ci.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#include <stdlib.h>
#include "cos_ci.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Result is a cos_ci_result code of the C library.
type Result uint32

// Result codes (see include/cos_ci.h).
const (
	ResultOK                   Result = C.COS_CI_RESULT_OK
	ResultNullParameter        Result = C.COS_CI_RESULT_NULL_PARAMETER
	ResultInvalidUTF8          Result = C.COS_CI_RESULT_INVALID_UTF8
	ResultBufferTooSmall       Result = C.COS_CI_RESULT_BUFFER_TOO_SMALL
	ResultIndexOutOfRange      Result = C.COS_CI_RESULT_INDEX_OUT_OF_RANGE
	ResultNotPresent           Result = C.COS_CI_RESULT_NOT_PRESENT
	ResultInvalidArgument      Result = C.COS_CI_RESULT_INVALID_ARGUMENT
	ResultInvalidPicOperations Result = C.COS_CI_RESULT_INVALID_PIC_OPERATIONS
	ResultInvalidRule          Result = C.COS_CI_RESULT_INVALID_RULE
	ResultInvalidXML           Result = C.COS_CI_RESULT_INVALID_XML
	ResultInvalidJSON          Result = C.COS_CI_RESULT_INVALID_JSON
	ResultSignatureMalformed   Result = C.COS_CI_RESULT_SIGNATURE_MALFORMED
	ResultSignatureMismatch    Result = C.COS_CI_RESULT_SIGNATURE_MISMATCH
	ResultSignatureExpired     Result = C.COS_CI_RESULT_SIGNATURE_EXPIRED
	ResultSignatureRejected    Result = C.COS_CI_RESULT_SIGNATURE_REJECTED
	ResultServiceError         Result = C.COS_CI_RESULT_SERVICE_ERROR
	ResultClientError          Result = C.COS_CI_RESULT_CLIENT_ERROR
	ResultConfig               Result = C.COS_CI_RESULT_CONFIG
	ResultTransport            Result = C.COS_CI_RESULT_TRANSPORT
	ResultIO                   Result = C.COS_CI_RESULT_IO
	ResultPanic                Result = C.COS_CI_RESULT_PANIC
	// ResultUnsupported: a format without a codec in this build (tpg, heif).
	ResultUnsupported Result = C.COS_CI_RESULT_UNSUPPORTED
	// Local processing (Process, ImageInfo): the service's InvalidImageFormat,
	// ImageTooLarge and ImageResolutionExceed, and an encoder failure.
	ResultInvalidImage          Result = C.COS_CI_RESULT_INVALID_IMAGE
	ResultImageTooLarge         Result = C.COS_CI_RESULT_IMAGE_TOO_LARGE
	ResultImageResolutionExceed Result = C.COS_CI_RESULT_IMAGE_RESOLUTION_EXCEED
	ResultProcessingFailed      Result = C.COS_CI_RESULT_PROCESSING_FAILED
	// Asynchronous jobs (GetPicJob, WaitForJob): the service does not know the job; the
	// job had not ended by the deadline.
	ResultJobNotFound    Result = C.COS_CI_RESULT_JOB_NOT_FOUND
	ResultJobWaitTimeout Result = C.COS_CI_RESULT_JOB_WAIT_TIMEOUT
	// ResultPending: a polled call has not finished (internal to the polled calls).
	ResultPending Result = C.COS_CI_RESULT_PENDING
)

// String is the library's description of the code.
func (r Result) String() string {
	s, err := readString(func(b *C.uint8_t, n C.size_t, out *C.size_t) C.cos_ci_result {
		return C.cos_ci_result_message(C.uint32_t(r), b, n, out)
	})
	if err != nil {
		return fmt.Sprintf("result %d", uint32(r))
	}
	return s
}

// Version is the C library's version.
func Version() string { return C.GoString(C.cos_ci_version()) }

// BuildInfo describes the linked libcos_ci: its features, libjpeg-turbo's version and
// which of its SIMD kernels are in, the codec crates' versions (several lines).
func BuildInfo() (string, error) {
	return readString(func(buf *C.uint8_t, n C.size_t, need *C.size_t) C.cos_ci_result {
		return C.cos_ci_build_info(buf, n, need)
	})
}

// JPEGSIMD reports whether libjpeg-turbo's SIMD kernels are linked (false when libcos_ci
// was built without nasm: JPEG then runs 2-3 times slower).
func JPEGSIMD() bool { return bool(C.cos_ci_jpeg_simd()) }

// emptyBuf is a valid non-NULL pointer for empty inputs (the C API refuses NULL).
var emptyBuf = (*C.uint8_t)(C.malloc(1))

// cstr passes a Go string to C for the duration of one call (no copy; the bytes hold no
// Go pointers, as cgo requires).
func cstr(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return emptyBuf, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

func cbytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return emptyBuf, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// readBytes calls fn with a size query, then with a buffer of the right size.
func readBytes(fn func(*C.uint8_t, C.size_t, *C.size_t) C.cos_ci_result) ([]byte, error) {
	var need C.size_t
	rc := Result(fn(nil, 0, &need))
	if rc == ResultOK {
		return []byte{}, nil
	}
	if rc != ResultBufferTooSmall {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	buf := make([]byte, int(need)+1)
	rc = Result(fn((*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &need))
	if rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	return buf[:need], nil
}

// readString tries a small buffer first: most strings fit, which saves the size query
// (an UploadResult and a response's headers take some sixty reads).
func readString(fn func(*C.uint8_t, C.size_t, *C.size_t) C.cos_ci_result) (string, error) {
	var small [256]byte
	var need C.size_t
	rc := Result(fn((*C.uint8_t)(unsafe.Pointer(&small[0])), C.size_t(len(small)), &need))
	if rc == ResultOK {
		return string(small[:need]), nil
	}
	if rc != ResultBufferTooSmall {
		return "", &Error{Code: rc, Message: rc.String()}
	}
	b, err := readBytes(fn)
	return string(b), err
}

// kvArray copies key/value pairs into C memory (a cos_ci_kv array may not point into Go
// memory). free releases it.
type kvArray struct {
	ptr   *C.cos_ci_kv
	n     C.size_t
	alloc []unsafe.Pointer
}

func newKV(pairs [][2]string) *kvArray {
	a := &kvArray{n: C.size_t(len(pairs))}
	if len(pairs) == 0 {
		return a
	}
	// One allocation: the array, then every name and value NUL-terminated.
	size := int(unsafe.Sizeof(C.cos_ci_kv{})) * len(pairs)
	for _, p := range pairs {
		size += len(p[0]) + len(p[1]) + 2
	}
	mem := C.malloc(C.size_t(size))
	a.alloc = append(a.alloc, mem)
	a.ptr = (*C.cos_ci_kv)(mem)
	items := unsafe.Slice(a.ptr, len(pairs))
	all := unsafe.Slice((*byte)(mem), size)
	at := int(unsafe.Sizeof(C.cos_ci_kv{})) * len(pairs)
	put := func(s string) *C.uint8_t {
		p := (*C.uint8_t)(unsafe.Pointer(&all[at]))
		at += copy(all[at:], s)
		all[at] = 0
		at++
		return p
	}
	for i, p := range pairs {
		items[i] = C.cos_ci_kv{
			name: put(p[0]), name_len: C.size_t(len(p[0])),
			value: put(p[1]), value_len: C.size_t(len(p[1])),
		}
	}
	return a
}

func (a *kvArray) free() {
	for _, p := range a.alloc {
		C.free(p)
	}
	a.alloc = nil
	a.ptr = nil
}
