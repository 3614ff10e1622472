package good

import (
	"net/http"
	"time"
)

func idle(mux *http.ServeMux) *http.Server {
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}

// ReadTimeout also bounds idle keep-alive connections when IdleTimeout is zero.
func read(mux *http.ServeMux) *http.Server {
	return &http.Server{Handler: mux, ReadTimeout: 30 * time.Second}
}
