// Package service is a small HTTP service written the way the audit rules ask: every rule
// must stay silent on it.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

type Service struct {
	mu      sync.Mutex
	counts  map[string]int
	conns   map[net.Conn]struct{}
	client  *http.Client
	srv     *http.Server
	workers sync.WaitGroup
	jobs    chan string
}

func New(addr string) *Service {
	s := &Service{
		counts: map[string]int{},
		conns:  map[net.Conn]struct{}{},
		client: &http.Client{Timeout: 10 * time.Second},
		jobs:   make(chan string, 16),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/count", s.count)
	s.srv = &http.Server{
		Addr:              addr,
		Handler:           http.TimeoutHandler(mux, 20*time.Second, "busy"),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ConnState:         s.track,
	}
	return s
}

func (s *Service) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

func (s *Service) count(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var req struct{ Key string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.counts[req.Key]++
	n := s.counts[req.Key]
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(n)
}

// Lookup asks an upstream, giving up with the caller's context.
func (s *Service) Lookup(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	result := make(chan int, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			result <- 0
			return
		}
		resp, err := s.client.Do(req)
		if err != nil {
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	select {
	case code := <-result:
		return code, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Run serves until ctx is done, then drains requests and workers.
func (s *Service) Run(ctx context.Context) error {
	for i := 0; i < 4; i++ {
		s.workers.Add(1)
		go s.work(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := s.srv.Shutdown(stop)
	s.workers.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Service) work(ctx context.Context) {
	defer s.workers.Done()
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	for {
		select {
		case job, ok := <-s.jobs:
			if !ok {
				return
			}
			s.mu.Lock()
			s.counts[job]++
			s.mu.Unlock()
		case <-flush.C:
		case <-ctx.Done():
			return
		}
	}
}
