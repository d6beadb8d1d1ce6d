package cosci

/*
#include <stdlib.h>
#include "cos_ci.h"
*/
import "C"

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"net/http"
	"runtime"
	"sort"
)

// The image API (issue #17) by the official Python SDK's names: styles, image
// inspection, QR codes, imageInfo / exif / imageAve, download compression and the generic
// ci-process; and the local engine's forms of inspection and QR codes (Inspect,
// RecogniseQRCodes, GenerateQRCode). A download with a rule or a style ("style/NAME"),
// the SDK's ci_get_object, is GetObject.

// Style is one image-processing style of a bucket: "style/NAME" in Pic-Operations and
// download rules, and key!NAME in URLs, run Rule.
type Style struct {
	Name string
	Rule string
}

// InspectResult is what image inspection found (the service's ?imageInspect answer).
// The Suspicious* fields are zero for a clean file.
type InspectResult struct {
	PicSize             uint64 // bytes
	PicType             string // jpeg, png, gif, webp, bmp, avif, tiff, ts for a bare MPEG-TS stream
	Suspicious          bool
	SuspiciousBeginByte uint64 // first byte after the image's end
	SuspiciousEndByte   uint64 // last byte of the file
	SuspiciousSize      uint64
	SuspiciousType      string // MPEG-TS, ZIP, RAR, 7Z, GZIP, PDF, ELF, PE, MP4, PHP, ...
	JSON                string // the service's JSON answer
}

// QRCode is one code found in an image: its text and its corners in pixels (top-left,
// top-right, bottom-right, bottom-left in the code's own orientation).
type QRCode struct {
	Text    string
	Corners []image.Point
}

// QRCodeResult is the codes found in an image and, when they were to be covered, the
// image with a mosaic over each (nil otherwise).
type QRCodeResult struct {
	Codes        []QRCode
	CoveredImage []byte
}

func errorOf(rc Result, lastError func(*C.uint8_t, C.size_t, *C.size_t) C.cos_ci_result) error {
	msg, _ := readString(lastError)
	if msg == "" {
		msg = rc.String()
	}
	return &Error{Code: rc, Message: msg}
}

// u32 converts a width or mode for C; negative or too large values are refused.
func u32(name string, v int) (C.uint32_t, error) {
	if v < 0 || int64(v) > math.MaxUint32 {
		return 0, &Error{Code: ResultInvalidArgument, Message: name + " is out of range"}
	}
	return C.uint32_t(v), nil
}

// ---------------------------------------------------------------- styles

// CIPutImageStyle adds the style name running rule (e.g. "imageMogr2/thumbnail/200x")
// to the bucket, or replaces its rule. A malformed rule is refused before sending
// (Code ResultClientError, the message says where).
func (c *Client) CIPutImageStyle(ctx context.Context, bucket, name, rule string) error {
	bp, bl := cstr(bucket)
	np, nl := cstr(name)
	rp, rl := cstr(rule)
	_, err := c.call(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_put_image_style(cl, bp, bl, np, nl, rp, rl, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(name)
	runtime.KeepAlive(rule)
	return err
}

// CIGetImageStyle lists the bucket's styles, or only the one named name ("" for all;
// an unknown name gives none).
func (c *Client) CIGetImageStyle(ctx context.Context, bucket, name string) ([]Style, error) {
	bp, bl := cstr(bucket)
	var np *C.uint8_t
	var nl C.size_t
	if name != "" {
		np, nl = cstr(name)
	}
	var styles []Style
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_image_style(cl, bp, bl, np, nl, out)
	}, func(resp *C.cos_ci_response) error {
		var n C.size_t
		if rc := Result(C.cos_ci_response_style_count(resp, &n)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		styles = make([]Style, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			name, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_response_style_name(resp, i, b, l, o)
			})
			if err != nil {
				return err
			}
			rule, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_response_style_body(resp, i, b, l, o)
			})
			if err != nil {
				return err
			}
			styles = append(styles, Style{Name: name, Rule: rule})
		}
		return nil
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(name)
	if err != nil {
		return nil, err
	}
	return styles, nil
}

