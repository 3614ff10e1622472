// Command sockstates puts TCP sockets on 127.0.0.1 into one state the kernel can show, so the
// tests can read them live and from `ss`/`netstat` output. It announces "app URL" (the server
// under test), "pprof URL" and "ready" once the state is in place, then holds it until
// -lifetime ends the process.
//
// Modes (-mode), each with -conns connections (a few hundred at most):
//
//	unread     handlers that never read the bodies their clients sent: Recv-Q > 0
//	silent     clients that connect and send nothing, on a server without ReadHeaderTimeout
//	timewait   a server that closes first (Connection: close) hammered by short requests
//	closewait  a client that never closes response bodies; the server closes idle connections
//	churn      a default http.Client sending -conns requests at once: MaxIdleConnsPerHost 2
//	           makes it close the other connections first, TIME_WAIT on the client side
//	backlog    a listener with a backlog of 4 that never accepts, flooded by dialers
//	healthy    keep-alive clients well within the server's timeouts
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

// keep holds every client connection and response for the life of the process: an unreachable
// net.Conn is closed by its finalizer at the next GC, which would end the state under test.
var keep []any

var (
	mode  = flag.String("mode", "healthy", "unread, silent, timewait, closewait, churn, backlog, healthy")
	conns = flag.Int("conns", 50, "connections (or requests, for timewait) to make")
)

func main() {
	fixture.Start()
	switch *mode {
	case "unread":
		unread()
	case "silent":
		silent()
	case "timewait":
		timewait()
	case "closewait":
		closewait()
	case "churn":
		churn()
	case "backlog":
		backlog()
	case "healthy":
		healthy()
	default:
		fmt.Fprintln(os.Stderr, "unknown -mode", *mode)
		os.Exit(2)
	}
	fixture.Ready()
	fixture.Wait()
}

// serve starts an http.Server configured by the caller on a fresh loopback listener.
func serve(srv *http.Server) string {
	ln := fixture.Listen()
	go srv.Serve(ln)
	addr := ln.Addr().String()
	fixture.Announce("app", "http://"+addr+"/")
	return addr
}

func dial(addr string) net.Conn {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	return c
}

func unread() {
	hold := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hold // the handler never reads r.Body: what the client sends stays in Recv-Q
	})}
	addr := serve(srv)
	for i := 0; i < *conns; i++ {
		c := dial(addr)
		fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
		c.Write([]byte(strings.Repeat("x", 20000)))
		keep = append(keep, c)
	}
	time.Sleep(300 * time.Millisecond)
}

func silent() {
	srv := &http.Server{Handler: http.NotFoundHandler()} // no ReadHeaderTimeout: waits forever
	addr := serve(srv)
	for i := 0; i < *conns; i++ {
		keep = append(keep, dial(addr))
	}
	time.Sleep(300 * time.Millisecond)
}

func timewait() {
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close") // the server closes first and keeps TIME_WAIT
			io.WriteString(w, "ok\n")
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	addr := serve(srv)
	client := &http.Client{Timeout: 5 * time.Second}
	burst := func() {
		for i := 0; i < *conns; i++ {
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	burst()
	go func() {
		// Again every 10s, so TIME-WAIT (60s) stays in place for the whole lifetime: at most
		// 7 bursts of -conns sockets at once.
		for {
			time.Sleep(10 * time.Second)
			burst()
		}
	}()
	time.Sleep(300 * time.Millisecond)
}

func closewait() {
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("y", 10000)) }),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       200 * time.Millisecond,
		WriteTimeout:      300 * time.Millisecond,
	}
	addr := serve(srv)
	client := &http.Client{}
	for i := 0; i < *conns; i++ {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			continue
		}
		keep = append(keep, resp) // the body is never read nor closed
	}
	time.Sleep(time.Second) // the server's idle timeout passes and it closes: CLOSE_WAIT here
}

// churn sends -conns requests at once through a default http.Client: MaxIdleConnsPerHost is
// 2, so after each round the Transport keeps 2 connections and closes the others itself,
// first: TIME_WAIT on the client side, towards the server's port.
func churn() {
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	addr := serve(srv)
	client := &http.Client{Timeout: 5 * time.Second}
	round := func() {
		var wg sync.WaitGroup
		for i := 0; i < *conns; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Get("http://" + addr + "/")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
	}
	round()
	go func() {
		for { // again every 10s: at most 7 rounds in TIME_WAIT at once
			time.Sleep(10 * time.Second)
			round()
		}
	}()
	time.Sleep(300 * time.Millisecond)
}

// backlog listens with a backlog of 4 and never accepts; dialers keep arriving, so the accept
// queue stays full and the kernel's ListenOverflows counter keeps growing.
func backlog() {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		err = syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	}
	if err == nil {
		err = syscall.Listen(fd, 4)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	sa, _ := syscall.Getsockname(fd)
	port := sa.(*syscall.SockaddrInet4).Port
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	fixture.Announce("app", "http://"+addr+"/")
	for i := 0; i < 8; i++ { // fill the queue before announcing ready
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			keep = append(keep, c)
		}
	}
	go func() {
		// One dialer at a time until the process ends: at most -conns connections kept and one
		// SYN-SENT socket more; the kernel counts every dropped handshake in ListenOverflows.
		for {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				if len(keep) < *conns {
					keep = append(keep, c)
				} else {
					c.Close()
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
}

func healthy() {
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	addr := serve(srv)
	// One client (one pool, one connection) per goroutine: each connection is reused every
	// 200ms, so none idles and none is closed.
	get := func(client *http.Client) {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	done := make(chan struct{})
	for i := 0; i < *conns; i++ {
		go func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 5 * time.Second}
			get(client)
			done <- struct{}{}
			for {
				time.Sleep(200 * time.Millisecond) // well within IdleTimeout: the connection is reused
				get(client)
			}
		}()
	}
	for i := 0; i < *conns; i++ {
		<-done
	}
	time.Sleep(300 * time.Millisecond)
}
