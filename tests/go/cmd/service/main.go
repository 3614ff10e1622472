// Command service is a small realistic HTTP service: an http.Server with every timeout set, a
// worker pool fed by a queue, a ticker loop that flushes metrics, signal handling, and idle
// keep-alive connections from its clients. All of those block by design. One handler leaks:
// /report starts a lookup and gives up on it after a short deadline, and the lookup's send on
// an unbuffered channel then blocks forever.
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

type job struct{ id int }

type service struct {
	queue   chan job
	mu      sync.Mutex
	handled int
}

func (s *service) worker(ctx context.Context) {
	for {
		select { // by design: worker-pool
		case j := <-s.queue:
			s.mu.Lock()
			s.handled += j.id
			s.mu.Unlock()
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) flushMetrics(ctx context.Context) {
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

func slowLookup(id int) int {
	time.Sleep(20 * time.Millisecond)
	return id * 2
}

func (s *service) report(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Millisecond)
	defer cancel()
	result := make(chan int)
	go func() {
		result <- slowLookup(7) // leak: report-lookup
	}()
	select {
	case v := <-result:
		s.queue <- job{id: v}
		w.WriteHeader(http.StatusOK)
	case <-ctx.Done():
		http.Error(w, "lookup timed out", http.StatusGatewayTimeout)
	}
}

func (s *service) health(w http.ResponseWriter, r *http.Request) {
	s.queue <- job{id: 1}
	_, _ = w.Write([]byte("ok\n"))
}

func main() {
	fixture.Start()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := &service{queue: make(chan job, 16)}
	for i := 0; i < 4; i++ {
		go s.worker(ctx)
	}
	go s.flushMetrics(ctx)

	mux := http.NewServeMux()
	mux.HandleFunc("/report", s.report)
	mux.HandleFunc("/health", s.health)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	app := fixture.Listen()
	go srv.Serve(app) // by design: accept-loop
	fixture.Announce("app", "http://"+app.Addr().String()+"/")
	fixture.Ready()
	go fixture.Wait()
	<-ctx.Done() // by design: signal-wait
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
