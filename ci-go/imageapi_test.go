package cosci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const imageAPIBucket = "goimgapi-1250000000"

// imageAPIClient is a client of a new in-process local server (its own temporary root).
func imageAPIClient(t *testing.T) *Client {
	t.Helper()
	srv := NewTestServer(t)
	c, err := NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func putObject(t *testing.T, c *Client, key string, data []byte) {
	t.Helper()
	if _, _, err := c.CIPutObject(context.Background(), imageAPIBucket, key, bytes.NewReader(data), nil); err != nil {
		t.Fatalf("putting %s: %v", key, err)
	}
}

func wantCode(t *testing.T, err error, code Result) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want an *Error with code %d (%s)", err, code, code)
	}
}

func TestImageStyles(t *testing.T) {
	ctx := context.Background()
	c := imageAPIClient(t)
	if err := c.CIPutImageStyle(ctx, imageAPIBucket, "thumb", "imageMogr2/thumbnail/100x"); err != nil {
		t.Fatal(err)
	}
	if err := c.CIPutImageStyle(ctx, imageAPIBucket, "gray", "imageMogr2/grayscale/1"); err != nil {
		t.Fatal(err)
	}
	all, err := c.CIGetImageStyle(ctx, imageAPIBucket, "")
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	want := []Style{{"gray", "imageMogr2/grayscale/1"}, {"thumb", "imageMogr2/thumbnail/100x"}}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("styles = %+v, want %+v", all, want)
	}
	one, err := c.CIGetImageStyle(ctx, imageAPIBucket, "thumb")
	if err != nil || !reflect.DeepEqual(one, want[1:]) {
		t.Fatalf("style thumb = %+v, %v", one, err)
	}
	none, err := c.CIGetImageStyle(ctx, imageAPIBucket, "nosuch")
	if err != nil || len(none) != 0 || none == nil {
		t.Fatalf("style nosuch = %#v, %v", none, err)
	}

	// ci_get_object with a style: GetObject with "style/NAME".
	putObject(t, c, "styles/photo.jpg", readCorpus(t, "photo.jpg"))
	thumb, _, err := c.GetObject(ctx, imageAPIBucket, "styles/photo.jpg", "style/thumb")
	if err != nil {
		t.Fatal(err)
	}
	info, err := ReadImageInfo(thumb)
	if err != nil || info.Width != 100 || info.Height != 63 {
		t.Fatalf("style/thumb gave %+v, %v", info, err)
	}

	if err := c.CIDeleteImageStyle(ctx, imageAPIBucket, "gray"); err != nil {
		t.Fatal(err)
	}
	left, err := c.CIGetImageStyle(ctx, imageAPIBucket, "")
	if err != nil || !reflect.DeepEqual(left, want[1:]) {
		t.Fatalf("after delete: %+v, %v", left, err)
	}
	err = c.CIPutImageStyle(ctx, imageAPIBucket, "bad", "imageMogr2/rotate/400")
	wantCode(t, err, ResultClientError)
	if !strings.Contains(err.Error(), "400") {
		t.Fatalf("the error does not say where: %v", err)
	}
}

func TestImageInspect(t *testing.T) {
	photo := readCorpus(t, "photo.jpg")
	payload := []byte("PK\x03\x04 a zip archive follows")
	hidden := append(append([]byte{}, photo...), payload...)

	clean, err := Inspect(photo)
	if err != nil {
		t.Fatal(err)
	}
	wantClean := &InspectResult{PicSize: 55130, PicType: "jpeg", JSON: `{"picSize":55130,"picType":"jpeg","suspicious":false}`}
	if !reflect.DeepEqual(clean, wantClean) {
		t.Fatalf("Inspect(photo) = %+v", clean)
	}
	local, err := Inspect(hidden)
	if err != nil {
		t.Fatal(err)
	}
	wantHidden := &InspectResult{
		PicSize: 55156, PicType: "jpeg", Suspicious: true,
		SuspiciousBeginByte: 55130, SuspiciousEndByte: 55155, SuspiciousSize: 26, SuspiciousType: "ZIP",
		JSON: `{"picSize":55156,"picType":"jpeg","suspicious":true,"suspiciousBeginByte":55130,"suspiciousEndByte":55155,"suspiciousSize":26,"suspiciousType":"ZIP"}`,
	}
	if !reflect.DeepEqual(local, wantHidden) {
		t.Fatalf("Inspect(hidden) = %+v", local)
	}
	_, err = Inspect([]byte("not an image at all"))
	wantCode(t, err, ResultInvalidImage)
	if !strings.Contains(err.Error(), "InvalidImageFormat: ") {
		t.Fatalf("error without the service's code: %v", err)
	}

	ctx := context.Background()
	c := imageAPIClient(t)
	putObject(t, c, "inspect/hidden.jpg", hidden)
	putObject(t, c, "inspect/clean.jpg", photo)
	remote, err := c.CIImageInspect(ctx, imageAPIBucket, "inspect/hidden.jpg")
	if err != nil || !reflect.DeepEqual(remote, wantHidden) {
		t.Fatalf("CIImageInspect(hidden) = %+v, %v", remote, err)
	}
	remote, err = c.CIImageInspect(ctx, imageAPIBucket, "inspect/clean.jpg")
	if err != nil || !reflect.DeepEqual(remote, wantClean) {
		t.Fatalf("CIImageInspect(clean) = %+v, %v", remote, err)
	}
	_, err = c.CIImageInspect(ctx, imageAPIBucket, "inspect/none.jpg")
	var e *Error
	if !errors.As(err, &e) || e.Code != ResultServiceError || e.Status != 404 || e.ServiceCode != "NoSuchKey" {
		t.Fatalf("missing object: %v", err)
	}
}

