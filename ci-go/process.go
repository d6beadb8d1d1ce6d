package cosci

/*
#include <stdlib.h>
#include "cos_ci.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Local processing with the library's engine (Process, ReadImageInfo, ImageInfoJSON): no network, the calling goroutine's
// thread runs the decode, the rule and the encode. Safe for concurrent use (each call
// has its own C handles).

// readImageInfo reads the fields of a cos_ci_image_info handle.
func readImageInfo(h *C.cos_ci_image_info) *ImageInfo {
	str := func(f C.uint32_t) string {
		s, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_image_info_string(h, f, b, n, o)
		})
		return s
	}
	num := func(f C.uint32_t) uint64 {
		var v C.uint64_t
		C.cos_ci_image_info_number(h, f, &v)
		return uint64(v)
	}
	return &ImageInfo{
		Format: str(C.COS_CI_FIELD_FORMAT), Width: num(C.COS_CI_FIELD_WIDTH), Height: num(C.COS_CI_FIELD_HEIGHT),
		Size: num(C.COS_CI_FIELD_SIZE), Quality: num(C.COS_CI_FIELD_QUALITY), Orientation: num(C.COS_CI_FIELD_ORIENTATION),
		FrameCount: num(C.COS_CI_FIELD_FRAME_COUNT), BitDepth: num(C.COS_CI_FIELD_BIT_DEPTH),
		VerticalDPI: num(C.COS_CI_FIELD_VERTICAL_DPI), HorizontalDPI: num(C.COS_CI_FIELD_HORIZONTAL_DPI),
		Ave: str(C.COS_CI_FIELD_AVE), MD5: str(C.COS_CI_FIELD_MD5),
	}
}

// Process runs a processing rule (e.g. "imageMogr2/thumbnail/200x/format/webp",
// "|" pipelines included) on the image data, as the service does for a Pic-Operations
// rule, and returns the output bytes and their ImageInfo (Format upper case, Quality
// the one encoded with, Size the output's length). For rules that answer JSON
// (imageInfo, imageAve, exif) the bytes are that JSON and the ImageInfo is nil.
//
// Errors are *Error with Code ResultInvalidRule, ResultInvalidImage,
// ResultImageTooLarge, ResultImageResolutionExceed, ResultUnsupported,
// ResultInvalidArgument (the rule cannot apply, e.g. a crop outside the image) or
// ResultProcessingFailed, and a Message starting with the service's error code
// ("InvalidImageFormat: ...").
func Process(data []byte, rule string) ([]byte, *ImageInfo, error) {
	var h *C.cos_ci_processed
	if rc := Result(C.cos_ci_processed_new(&h)); rc != ResultOK {
		return nil, nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_processed_free(h)
	dp, dl := cbytes(data)
	rp, rl := cstr(rule)
	rc := Result(C.cos_ci_process(h, dp, dl, rp, rl))
	// data and rule are read only during the call above.
	runtime.KeepAlive(data)
	runtime.KeepAlive(rule)
	if rc != ResultOK {
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_processed_last_error(h, b, n, o)
		})
		if msg == "" {
			msg = rc.String()
		}
		return nil, nil, &Error{Code: rc, Message: msg}
	}
	var ptr *C.uint8_t
	var n C.size_t
	if rc := Result(C.cos_ci_processed_bytes(h, &ptr, &n)); rc != ResultOK {
		return nil, nil, &Error{Code: rc, Message: rc.String()}
	}
	// One copy out of the handle's memory, which the deferred free releases.
	out := make([]byte, int(n))
	if n > 0 {
		copy(out, unsafe.Slice((*byte)(unsafe.Pointer(ptr)), int(n)))
	}
	var ih *C.cos_ci_image_info
	if Result(C.cos_ci_processed_image_info(h, &ih)) != ResultOK {
		return out, nil, nil
	}
	return out, readImageInfo(ih), nil
}

// readInfo fills a cos_ci_image_info handle from data and passes it to use.
func readInfo(data []byte, use func(h *C.cos_ci_image_info) error) error {
	var h *C.cos_ci_image_info
	if rc := Result(C.cos_ci_image_info_new(&h)); rc != ResultOK {
		return &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_image_info_free(h)
	dp, dl := cbytes(data)
	rc := Result(C.cos_ci_image_info_read(h, dp, dl))
	runtime.KeepAlive(data)
	if rc != ResultOK {
		msg, _ := readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_image_info_last_error(h, b, n, o)
		})
		if msg == "" {
			msg = rc.String()
		}
		return &Error{Code: rc, Message: msg}
	}
	return use(h)
}

// ReadImageInfo returns what the service reports as an uploaded image's ImageInfo, plus
// Size, BitDepth and DPI: JPEG quality is estimated from the quantisation tables (100
// for other formats), Ave is the mean colour, DPI defaults to 72. Errors as for Process.
// (Named so because the type ImageInfo takes the shorter name.)
func ReadImageInfo(data []byte) (*ImageInfo, error) {
	var info *ImageInfo
	err := readInfo(data, func(h *C.cos_ci_image_info) error {
		info = readImageInfo(h)
		return nil
	})
	return info, err
}

// ImageInfoJSON returns the service's answer to ?imageInfo for data: a JSON object of
// strings with the keys format (lower case, "jpeg" for JPEG as the cloud answers), width, height, size, md5,
// frame_count, bit_depth, vertical_dpi, horizontal_dpi, orientation.
func ImageInfoJSON(data []byte) (string, error) {
	var js string
	err := readInfo(data, func(h *C.cos_ci_image_info) error {
		var err error
		js, err = readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_image_info_json(h, b, n, o)
		})
		return err
	})
	return js, err
}
