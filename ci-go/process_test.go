package cosci

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
)

const corpusDir = "../tests/fixtures/corpus/"

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpusDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcessThumbnail(t *testing.T) {
	photo := readCorpus(t, "photo.jpg")
	out, info, err := Process(photo, "imageMogr2/thumbnail/200x")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte{0xff, 0xd8, 0xff}) {
		t.Fatalf("not a JPEG: % x", out[:8])
	}
	want := ImageInfo{Format: "JPEG", Width: 200, Height: 125, Size: uint64(len(out)), Quality: 90, FrameCount: 1, BitDepth: 8}
	got := *info
	got.Ave, got.MD5, got.Orientation, got.VerticalDPI, got.HorizontalDPI = "", "", 0, 0, 0
	if got != want {
		t.Fatalf("ImageInfo = %+v, want %+v", got, want)
	}
	// The output read back as an input agrees.
	back, err := ReadImageInfo(out)
	if err != nil || back.Width != 200 || back.Height != 125 || back.Size != uint64(len(out)) || back.MD5 != info.MD5 {
		t.Fatalf("read back: %+v %v (process said %+v)", back, err, info)
	}

	out, info, err = Process(photo, "imageMogr2/thumbnail/!50p|imageMogr2/format/webp/quality/80")
	if err != nil {
		t.Fatal(err)
	}
	if string(out[:4]) != "RIFF" || string(out[8:12]) != "WEBP" || info.Format != "WEBP" ||
		info.Width != 320 || info.Height != 200 || info.Quality != 80 {
		t.Fatalf("webp pipeline: %q %+v", out[:12], info)
	}
}

func TestProcessJSONAnswer(t *testing.T) {
	out, info, err := Process(readCorpus(t, "photo.jpg"), "imageInfo")
	if err != nil {
		t.Fatal(err)
	}
	if info != nil || !strings.HasPrefix(string(out), `{"format":"jpeg","width":"640","height":"400","size":"55130"`) {
		t.Fatalf("imageInfo: %s %+v", out, info)
	}
}

func TestReadImageInfo(t *testing.T) {
	info, err := ReadImageInfo(readCorpus(t, "photo.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	want := ImageInfo{Format: "JPEG", Width: 640, Height: 400, Size: 55130, Quality: 90, Orientation: 0,
		FrameCount: 1, BitDepth: 8, VerticalDPI: 72, HorizontalDPI: 72, Ave: info.Ave,
		MD5: "8b84da093bb37c6ecb70b0329b2fe9ff"} // md5sum photo.jpg
	if *info != want || len(info.Ave) != 8 || !strings.HasPrefix(info.Ave, "0x") {
		t.Fatalf("ImageInfo = %+v, want %+v", *info, want)
	}
	js, err := ImageInfoJSON(readCorpus(t, "photo.jpg"))
	wantJSON := `{"format":"jpeg","width":"640","height":"400","size":"55130","md5":"8b84da093bb37c6ecb70b0329b2fe9ff",` +
		`"frame_count":"1","bit_depth":"8","vertical_dpi":"72","horizontal_dpi":"72","orientation":"0"}`
	if err != nil || js != wantJSON {
		t.Fatalf("ImageInfoJSON = %s %v", js, err)
	}
	info, err = ReadImageInfo(readCorpus(t, "photo-progressive-q75.jpg"))
	if err != nil || info.Quality != 75 || info.Width != 1024 || info.Height != 640 {
		t.Fatalf("progressive: %+v %v", info, err)
	}
}

func TestProcessErrors(t *testing.T) {
	photo := readCorpus(t, "photo.jpg")
	cases := []struct {
		name   string
		data   []byte
		rule   string
		code   Result
		prefix string
	}{
		{"bad rule", photo, "imageMogr2/no$op/1", ResultInvalidRule, ""},
		{"stage the engine does not run", photo, "imageMogr2/newop/1", ResultUnsupported, "NotImplemented: "},
		{"not an image", readCorpus(t, "bad/not-an-image.jpg"), "imageMogr2/thumbnail/100x", ResultInvalidImage, "InvalidImageFormat: "},
		{"empty input", nil, "imageMogr2/thumbnail/100x", ResultInvalidImage, "InvalidImageFormat: "},
		{"too many pixels", readCorpus(t, "bad/bomb-256mp.png"), "imageMogr2/thumbnail/100x", ResultImageResolutionExceed, "ImageResolutionExceed: "},
		{"too many bytes", append(append([]byte{}, photo...), make([]byte, 33<<20)...), "imageMogr2/thumbnail/100x", ResultImageTooLarge, "ImageTooLarge: "},
		{"no encoder", photo, "imageMogr2/format/tpg", ResultUnsupported, "UnsupportedFormat: "},
		{"crop outside", photo, "imageMogr2/cut/100x100x700x0", ResultInvalidArgument, "InvalidArgument: "},
	}
	for _, c := range cases {
		out, info, err := Process(c.data, c.rule)
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code || !strings.HasPrefix(e.Message, c.prefix) || out != nil || info != nil {
			t.Errorf("%s: got %v (%#v), want code %v and message %q...", c.name, err, err, c.code, c.prefix)
		}
	}
	_, err := ReadImageInfo(readCorpus(t, "bad/truncated.jpg"))
	var e *Error
	if !errors.As(err, &e) || e.Code != ResultInvalidImage {
		t.Fatalf("truncated: %v", err)
	}
	if s := ResultInvalidImage.String(); s != "not a decodable image" {
		t.Fatalf("ResultInvalidImage.String() = %q", s)
	}
}

func TestProcessConcurrent(t *testing.T) {
	photo := readCorpus(t, "photo.jpg")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	sizes := make([][2]uint64, 4)
	for i := range sizes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, info, err := Process(photo, "imageView2/2/w/100/h/100")
			if err != nil {
				errs <- err
				return
			}
			sizes[i] = [2]uint64{info.Width, info.Height}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, s := range sizes {
		if s != sizes[0] || s[0] != 100 {
			t.Fatalf("sizes %v", sizes)
		}
	}
}