// CIDeleteImageStyle deletes the style name.
func (c *Client) CIDeleteImageStyle(ctx context.Context, bucket, name string) error {
	bp, bl := cstr(bucket)
	np, nl := cstr(name)
	_, err := c.call(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_delete_image_style(cl, bp, bl, np, nl, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(name)
	return err
}

// ---------------------------------------------------------------- inspection

func readInspect(h *C.cos_ci_inspect_result) (*InspectResult, error) {
	r := &InspectResult{}
	var size C.uint64_t
	if rc := Result(C.cos_ci_inspect_result_pic_size(h, &size)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	r.PicSize = uint64(size)
	var err error
	if r.PicType, err = readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_inspect_result_pic_type(h, b, n, o)
	}); err != nil {
		return nil, err
	}
	var suspicious C.bool
	C.cos_ci_inspect_result_suspicious(h, &suspicious)
	r.Suspicious = bool(suspicious)
	var begin, end, n C.uint64_t
	if Result(C.cos_ci_inspect_result_suspicious_range(h, &begin, &end, &n)) == ResultOK {
		r.SuspiciousBeginByte, r.SuspiciousEndByte, r.SuspiciousSize = uint64(begin), uint64(end), uint64(n)
	}
	r.SuspiciousType, _ = readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_inspect_result_suspicious_type(h, b, n, o)
	})
	if r.JSON, err = readString(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_inspect_result_json(h, b, n, o)
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// CIImageInspect inspects the stored object bucket/key (?imageInspect): whether data
// is hidden after the image's end.
func (c *Client) CIImageInspect(ctx context.Context, bucket, key string) (*InspectResult, error) {
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	var result *InspectResult
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_image_inspect(cl, bp, bl, kp, kl, out)
	}, func(resp *C.cos_ci_response) error {
		var h *C.cos_ci_inspect_result
		if rc := Result(C.cos_ci_response_inspect_result(resp, &h)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		var err error
		result, err = readInspect(h)
		return err
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	if err != nil {
		return nil, err
	}
	return result, nil
}

// Inspect inspects a file with the local engine, as the service's ?imageInspect does
// (an MPEG-TS stream, ZIP, RAR, script, executable, ... after the image's end). Nothing
// is decoded. Errors: ResultInvalidImage (neither an image nor an MPEG-TS stream),
// ResultImageTooLarge.
func Inspect(data []byte) (*InspectResult, error) {
	var h *C.cos_ci_inspect_result
	if rc := Result(C.cos_ci_inspect_result_new(&h)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_inspect_result_free(h)
	dp, dl := cbytes(data)
	rc := Result(C.cos_ci_inspect_result_read(h, dp, dl))
	runtime.KeepAlive(data)
	if rc != ResultOK {
		return nil, errorOf(rc, func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_inspect_result_last_error(h, b, n, o)
		})
	}
	return readInspect(h)
}

// ---------------------------------------------------------------- QR codes

func readQRCodes(h *C.cos_ci_qrcode_result) (*QRCodeResult, error) {
	var n C.size_t
	if rc := Result(C.cos_ci_qrcode_result_count(h, &n)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	r := &QRCodeResult{Codes: make([]QRCode, 0, int(n))}
	for i := C.size_t(0); i < n; i++ {
		text, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_qrcode_result_text(h, i, b, l, o)
		})
		if err != nil {
			return nil, err
		}
		code := QRCode{Text: text}
		var points C.size_t
		C.cos_ci_qrcode_result_point_count(h, i, &points)
		for p := C.size_t(0); p < points; p++ {
			var x, y C.int64_t
			if rc := Result(C.cos_ci_qrcode_result_point(h, i, p, &x, &y)); rc != ResultOK {
				return nil, &Error{Code: rc, Message: "corner of code " + text + ": " + rc.String()}
			}
			code.Corners = append(code.Corners, image.Pt(int(x), int(y)))
		}
		r.Codes = append(r.Codes, code)
	}
	img, err := readBytes(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_qrcode_result_image(h, b, l, o)
	})
	var e *Error
	switch {
	case err == nil:
		r.CoveredImage = img
	case errors.As(err, &e) && e.Code == ResultNotPresent: // codes not covered
	default:
		return nil, err
	}
	return r, nil
}

