package bad

import (
	"net"
	"net/http"
	"sync"
	"time"
)

type tracker struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func never(t *tracker) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: time.Second,
		ConnState: func(c net.Conn, s http.ConnState) { // want "GT111"
			if s == http.StateNew {
				t.mu.Lock()
				t.conns[c] = struct{}{}
				t.mu.Unlock()
			}
		},
	}
}

func closedOnly(t *tracker) *http.Server {
	srv := &http.Server{ReadHeaderTimeout: time.Second}
	srv.ConnState = func(c net.Conn, s http.ConnState) { // want "GT111"
		t.mu.Lock()
		defer t.mu.Unlock()
		switch s {
		case http.StateNew:
			t.conns[c] = struct{}{}
		case http.StateClosed:
			delete(t.conns, c)
		}
	}
	return srv
}
