package interop

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const codeText = "https://example.com/cos-ci"

// TestStyles: AddStyle / GetStyle / DeleteStyle as the SDK sends them (`?style`,
// Content-Type and Content-MD5; GetStyle(nil) signs a Content-Length it does not send),
// and a style applied on download.
func TestStyles(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	for _, s := range []cos.AddStyleOptions{
		{StyleName: "go-thumb", StyleBody: "imageMogr2/thumbnail/64x/format/png"},
		{StyleName: "go-gray", StyleBody: "imageMogr2/grayscale/1"},
	} {
		s := s
		if _, err := c.CI.AddStyle(ctx, &s); err != nil {
			t.Fatalf("AddStyle %s: %v", s.StyleName, err)
		}
	}
	all, _, err := c.CI.GetStyle(ctx, nil)
	if err != nil {
		t.Fatalf("GetStyle(nil): %v", err)
	}
	found := map[string]string{}
	for _, r := range all.StyleRule {
		found[r.StyleName] = r.StyleBody
	}
	if found["go-thumb"] != "imageMogr2/thumbnail/64x/format/png" || found["go-gray"] != "imageMogr2/grayscale/1" {
		t.Errorf("GetStyle(nil): %+v", all.StyleRule)
	}
	one, _, err := c.CI.GetStyle(ctx, &cos.GetStyleOptions{StyleName: "go-gray"})
	if err != nil || len(one.StyleRule) != 1 || one.StyleRule[0].StyleName != "go-gray" {
		t.Errorf("GetStyle(go-gray): %+v %v", one, err)
	}

	if _, err := c.Object.Put(ctx, "style/photo.jpg", bytes.NewReader(photo(t)), nil); err != nil {
		t.Fatal(err)
	}
	resp, err := c.CI.Get(ctx, "style/photo.jpg", "style/go-thumb", nil)
	if err != nil {
		t.Fatalf("CI.Get style/go-thumb: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if f, w, h := dims(t, body); f != "png" || w != 64 || h != 40 {
		t.Errorf("styled download: %s %dx%d", f, w, h)
	}

	// A malformed rule: 400 InvalidArgument.
	_, err = c.CI.AddStyle(ctx, &cos.AddStyleOptions{StyleName: "bad", StyleBody: "imageMogr2/rotate/400"})
	var e *cos.ErrorResponse
	if !errors.As(err, &e) || e.Code != "InvalidArgument" || e.Response.StatusCode != 400 {
		t.Errorf("bad AddStyle: %v", err)
	}

	for _, name := range []string{"go-thumb", "go-gray"} {
		if _, err := c.CI.DeleteStyle(ctx, &cos.DeleteStyleOptions{StyleName: name}); err != nil {
			t.Fatalf("DeleteStyle %s: %v", name, err)
		}
	}
	gone, _, err := c.CI.GetStyle(ctx, &cos.GetStyleOptions{StyleName: "go-thumb"})
	if err != nil || len(gone.StyleRule) != 0 {
		t.Errorf("after DeleteStyle: %+v %v", gone, err)
	}
}

func TestCosImageInspect(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	clean := photo(t)
	hidden := append(append([]byte{}, clean...), []byte("PK\x03\x04 an archive hidden after the image")...)
	for key, data := range map[string][]byte{"inspect/clean.jpg": clean, "inspect/hidden.jpg": hidden} {
		if _, err := c.Object.Put(ctx, key, bytes.NewReader(data), nil); err != nil {
			t.Fatal(err)
		}
	}
	r, _, err := c.CI.CosImageInspect(ctx, "inspect/clean.jpg", nil)
	if err != nil {
		t.Fatalf("CosImageInspect: %v", err)
	}
	if r.PicSize != len(clean) || r.PicType != "jpeg" || r.Suspicious {
		t.Errorf("clean: %+v", r)
	}
	r, _, err = c.CI.CosImageInspect(ctx, "inspect/hidden.jpg", nil)
	if err != nil {
		t.Fatalf("CosImageInspect: %v", err)
	}
	if !r.Suspicious || r.SuspiciousType != "ZIP" || r.SuspiciousBeginByte != len(clean) ||
		r.SuspiciousEndByte != len(hidden)-1 || r.SuspiciousSize != len(hidden)-len(clean) {
		t.Errorf("hidden: %+v", r)
	}
}

// TestQRcode: generate, recognise (V2: every code; V1: the last), cover.
func TestQRcode(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	gen, _, err := c.CI.GenerateQRcode(ctx, &cos.GenerateQRcodeOptions{QRcodeContent: codeText, Width: 210})
	if err != nil {
		t.Fatalf("GenerateQRcode: %v", err)
	}
	png, err := base64.StdEncoding.DecodeString(gen.ResultImage)
	if err != nil {
		t.Fatal(err)
	}
	if f, w, h := dims(t, png); f != "png" || w != 210 || h != 210 {
		t.Errorf("generated: %s %dx%d", f, w, h)
	}
	if _, err := c.Object.Put(ctx, "qr/code.png", bytes.NewReader(png), nil); err != nil {
		t.Fatal(err)
	}
	v2, _, err := c.CI.GetQRcodeV2(ctx, "qr/code.png", 0, nil)
	if err != nil {
		t.Fatalf("GetQRcodeV2: %v", err)
	}
	want := "30,30 186,30 186,186 30,186"
	if v2.CodeStatus != 1 || len(v2.QRcodeInfo) != 1 || v2.QRcodeInfo[0].CodeUrl != codeText ||
		v2.QRcodeInfo[0].CodeLocation == nil || strings.Join(v2.QRcodeInfo[0].CodeLocation.Point, " ") != want ||
		v2.ResultImage != "" {
		t.Errorf("GetQRcodeV2: %+v", v2)
	}
	v1, _, err := c.CI.GetQRcode(ctx, "qr/code.png", 1, nil)
	if err != nil {
		t.Fatalf("GetQRcode: %v", err)
	}
	if v1.CodeStatus != 1 || v1.QRcodeInfo == nil || v1.QRcodeInfo.CodeUrl != codeText || v1.ResultImage == "" {
		t.Errorf("GetQRcode cover=1: %+v", v1)
	}
	covered, err := base64.StdEncoding.DecodeString(v1.ResultImage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Put(ctx, "qr/covered.png", bytes.NewReader(covered), nil); err != nil {
		t.Fatal(err)
	}
	none, _, err := c.CI.GetQRcodeV2(ctx, "qr/covered.png", 0, nil)
	if err != nil || none.CodeStatus != 0 || len(none.QRcodeInfo) != 0 {
		t.Errorf("covered: %+v %v", none, err)
	}
}

// TestPutWithQRcodeRule: PicProcessObject.CodeStatus and QRcodeInfo decode.
func TestPutWithQRcodeRule(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	gen, _, err := c.CI.GenerateQRcode(ctx, &cos.GenerateQRcodeOptions{QRcodeContent: codeText, Width: 210})
	if err != nil {
		t.Fatal(err)
	}
	png, _ := base64.StdEncoding.DecodeString(gen.ResultImage)
	ops := &cos.PicOperations{IsPicInfo: 1, Rules: []cos.PicOperationsRules{
		{FileId: "qr-covered.png", Rule: "QRcode/cover/1"},
	}}
	res, _, err := c.CI.Put(ctx, "qrup/code.png", bytes.NewReader(png), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
			XOptionHeader: &http.Header{"Pic-Operations": []string{cos.EncodePicOperations(ops)}},
		},
	})
	if err != nil {
		t.Fatalf("CI.Put: %v", err)
	}
	if len(res.ProcessResults) != 1 {
		t.Fatalf("ProcessResults: %+v", res.ProcessResults)
	}
	p := res.ProcessResults[0]
	if p.Key != "qrup/qr-covered.png" || p.CodeStatus != 1 || len(p.QRcodeInfo) != 1 ||
		p.QRcodeInfo[0].CodeUrl != codeText || p.QRcodeInfo[0].CodeLocation == nil ||
		len(p.QRcodeInfo[0].CodeLocation.Point) != 4 {
		t.Errorf("QRcode result: %+v", p)
	}
}