func TestQRCodes(t *testing.T) {
	const text = "https://cloud.tencent.com/product/ci?from=go"
	ctx := context.Background()
	c := imageAPIClient(t)

	// Generated on the server and locally: the same PNG, 300 px square.
	remotePNG, err := c.CIQRCodeGenerate(ctx, imageAPIBucket, text, 300, 0)
	if err != nil {
		t.Fatal(err)
	}
	localPNG, err := GenerateQRCode(text, 300, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(remotePNG, localPNG) {
		t.Fatalf("server and local codes differ (%d and %d bytes)", len(remotePNG), len(localPNG))
	}
	if info, err := ReadImageInfo(localPNG); err != nil || info.Format != "PNG" || info.Width != 300 || info.Height != 300 {
		t.Fatalf("generated code: %+v, %v", info, err)
	}
	bar, err := GenerateQRCode("CI-128", 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := ReadImageInfo(bar); err != nil || info.Width != 300 || info.Height != 100 {
		t.Fatalf("barcode: %+v, %v", info, err)
	}
	_, err = GenerateQRCode(text, 300, 2)
	wantCode(t, err, ResultInvalidArgument)
	_, err = GenerateQRCode(text, -1, 0)
	wantCode(t, err, ResultInvalidArgument)
	_, err = c.CIQRCodeGenerate(ctx, imageAPIBucket, "", 300, 0)
	wantCode(t, err, ResultInvalidArgument)

	// Recognised locally and on the server: the text and the same corners.
	local, err := RecogniseQRCodes(localPNG, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(local.Codes) != 1 || local.Codes[0].Text != text || len(local.Codes[0].Corners) != 4 || local.CoveredImage != nil {
		t.Fatalf("RecogniseQRCodes = %+v", local)
	}
	for _, p := range local.Codes[0].Corners {
		if !p.In(image.Rect(0, 0, 300, 300)) {
			t.Fatalf("corner %v outside the image", p)
		}
	}
	putObject(t, c, "qr/code.png", localPNG)
	remote, err := c.CIGetObjectQRCode(ctx, imageAPIBucket, "qr/code.png", false, 0)
	if err != nil || !reflect.DeepEqual(remote, local) {
		t.Fatalf("CIGetObjectQRCode = %+v, %v; local %+v", remote, err, local)
	}

	// Covered: no code is left in the image that comes back.
	covered, err := c.CIGetObjectQRCode(ctx, imageAPIBucket, "qr/code.png", true, 0)
	if err != nil || len(covered.Codes) != 1 || len(covered.CoveredImage) == 0 {
		t.Fatalf("cover=1: %+v, %v", covered, err)
	}
	again, err := RecogniseQRCodes(covered.CoveredImage, false)
	if err != nil || len(again.Codes) != 0 {
		t.Fatalf("codes left after covering: %+v, %v", again, err)
	}
	localCovered, err := RecogniseQRCodes(localPNG, true)
	if err != nil || len(localCovered.Codes) != 1 || !bytes.HasPrefix(localCovered.CoveredImage, []byte("\x89PNG")) {
		t.Fatalf("local cover: %+v, %v", localCovered, err)
	}

	// Uploaded with a QRcode/cover/0 rule (the SDK's
	// ci_put_object_from_local_file_and_get_qrcode): the object's CodeStatus and codes.
	ops, err := NewPicOperations().AddRule("qr/upload-out.png", "QRcode/cover/0", "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	up, _, err := c.CIPutObject(ctx, imageAPIBucket, "qr/upload.png", bytes.NewReader(localPNG), &Options{PicOperations: ops})
	if err != nil || len(up.ProcessResults) != 1 {
		t.Fatalf("upload with QRcode/cover/0: %+v, %v", up, err)
	}
	if got := up.ProcessResults[0]; got.CodeStatus != 1 || !reflect.DeepEqual(got.QRCodes, local.Codes) {
		t.Fatalf("upload codes: status %d, %+v; want 1, %+v", got.CodeStatus, got.QRCodes, local.Codes)
	}

	// A photograph without codes.
	photo := readCorpus(t, "photo.jpg")
	up, _, err = c.CIPutObject(ctx, imageAPIBucket, "qr/upload.jpg", bytes.NewReader(photo), &Options{PicOperations: ops})
	if err != nil || len(up.ProcessResults) != 1 || up.ProcessResults[0].CodeStatus != 0 || up.ProcessResults[0].QRCodes != nil {
		t.Fatalf("upload of a photo with QRcode/cover/0: %+v, %v", up, err)
	}
	none, err := RecogniseQRCodes(photo, false)
	if err != nil || len(none.Codes) != 0 {
		t.Fatalf("photo: %+v, %v", none, err)
	}
	putObject(t, c, "qr/photo.jpg", photo)
	none, err = c.CIGetObjectQRCode(ctx, imageAPIBucket, "qr/photo.jpg", false, 0)
	if err != nil || len(none.Codes) != 0 {
		t.Fatalf("remote photo: %+v, %v", none, err)
	}
	_, err = c.CIGetObjectQRCode(ctx, imageAPIBucket, "qr/photo.jpg", false, 3)
	wantCode(t, err, ResultInvalidArgument)

	// The generic ci-process: the XML answer as sent.
	body, header, err := c.CIProcess(ctx, imageAPIBucket, "qr/code.png", "QRcode", map[string]string{"cover": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if header.Get("Content-Type") != "application/xml" || !strings.Contains(string(body), "<CodeUrl>"+text+"</CodeUrl>") {
		t.Fatalf("CIProcess QRcode: %s %q", header.Get("Content-Type"), body)
	}
	_, _, err = c.CIProcess(ctx, imageAPIBucket, "qr/photo.jpg", "AIPicMatting", map[string]string{"center-layout": "2"})
	wantCode(t, err, ResultClientError)
}

func TestImageInformation(t *testing.T) {
	ctx := context.Background()
	c := imageAPIClient(t)
	photo := readCorpus(t, "photo.jpg")
	putObject(t, c, "info/photo.jpg", photo)
	putObject(t, c, "info/camera.jpg", readCorpus(t, "exif-camera.jpg"))
	putObject(t, c, "info/photo.png", readCorpus(t, "photo.png"))

	info, err := c.CIGetImageInfo(ctx, imageAPIBucket, "info/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	want := &ImageInfo{
		Format: "JPEG", Width: 640, Height: 400, Size: 55130, FrameCount: 1, BitDepth: 8,
		VerticalDPI: 72, HorizontalDPI: 72, MD5: "8b84da093bb37c6ecb70b0329b2fe9ff",
	}
	if !reflect.DeepEqual(info, want) {
		t.Fatalf("CIGetImageInfo = %+v\nwant %+v", info, want)
	}

	exif, err := c.CIGetImageExifInfo(ctx, imageAPIBucket, "info/camera.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{"Make": "Canon", "Model": "Canon EOS 5D Mark IV", "DateTime": "2024:05:01 10:20:30"} {
		if exif[name] != value {
			t.Fatalf("exif %s = %q, want %q (all: %v)", name, exif[name], value, exif)
		}
	}
	noExif, err := c.CIGetImageExifInfo(ctx, imageAPIBucket, "info/photo.png")
	if err != nil || len(noExif) != 0 {
		t.Fatalf("PNG exif: %v, %v", noExif, err)
	}

	// imageAve: the colour the local engine's imageAve rule answers.
	ave, err := c.CIGetImageAveInfo(ctx, imageAPIBucket, "info/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	js, _, err := Process(photo, "imageAve")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"RGB":"0x%02x%02x%02x"}`, ave.R, ave.G, ave.B); string(js) != want || ave.A != 0xff {
		t.Fatalf("CIGetImageAveInfo = %v; local imageAve %s", ave, js)
	}
}

func TestDownloadCompressImage(t *testing.T) {
	ctx := context.Background()
	c := imageAPIClient(t)
	putObject(t, c, "compress/photo.jpg", readCorpus(t, "photo.jpg"))
	for _, kind := range []string{"webp", "avif"} {
		data, err := c.CIDownloadCompressImage(ctx, imageAPIBucket, "compress/photo.jpg", kind)
		if err != nil {
			t.Fatal(kind, err)
		}
		info, err := ReadImageInfo(data)
		if err != nil || info.Format != strings.ToUpper(kind) || info.Width != 640 || info.Height != 400 {
			t.Fatalf("%s: %+v, %v", kind, info, err)
		}
	}
	_, err := c.CIDownloadCompressImage(ctx, imageAPIBucket, "compress/photo.jpg", "tpg")
	wantCode(t, err, ResultServiceError)
	_, err = c.CIDownloadCompressImage(ctx, imageAPIBucket, "compress/photo.jpg", "")
	wantCode(t, err, ResultInvalidArgument)
}
