package good

import (
	"net/http"
	"time"
)

const headerTimeout = 5 * time.Second

func literal(mux *http.ServeMux) *http.Server {
	return &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: headerTimeout}
}

func readTimeoutOnly() *http.Server {
	return &http.Server{ReadTimeout: 30 * time.Second}
}

func assignedLater(mux *http.ServeMux) error {
	srv := &http.Server{Handler: mux}
	srv.ReadHeaderTimeout = 10 * time.Second
	return srv.ListenAndServe()
}

func zeroValue() error {
	var srv http.Server
	srv.ReadTimeout = time.Minute
	return srv.ListenAndServe()
}