// TestImageInfoAndCompression: CI.Get with imageInfo / exif / imageAve and
// imageMogr2/format/avif.
func TestImageInfoAndCompression(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	if _, err := c.Object.Put(ctx, "info/photo.jpg", bytes.NewReader(photo(t)), nil); err != nil {
		t.Fatal(err)
	}
	read := func(op string) ([]byte, *cos.Response) {
		resp, err := c.CI.Get(ctx, "info/photo.jpg", op, nil)
		if err != nil {
			t.Fatalf("CI.Get %s: %v", op, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b, resp
	}
	info, resp := read("imageInfo")
	if resp.Header.Get("Content-Type") != "application/json" || !bytes.Contains(info, []byte(`"width":"640","height":"400"`)) {
		t.Errorf("imageInfo: %s %v", info, resp.Header)
	}
	if exif, _ := read("exif"); string(exif) != `{"error" : "no exif data"}` {
		t.Errorf("exif: %s", exif)
	}
	if ave, _ := read("imageAve"); string(ave) != `{"RGB":"0x787590"}` {
		t.Errorf("imageAve: %s", ave)
	}
	avif, resp := read("imageMogr2/format/avif")
	if resp.Header.Get("Content-Type") != "image/avif" || !bytes.Contains(avif[:16], []byte("ftypavif")) {
		t.Errorf("avif: %v % x", resp.Header, avif[:16])
	}
	_, err := c.CI.Get(ctx, "info/photo.jpg", "imageMogr2/format/tpg", nil)
	var e *cos.ErrorResponse
	if !errors.As(err, &e) || e.Code != "UnsupportedFormat" || e.Response.StatusCode != 400 {
		t.Errorf("tpg: %v", err)
	}
}

// TestObjectsNamedLikeCIPaths: the bucket's host stores them as objects.
func TestObjectsNamedLikeCIPaths(t *testing.T) {
	c := client(t, secretKey)
	ctx := context.Background()
	for _, key := range []string{"jobs/photo.jpg", "template/a.png", "pic_jobs/x.txt"} {
		if _, err := c.Object.Put(ctx, key, strings.NewReader("object "+key), nil); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		if b, _ := get(t, c, key); string(b) != "object "+key {
			t.Errorf("%s: %q", key, b)
		}
	}
}
