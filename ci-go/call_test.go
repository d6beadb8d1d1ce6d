package cosci

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoCOS answers a PUT with its body's length and CRC-64 header, counting requests.
func echoCOS(t *testing.T) (*httptest.Server, *Client, func() []int) {
	t.Helper()
	var mu sync.Mutex
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		sizes = append(sizes, int(n))
		mu.Unlock()
		w.Header().Set("x-cos-request-id", "req-"+strconv.FormatInt(n, 10))
	}))
	c := clientOf(t, srv)
	return srv, c, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), sizes...)
	}
}

// onlyReader hides the type of its reader (a length the client cannot know).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Every kind of body, polled (up to 1 MiB) and blocking (above): the server gets each
// byte count, the answer's headers come back.
func TestCIPutObjectBodies(t *testing.T) {
	srv, c, sizes := echoCOS(t)
	defer srv.Close()
	defer c.Close()
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), (maxPolledBody+1024)/16)
	bodies := []struct {
		name string
		body io.Reader
		n    int
	}{
		{"bytes.Reader", bytes.NewReader([]byte("jpeg bytes")), 10},
		{"bytes.Buffer", bytes.NewBufferString("buffered"), 8},
		{"strings.Reader", strings.NewReader("text body"), 9},
		{"nil", nil, 0},
		{"empty", bytes.NewReader(nil), 0},
		{"unknown length", onlyReader{strings.NewReader("streamed")}, 8},
		{"bytes.Reader above 1 MiB", bytes.NewReader(big), len(big)},
		{"unknown length above 1 MiB", onlyReader{bytes.NewReader(big)}, len(big)},
	}
	for i, b := range bodies {
		_, hdr, err := c.CIPutObject(ctx, "examplebucket-1250000000", "k"+strconv.Itoa(i), b.body, nil)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if got, want := hdr.Get("X-Cos-Request-Id"), "req-"+strconv.Itoa(b.n); got != want {
			t.Fatalf("%s: request id %q, want %q", b.name, got, want)
		}
		if got := sizes()[i]; got != b.n {
			t.Fatalf("%s: server got %d bytes, want %d", b.name, got, b.n)
		}
	}
	// A reader part-read before the call: only the rest is sent.
	r := bytes.NewReader([]byte("0123456789"))
	r.Seek(4, io.SeekStart)
	if _, hdr, err := c.CIPutObject(ctx, "examplebucket-1250000000", "rest", r, nil); err != nil || hdr.Get("X-Cos-Request-Id") != "req-6" {
		t.Fatalf("rest of a reader: %v %v", hdr, err)
	}
}

// A context that ends while the server says nothing ends the call at once (the polled
// call is cancelled), and the client goes on working.
func TestCIPutObjectContextEndsTheWait(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		// Bounded: ends when the listener closes.
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				io.Copy(io.Discard, conn)
			}()
		}
	}()
	port := silent.Addr().(*net.TCPAddr).Port
	zero := 0
	c, err := NewClient(Config{Region: "ap-guangzhou", SecretID: "a", SecretKey: "b", Scheme: "http",
		IP: "127.0.0.1", Port: port, Retries: &zero})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		start := time.Now()
		_, _, err = c.CIPutObject(ctx, "examplebucket-1250000000", "k", strings.NewReader("body"), nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("round %d: %v", i, err)
		}
		if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
			t.Fatalf("round %d: returned after %v", i, d)
		}
	}
	// Cancelled before the call: nothing is sent.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.CIPutObject(ctx, "examplebucket-1250000000", "k", strings.NewReader("x"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// Goroutines uploading at once share the client's descriptor watches.
func TestCIPutObjectConcurrent(t *testing.T) {
	srv, c, sizes := echoCOS(t)
	defer srv.Close()
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				body := bytes.Repeat([]byte{byte(g)}, 1000+g)
				_, hdr, err := c.CIPutObject(context.Background(), "examplebucket-1250000000", "k", bytes.NewReader(body), nil)
				if err == nil && hdr.Get("X-Cos-Request-Id") != "req-"+strconv.Itoa(len(body)) {
					err = errors.New("wrong answer " + hdr.Get("X-Cos-Request-Id"))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(sizes()); n != 80 {
		t.Fatalf("%d requests, want 80", n)
	}
}

func TestResultPending(t *testing.T) {
	if ResultPending != 28 || ResultPending.String() != "the call has not finished yet" {
		t.Fatalf("ResultPending = %d %q", ResultPending, ResultPending.String())
	}
}
