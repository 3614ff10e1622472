// Command watched is a service for the watch tests: by-design goroutines (a worker pool, a
// ticker loop, the accept loop, idle keep-alive connections within the server's timeouts), a
// group of waiters that starts gradually at every start (so that a restart looks like growth
// unless it is recognised), a slow endpoint for bursts that drain, and two leaks that grow with
// traffic: /leak leaves one goroutine per request blocked on a send, and /lock leaves every
// request after the first waiting for a lock the first one never released.
//
// -addr serves the app and /debug/pprof/ on one fixed address, so a restarted process is the
// same target to a watcher.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	addr = flag.String("addr", "127.0.0.1:0", "address of the app and its /debug/pprof/")
	park = flag.Int("park", 0, "extra goroutines parked by design (for overhead benchmarks)")
)

type service struct {
	queue   chan int
	mu      sync.Mutex
	locked  bool
	waiters chan struct{}
}

func (s *service) worker(ctx context.Context) {
	for {
		select { // by design: worker-pool
		case <-s.queue:
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) flush(ctx context.Context) {
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		select { // by design: ticker-loop
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) wait() {
	<-s.waiters // stable: waiters
}

func lookup() int {
	time.Sleep(10 * time.Millisecond)
	return 42
}

// leak gives up on a lookup after 1 ms; the lookup's send then blocks forever.
func (s *service) leak(w http.ResponseWriter, r *http.Request) {
	result := make(chan int)
	go func() {
		result <- lookup() // leak: per-request-send
	}()
	select {
	case v := <-result:
		s.queue <- v
	case <-time.After(time.Millisecond):
	}
	w.WriteHeader(http.StatusAccepted)
}

// lock returns early on its first request without unlocking; every later request waits.
func (s *service) lock(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock() // leak: lock-pileup
	if !s.locked {
		s.locked = true
		w.WriteHeader(http.StatusConflict)
		return
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *service) slow(w http.ResponseWriter, r *http.Request) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	time.Sleep(time.Duration(ms) * time.Millisecond)
	_, _ = w.Write([]byte("slow\n"))
}

func main() {
	fixture.Start()
	ctx := context.Background()
	s := &service{queue: make(chan int, 64), waiters: make(chan struct{})}
	for i := 0; i < 8; i++ {
		go s.worker(ctx)
	}
	go s.flush(ctx)
	for i := 0; i < *park; i++ {
		go s.worker(ctx)
	}
	go func() {
		for i := 0; i < 30; i++ {
			go s.wait()
			time.Sleep(20 * time.Millisecond)
		}
	}()

	mux := http.NewServeMux()
	mux.Handle("/debug/pprof/", http.DefaultServeMux)
	mux.HandleFunc("/leak", s.leak)
	mux.HandleFunc("/lock", s.lock)
	mux.HandleFunc("/slow", s.slow)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	var ln net.Listener
	var err error
	for try := 0; try < 50; try++ { // a restarted process may find the port in TIME_WAIT
		if ln, err = net.Listen("tcp", *addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go srv.Serve(ln) // by design: accept-loop
	fixture.Announce("app", "http://"+ln.Addr().String()+"/")
	fixture.Announce("watch", "http://"+ln.Addr().String()+"/debug/pprof/")
	fixture.Ready()
	fixture.Wait()
}
