package cosci

/*
#include "cos_ci.h"
*/
import "C"

import (
	"encoding/binary"
	"image"
	"net/http"
	"strings"
	"sync"
	"unsafe"
)

// packedBufs holds buffers for cos_ci_response_packed: a usual answer (status, a dozen
// headers, an UploadResult) takes well under 4 KB, so one call reads it all.
var packedBufs = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// readPacked reads the status, headers and UploadResult of a response with one C call
// (two when the answer outgrows the pooled buffer) instead of one per header and field.
func readPacked(resp *C.cos_ci_response) (*response, error) {
	bp := packedBufs.Get().(*[]byte)
	defer packedBufs.Put(bp)
	buf := *bp
	var need C.size_t
	rc := Result(C.cos_ci_response_packed(resp, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &need))
	if rc == ResultBufferTooSmall {
		buf = make([]byte, int(need))
		rc = Result(C.cos_ci_response_packed(resp, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &need))
	}
	if rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	out, ok := decodePacked(buf[:need])
	if !ok {
		return nil, &Error{Code: ResultInvalidArgument, Message: "malformed packed response"}
	}
	return out, nil
}

// unpacker reads the layout of cos_ci_response_packed; bad is set (and zero values
// returned) once it runs past the end.
type unpacker struct {
	b   []byte
	bad bool
}

// take returns the next n bytes, or nil (and sets bad) when fewer are left.
func (u *unpacker) take(n uint64) []byte {
	if uint64(len(u.b)) < n {
		u.bad = true
		return nil
	}
	v := u.b[:n]
	u.b = u.b[n:]
	return v
}

func (u *unpacker) u8() byte {
	if b := u.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (u *unpacker) u32() uint32 {
	if b := u.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (u *unpacker) u64() uint64 {
	if b := u.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (u *unpacker) text() string {
	return string(u.take(uint64(u.u32())))
}

// count is a length that must fit in what is left at minSize bytes per item (so a bad
// buffer cannot make a huge allocation).
func (u *unpacker) count(minSize int) int {
	n := u.u32()
	if uint64(n)*uint64(minSize) > uint64(len(u.b)) {
		u.bad = true
		return 0
	}
	return int(n)
}

// record is one OriginalInfo or object: texts Key, Location, ETag, Format, MD5, Ave and
// numbers Width, Height, Size, Quality, Orientation, FrameCount, BitDepth, VerticalDPI,
// HorizontalDPI, CodeStatus (absent ones empty or 0).
type record struct {
	texts   [6]string
	numbers [10]uint64
}

const recordMinSize = 4 + 6*4 + 10*8

func (u *unpacker) record() (r record) {
	u.u32() // presence mask: the Go types keep absent fields as zero values
	for i := range r.texts {
		r.texts[i] = u.text()
	}
	for i := range r.numbers {
		r.numbers[i] = u.u64()
	}
	return r
}

const packedVersion = 1

func decodePacked(b []byte) (*response, bool) {
	u := &unpacker{b: b}
	if u.u32() != packedVersion {
		return nil, false
	}
	out := &response{status: int(u.u32())}
	n := u.count(8)
	out.header = make(http.Header, n)
	for i := 0; i < n; i++ {
		name := canonicalName(u.take(uint64(u.u32())))
		out.header[name] = append(out.header[name], u.text())
	}
	flags := u.u32()
	if flags&1 != 0 {
		res := &UploadResult{}
		if flags&2 != 0 {
			o := u.record()
			res.OriginalInfo = &OriginalInfo{Key: o.texts[0], Location: o.texts[1], ETag: o.texts[2]}
			if o.texts[3] != "" {
				res.OriginalInfo.ImageInfo = &ImageInfo{
					Format: o.texts[3], Width: o.numbers[0], Height: o.numbers[1],
					Quality: o.numbers[3], Orientation: o.numbers[4], FrameCount: o.numbers[5],
					Ave: o.texts[5], MD5: o.texts[4],
				}
			}
		}
		objects := u.count(recordMinSize + 4)
		if objects > 0 {
			res.ProcessResults = make([]ProcessResult, 0, objects)
		}
		for i := 0; i < objects; i++ {
			o := u.record()
			p := ProcessResult{
				Key: o.texts[0], Location: o.texts[1], ETag: o.texts[2], Format: o.texts[3], MD5: o.texts[4],
				Width: o.numbers[0], Height: o.numbers[1], Size: o.numbers[2], Quality: o.numbers[3],
				FrameCount: o.numbers[5], CodeStatus: o.numbers[9],
			}
			codes := u.count(8)
			if codes > 0 {
				p.QRCodes = make([]QRCode, 0, codes)
			}
			for k := 0; k < codes; k++ {
				code := QRCode{Text: u.text()}
				corners := u.count(17)
				for c := 0; c < corners; c++ {
					valid := u.u8()
					x, y := int64(u.u64()), int64(u.u64())
					if valid == 1 {
						code.Corners = append(code.Corners, image.Pt(int(x), int(y)))
					}
				}
				p.QRCodes = append(p.QRCodes, code)
			}
			res.ProcessResults = append(res.ProcessResults, p)
		}
		out.result = res
	}
	if u.bad || len(u.b) != 0 {
		return nil, false
	}
	return out, true
}

// knownNames are the canonical forms of the header names COS answers with (the library
// passes them lower-case, as HTTP/2 and hyper keep them), so that the usual ones cost
// neither an allocation nor http.CanonicalHeaderKey's pass.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"Content-Type", "Content-Length", "Connection", "Date", "Server", "Etag", "Last-Modified",
		"X-Cos-Request-Id", "X-Cos-Trace-Id", "X-Cos-Hash-Crc64ecma", "X-Ci-Request-Id",
		"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Keep-Alive",
		"Accept-Ranges", "Cache-Control", "Content-Disposition", "Content-Encoding", "Expires",
		"X-Cos-Storage-Class", "X-Cos-Version-Id", "X-Cos-Object-Type",
	} {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// canonicalName is http.CanonicalHeaderKey of the name b, without allocating for the
// usual names.
func canonicalName(b []byte) string {
	if n, ok := knownNames[string(b)]; ok {
		return n
	}
	return http.CanonicalHeaderKey(string(b))
}
