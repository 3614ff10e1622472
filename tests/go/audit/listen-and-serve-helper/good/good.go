package good

import (
	"net"
	"net/http"
	"time"
)

type fake struct{}

func (fake) Serve(net.Listener) error { return nil }

func start(mux *http.ServeMux, l net.Listener) error {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	var other fake
	_ = other.Serve(l)
	return srv.ListenAndServe()
}
