// Command hostile is an HTTP peer that misbehaves in every way a fetcher must survive. It
// announces "hostile URL" (the base for every mode), "pprof URL" (the usual fixture server, a
// second port for cross-port redirects) and "tls-trickle URL" (an https:// address whose TLS
// handshake never ends: a record header announcing 16 KiB, then one byte every 200ms), then
// "ready".
//
// The first path segment chooses the mode; the rest of the path is ignored, so
// BASE/MODE/debug/pprof/goroutine?debug=2 and BASE/MODE/ (as a pprof base URL) both work:
//
//	ok                  a small, healthy debug=2 dump (goroutineleak: 404)
//	silent              accepts the request and never answers
//	trickle-headers     a status line, then one header byte every 200ms, forever
//	trickle-body        a 200 with a dump body sent one byte every 200ms, forever
//	endless             a 200 whose dump body never ends, sent as fast as it is read
//	endless-error       a 500 whose body never ends
//	huge-length         a 200 announcing a terabyte of Content-Length
//	redirect-loop       302 to itself, forever
//	redirect-same       302 to BASE/ok/... (same host and port: followed)
//	redirect-host       302 to the same port under the name "localhost" (another host)
//	redirect-port       302 to the pprof port (another port)
//	redirect-scheme     302 to https on the same host and port
//	redirect-malformed  302 to a Location that is no URL
//	gzip-bomb           a 200 gzip body of about 5 MB that inflates to 5 GiB of zeros
//	gzip-encoding       the same bomb sent with Content-Encoding: gzip
//	reset               the connection is reset (RST) without an answer
//	garbage             bytes that are not HTTP, then close
//	leak-endless        goroutineleak: an endless 200 body; goroutine: the healthy dump
package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

const healthyDump = "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n"

const endlessRecord = "goroutine 7 [chan receive]:\nmain.worker()\n\t/src/app/main.go:20 +0x1d\n" +
	"created by main.main in goroutine 1\n\t/src/app/main.go:12 +0x2e\n\n"

const trickleEvery = 200 * time.Millisecond

var (
	bombOnce    sync.Once
	bombSegment []byte // deflate of 1 MiB of zeros, ending byte-aligned (sync flush)
)

// bomb writes a gzip stream that inflates to segments MiB of zeros. Every copy of the
// segment may refer back only to zeros, so repeating it keeps the stream valid.
func bomb(w http.ResponseWriter, segments int) {
	bombOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := flate.NewWriter(&buf, flate.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Flush()
		bombSegment = buf.Bytes()
	})
	if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}); err != nil {
		return
	}
	for i := 0; i < segments; i++ {
		if _, err := w.Write(bombSegment); err != nil {
			return
		}
	}
	// A final empty stored block and a trailer; the checksum is not that of the data, as a
	// reader must have refused the stream long before reaching it.
	w.Write([]byte{1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
}

func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, false
	}
	conn, rw, err := hj.Hijack()
	return conn, rw, err == nil
}

// hold keeps a hijacked connection open, silent, until the peer closes it.
func hold(conn net.Conn) {
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

func endless(w http.ResponseWriter, record string) {
	chunk := []byte(strings.Repeat(record, 256))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// trickleTLS answers every connection with the start of a TLS handshake record that never
// completes.
func trickleTLS(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			if _, err := conn.Write([]byte{0x16, 0x03, 0x03, 0x40, 0x00}); err != nil {
				return
			}
			for {
				time.Sleep(trickleEvery)
				if _, err := conn.Write([]byte{0}); err != nil {
					return
				}
			}
		}()
	}
}

func main() {
	pprof := fixture.Start()
	ln := fixture.Listen()
	base := "http://" + ln.Addr().String()
	port := ln.Addr().(*net.TCPAddr).Port

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		leak := strings.HasSuffix(r.URL.Path, "/goroutineleak")
		query := ""
		if r.URL.RawQuery != "" {
			query = "?" + r.URL.RawQuery
		}
		switch mode {
		case "ok":
			if leak {
				http.Error(w, "Unknown profile", http.StatusNotFound)
				return
			}
			fmt.Fprint(w, healthyDump)
		case "silent":
			if conn, _, ok := hijack(w); ok {
				defer conn.Close()
				hold(conn)
			}
		case "trickle-headers":
			conn, _, ok := hijack(w)
			if !ok {
				return
			}
			defer conn.Close()
			if _, err := conn.Write([]byte("HTTP/1.1 200 OK\r\nX-Slow: ")); err != nil {
				return
			}
			for {
				time.Sleep(trickleEvery)
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		case "trickle-body":
			flusher, _ := w.(http.Flusher)
			body := []byte(strings.Repeat(endlessRecord, 1000))
			for i := 0; ; i++ {
				if _, err := w.Write(body[i%len(body) : i%len(body)+1]); err != nil {
					return
				}
				if flusher != nil {
					flusher.Flush()
				}
				time.Sleep(trickleEvery)
			}
		case "endless":
			endless(w, endlessRecord)
		case "endless-error":
			w.WriteHeader(http.StatusInternalServerError)
			endless(w, "internal error, and it goes on. ")
		case "huge-length":
			w.Header().Set("Content-Length", "1000000000000")
			w.WriteHeader(http.StatusOK)
			endless(w, endlessRecord)
		case "redirect-loop":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		case "redirect-same":
			http.Redirect(w, r, "/ok/"+rest+query, http.StatusFound)
		case "redirect-host":
			http.Redirect(w, r, fmt.Sprintf("http://localhost:%d/ok/%s%s", port, rest, query), http.StatusFound)
		case "redirect-port":
			http.Redirect(w, r, pprof+"goroutine?debug=2", http.StatusFound)
		case "redirect-scheme":
			http.Redirect(w, r, fmt.Sprintf("https://%s/ok/%s%s", r.Host, rest, query), http.StatusFound)
		case "redirect-malformed":
			w.Header().Set("Location", "http://[::1:bad")
			w.WriteHeader(http.StatusFound)
		case "gzip-bomb":
			w.Header().Set("Content-Type", "application/octet-stream")
			bomb(w, 5<<10)
		case "gzip-encoding":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "gzip")
			bomb(w, 5<<10)
		case "reset":
			if conn, _, ok := hijack(w); ok {
				if tcp, isTCP := conn.(*net.TCPConn); isTCP {
					tcp.SetLinger(0)
				}
				conn.Close()
			}
		case "garbage":
			if conn, _, ok := hijack(w); ok {
				junk := make([]byte, 4096)
				rand.New(rand.NewSource(1)).Read(junk)
				conn.Write(junk)
				conn.Close()
			}
		case "leak-endless":
			if leak {
				endless(w, endlessRecord)
				return
			}
			fmt.Fprint(w, healthyDump)
		default:
			http.Error(w, "unknown mode "+mode, http.StatusNotFound)
		}
	})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	tlsLn := fixture.Listen()
	go trickleTLS(tlsLn)
	fixture.Announce("hostile", base+"/")
	fixture.Announce("tls-trickle", "https://"+tlsLn.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}