// CIGetObjectQRCode finds the QR codes of the stored image bucket/key
// (?ci-process=QRcode); with cover, the answer also carries the image with a mosaic
// over them. barType: 0 QR codes and barcodes, 1 QR codes only, 2 barcodes only.
func (c *Client) CIGetObjectQRCode(ctx context.Context, bucket, key string, cover bool, barType int) (*QRCodeResult, error) {
	bar, err := u32("barType", barType)
	if err != nil {
		return nil, err
	}
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	var result *QRCodeResult
	_, err = c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_object_qrcode(cl, bp, bl, kp, kl, C.bool(cover), bar, out)
	}, func(resp *C.cos_ci_response) error {
		var h *C.cos_ci_qrcode_result
		if rc := Result(C.cos_ci_response_qrcode_result(resp, &h)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		var err error
		result, err = readQRCodes(h)
		return err
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	if err != nil {
		return nil, err
	}
	return result, nil
}

// RecogniseQRCodes finds and reads the QR codes of an image with the local engine;
// with cover, CoveredImage is the image (in its own format) with a mosaic over each
// code. An image without codes gives none and no error. Errors as for Process.
func RecogniseQRCodes(data []byte, cover bool) (*QRCodeResult, error) {
	var h *C.cos_ci_qrcode_result
	if rc := Result(C.cos_ci_qrcode_result_new(&h)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_qrcode_result_free(h)
	dp, dl := cbytes(data)
	rc := Result(C.cos_ci_qrcode_result_read(h, dp, dl, C.bool(cover)))
	runtime.KeepAlive(data)
	if rc != ResultOK {
		return nil, errorOf(rc, func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_qrcode_result_last_error(h, b, n, o)
		})
	}
	return readQRCodes(h)
}

// CIQRCodeGenerate makes a QR code (mode 0) or a Code 128 barcode (mode 1) of content,
// width pixels wide, on the service (?ci-process=qrcode-generate), and returns the PNG.
func (c *Client) CIQRCodeGenerate(ctx context.Context, bucket, content string, width, mode int) ([]byte, error) {
	w, err := u32("width", width)
	if err != nil {
		return nil, err
	}
	m, err := u32("mode", mode)
	if err != nil {
		return nil, err
	}
	bp, bl := cstr(bucket)
	cp, cl := cstr(content)
	resp, err := c.call(ctx, nil, true, func(client *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_qrcode_generate(client, bp, bl, cp, cl, w, m, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(content)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// GenerateQRCode makes the PNG the service's qrcode-generate makes, with the local
// engine: a QR code (mode 0, width pixels square) or a Code 128 barcode (mode 1,
// printable ASCII, width pixels wide). Errors: ResultInvalidArgument (empty content,
// another mode, a width over the limit, text a barcode cannot carry).
func GenerateQRCode(content string, width, mode int) ([]byte, error) {
	w, err := u32("width", width)
	if err != nil {
		return nil, err
	}
	m, err := u32("mode", mode)
	if err != nil {
		return nil, err
	}
	var h *C.cos_ci_processed
	if rc := Result(C.cos_ci_processed_new(&h)); rc != ResultOK {
		return nil, &Error{Code: rc, Message: rc.String()}
	}
	defer C.cos_ci_processed_free(h)
	cp, cl := cstr(content)
	rc := Result(C.cos_ci_qrcode_generate(h, cp, cl, w, m))
	runtime.KeepAlive(content)
	if rc != ResultOK {
		return nil, errorOf(rc, func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
			return C.cos_ci_processed_last_error(h, b, n, o)
		})
	}
	return readBytes(func(b *C.uint8_t, n C.size_t, o *C.size_t) C.cos_ci_result {
		return C.cos_ci_processed_copy(h, b, n, o)
	})
}

// ---------------------------------------------------------------- image information

// objectCall runs a GET on bucket/key whose typed answer extract reads.
func (c *Client) objectCall(ctx context.Context, bucket, key string,
	fn func(cl *C.cos_ci_client, bp *C.uint8_t, bl C.size_t, kp *C.uint8_t, kl C.size_t, out **C.cos_ci_response) C.cos_ci_result,
	extract func(resp *C.cos_ci_response) error) error {
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	_, err := c.callWith(ctx, nil, false, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return fn(cl, bp, bl, kp, kl, out)
	}, extract)
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	return err
}

// CIGetImageInfo returns the stored image's format (upper case, JPEG, as everywhere
// in this package), dimensions, size, MD5, frame count, bit depth and DPI (?imageInfo).
func (c *Client) CIGetImageInfo(ctx context.Context, bucket, key string) (*ImageInfo, error) {
	var info *ImageInfo
	err := c.objectCall(ctx, bucket, key, func(cl *C.cos_ci_client, bp *C.uint8_t, bl C.size_t, kp *C.uint8_t, kl C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_image_info(cl, bp, bl, kp, kl, out)
	}, func(resp *C.cos_ci_response) error {
		var h *C.cos_ci_image_info
		if rc := Result(C.cos_ci_response_image_info(resp, &h)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		info = readImageInfo(h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// CIGetImageExifInfo returns the stored image's EXIF tags by name, values as the
// service writes them (?exif). An image without EXIF gives an empty map.
func (c *Client) CIGetImageExifInfo(ctx context.Context, bucket, key string) (map[string]string, error) {
	tags := map[string]string{}
	err := c.objectCall(ctx, bucket, key, func(cl *C.cos_ci_client, bp *C.uint8_t, bl C.size_t, kp *C.uint8_t, kl C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_image_exif_info(cl, bp, bl, kp, kl, out)
	}, func(resp *C.cos_ci_response) error {
		var n C.size_t
		if rc := Result(C.cos_ci_response_exif_count(resp, &n)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		for i := C.size_t(0); i < n; i++ {
			name, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_response_exif_name(resp, i, b, l, o)
			})
			if err != nil {
				return err
			}
			value, err := readString(func(b *C.uint8_t, l C.size_t, o *C.size_t) C.cos_ci_result {
				return C.cos_ci_response_exif_value(resp, i, b, l, o)
			})
			if err != nil {
				return err
			}
			tags[name] = value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}

// CIGetImageAveInfo returns the stored image's mean colour (?imageAve), opaque.
func (c *Client) CIGetImageAveInfo(ctx context.Context, bucket, key string) (color.RGBA, error) {
	var rgb C.uint32_t
	err := c.objectCall(ctx, bucket, key, func(cl *C.cos_ci_client, bp *C.uint8_t, bl C.size_t, kp *C.uint8_t, kl C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_get_image_ave_info(cl, bp, bl, kp, kl, out)
	}, func(resp *C.cos_ci_response) error {
		if rc := Result(C.cos_ci_response_image_ave(resp, &rgb)); rc != ResultOK {
			return &Error{Code: rc, Message: rc.String()}
		}
		return nil
	})
	if err != nil {
		return color.RGBA{}, err
	}
	return color.RGBA{R: uint8(rgb >> 16), G: uint8(rgb >> 8), B: uint8(rgb), A: 0xff}, nil
}

// ---------------------------------------------------------------- downloads

// CIDownloadCompressImage downloads the stored image recompressed as compressType:
// "avif" or "webp" (the cloud's "tpg" and "heif" where the service encodes them).
func (c *Client) CIDownloadCompressImage(ctx context.Context, bucket, key, compressType string) ([]byte, error) {
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	tp, tl := cstr(compressType)
	resp, err := c.call(ctx, nil, true, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_download_compress_image(cl, bp, bl, kp, kl, tp, tl, nil, 0, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	runtime.KeepAlive(compressType)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// CIProcess runs any ci-process on the stored object bucket/key
// (GET key?ci-process=process&params...) and returns the answer as sent, with its
// headers: XML, JSON or an image, told apart by Content-Type. Parameters a known
// process does not take are refused before sending (ResultClientError).
func (c *Client) CIProcess(ctx context.Context, bucket, key, process string, params map[string]string) ([]byte, http.Header, error) {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([][2]string, 0, len(names))
	for _, k := range names {
		pairs = append(pairs, [2]string{k, params[k]})
	}
	kv := newKV(pairs)
	defer kv.free()
	bp, bl := cstr(bucket)
	kp, kl := cstr(key)
	pp, pl := cstr(process)
	resp, err := c.call(ctx, nil, true, func(cl *C.cos_ci_client, _ *C.cos_ci_kv, _ C.size_t, out **C.cos_ci_response) C.cos_ci_result {
		return C.cos_ci_client_ci_process(cl, bp, bl, kp, kl, pp, pl, kv.ptr, kv.n, out)
	})
	runtime.KeepAlive(bucket)
	runtime.KeepAlive(key)
	runtime.KeepAlive(process)
	if err != nil {
		return nil, nil, err
	}
	return resp.body, resp.header, nil
}
