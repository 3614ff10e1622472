package good

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

func (t *tracker) hook(c net.Conn, s http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch s {
	case http.StateNew:
		t.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	}
}

func server(t *tracker) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: time.Second,
		ConnState: func(c net.Conn, s http.ConnState) {
			t.hook(c, s)
		},
	}
}

func logging() *http.Server {
	return &http.Server{
		ReadHeaderTimeout: time.Second,
		ConnState: func(c net.Conn, s http.ConnState) {
			_ = c.RemoteAddr().String() + s.String()
		},
	}
}
