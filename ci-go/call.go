package cosci

/*
#include "cos_ci.h"
*/
import "C"

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
)

// Calls that do not block an OS thread: a blocking cgo call keeps the goroutine's P in a
// system call for the whole exchange, and the runtime's monitor takes the P back during
// every upload and starts another thread for it. Here the C library runs the call until
// it would wait for the network and returns; the goroutine then waits in Go's poller on
// the library's epoll descriptor (a duplicate of it), and polls again when it is
// readable. Measured on a 55 KB upload at GOMAXPROCS=1, with mimalloc in both builds:
// 151-162 µs of client CPU per call against 161-165 µs blocking (bench/README.md).

// laneWatch is one duplicate of the epoll descriptor of one of the library's HTTP
// runtimes (one per OS thread that called), registered with Go's poller.
type laneWatch struct {
	fd   C.int32_t // the library's descriptor it duplicates
	file *os.File
	raw  syscall.RawConn
}

// laneWatches pools the watches of a client, per runtime descriptor: a watch serves one
// goroutine at a time (RawConn.Read holds the file's read lock while it waits).
type laneWatches struct {
	mu   sync.Mutex
	free map[C.int32_t][]*laneWatch
	all  []*laneWatch
}

func (w *laneWatches) get(fd C.int32_t) (*laneWatch, error) {
	w.mu.Lock()
	if l := w.free[fd]; len(l) > 0 {
		x := l[len(l)-1]
		w.free[fd] = l[:len(l)-1]
		w.mu.Unlock()
		return x, nil
	}
	w.mu.Unlock()
	dup, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	if err := syscall.SetNonblock(int(dup), true); err != nil {
		syscall.Close(int(dup))
		return nil, err
	}
	file := os.NewFile(dup, "cos-ci-http-runtime")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	x := &laneWatch{fd: fd, file: file, raw: raw}
	w.mu.Lock()
	w.all = append(w.all, x)
	w.mu.Unlock()
	return x, nil
}

func (w *laneWatches) put(x *laneWatch) {
	w.mu.Lock()
	if w.free == nil {
		w.free = map[C.int32_t][]*laneWatch{}
	}
	w.free[x.fd] = append(w.free[x.fd], x)
	w.mu.Unlock()
}

func (w *laneWatches) closeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range w.all {
		x.file.Close()
	}
	w.all, w.free = nil, nil
}

// await runs call to its end: polls, and waits in Go's poller between polls (the
// library's descriptor also signals, within 10 ms, a timeout or retry delay that may be
// due). Returns the final result code and response; when ctx ends first, ctx's error
// (the caller frees the call, which cancels it).
func (c *Client) await(ctx context.Context, call *C.cos_ci_call) (Result, *C.cos_ci_response, error) {
	var resp *C.cos_ci_response
	// Where the descriptor cannot be watched: the call finishes blocking.
	blocking := func() (Result, *C.cos_ci_response, error) {
		return Result(C.cos_ci_call_wait(call, &resp)), resp, nil
	}
	var fd C.int32_t
	if Result(C.cos_ci_call_wait_fd(call, &fd)) != ResultOK {
		return blocking()
	}
	w, err := c.watches.get(fd)
	if err != nil {
		return blocking()
	}
	defer c.watches.put(w)
	if ctx.Done() != nil {
		// A deadline in the past ends the wait when ctx ends. (No deadline otherwise: a
		// timer per wait would cost more than the rest of the wait.)
		stop := context.AfterFunc(ctx, func() { w.file.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				w.file.SetReadDeadline(time.Time{})
			}
		}()
	}
	rc := ResultPending
	for {
		err = w.raw.Read(func(uintptr) bool {
			rc = Result(C.cos_ci_call_poll(call, &resp))
			return rc != ResultPending || ctx.Err() != nil
		})
		if rc != ResultPending {
			return rc, resp, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, nil, ctxErr
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Left by an earlier call's context that ended as it finished.
			w.file.SetReadDeadline(time.Time{})
			continue
		}
		// The poller refused the descriptor.
		return blocking()
	}
}
