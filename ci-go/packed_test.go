package cosci

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"testing"
)

// qrXML is the answer of a QRcode rule: one code with a corner that is not x,y.
const qrXML = `<UploadResult><ProcessResults><Object><Key>a.png</Key><Location>l</Location>` +
	`<ETag>"e"</ETag><Format>png</Format><Width>20</Width><Height>10</Height><Size>99</Size>` +
	`<CodeStatus>1</CodeStatus><QRcodeInfo><CodeUrl>https://example.com/q</CodeUrl><CodeLocation>` +
	`<Point>10,11</Point><Point>oops</Point><Point>91,93</Point><Point>9,94</Point></CodeLocation>` +
	`</QRcodeInfo></Object></ProcessResults></UploadResult>`

// TestPackedResponseMatchesAccessors: CIPutObject (one packed read) gives what
// ParseUploadResult (the per-field accessors) gives for the same answer, headers too.
func TestPackedResponseMatchesAccessors(t *testing.T) {
	seed, err := os.ReadFile(seedXML)
	if err != nil {
		t.Fatal(err)
	}
	for _, answer := range [][]byte{seed, []byte(qrXML)} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-cos-request-id", "req-packed")
			w.Header().Add("x-cos-meta-two", "a")
			w.Header().Add("x-cos-meta-two", "b")
			w.Write(answer)
		}))
		c := clientOf(t, srv)
		got, hdr, err := c.CIPutObject(context.Background(), "examplebucket-1250000000", "a.jpg",
			bytes.NewReader([]byte("jpeg")), &Options{PicOperations: `{"rules":[{"fileid":"a.png","rule":"QRcode/cover/0"}]}`})
		c.Close()
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, err := ParseUploadResult(answer)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("packed %+v\naccessors %+v", got, want)
		}
		if hdr.Get("X-Cos-Request-Id") != "req-packed" || !reflect.DeepEqual(hdr.Values("X-Cos-Meta-Two"), []string{"a", "b"}) ||
			hdr.Get("Content-Length") != strconv.Itoa(len(answer)) {
			t.Fatalf("headers %v", hdr)
		}
	}
	r, _ := ParseUploadResult([]byte(qrXML))
	if c := r.ProcessResults[0].QRCodes; len(c) != 1 || len(c[0].Corners) != 3 || c[0].Corners[2].X != 9 {
		t.Fatalf("codes %+v", c)
	}
}

// TestDecodePackedRejectsMalformed: every truncation, a wrong version and a trailing
// byte are refused, not read past.
func TestDecodePackedRejectsMalformed(t *testing.T) {
	var b []byte
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	text := func(s string) { u32(uint32(len(s))); b = append(b, s...) }
	u32(1)
	u32(200)
	u32(1)
	text("etag")
	text(`"e"`)
	u32(1) // an UploadResult, no OriginalInfo
	u32(1) // one object
	u32(0)
	for _, s := range []string{"k", "l", `"e"`, "png", "", ""} {
		text(s)
	}
	for i := 0; i < 10; i++ {
		b = binary.LittleEndian.AppendUint64(b, uint64(i))
	}
	u32(1) // one code
	text("q")
	u32(1)
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint64(b, 5)
	b = binary.LittleEndian.AppendUint64(b, 6)
	out, ok := decodePacked(b)
	if !ok || out.status != 200 || out.header.Get("ETag") != `"e"` {
		t.Fatalf("decoded %+v %v", out, ok)
	}
	p := out.result.ProcessResults[0]
	if p.Key != "k" || p.Format != "png" || p.Width != 0 || p.Size != 2 || p.CodeStatus != 9 ||
		len(p.QRCodes) != 1 || p.QRCodes[0].Corners[0].X != 5 || p.QRCodes[0].Corners[0].Y != 6 {
		t.Fatalf("object %+v", p)
	}
	for n := 0; n < len(b); n++ {
		if _, ok := decodePacked(b[:n]); ok {
			t.Fatalf("truncated to %d bytes accepted", n)
		}
	}
	if _, ok := decodePacked(append(append([]byte{}, b...), 0)); ok {
		t.Fatal("trailing byte accepted")
	}
	b[0] = 2
	if _, ok := decodePacked(b); ok {
		t.Fatal("version 2 accepted")
	}
}

func TestCanonicalName(t *testing.T) {
	for lower, name := range knownNames {
		if got := http.CanonicalHeaderKey(lower); got != name {
			t.Errorf("knownNames[%q] = %q, CanonicalHeaderKey gives %q", lower, name, got)
		}
	}
	for in, want := range map[string]string{
		"x-cos-request-id": "X-Cos-Request-Id",
		"x-cos-meta-owner": "X-Cos-Meta-Owner",
		"etag":             "Etag",
		"weird name":       "weird name", // not a token: left as it is, as net/http does
	} {
		if got := canonicalName([]byte(in)); got != want {
			t.Errorf("canonicalName(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { canonicalName([]byte("x-cos-request-id")) }); n != 0 {
		t.Errorf("%v allocations for a known name", n)
	}
}
