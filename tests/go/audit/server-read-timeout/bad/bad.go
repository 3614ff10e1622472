package bad

import (
	"net/http"
	"time"
)

func literal(mux *http.ServeMux) *http.Server {
	srv := &http.Server{Addr: ":8080", Handler: mux} // want "GT101"
	return srv
}

func returned() *http.Server {
	return &http.Server{WriteTimeout: time.Minute} // want "GT101"
}

func zeroValue(mux *http.ServeMux) error {
	var srv http.Server // want "GT101"
	srv.Handler = mux
	srv.WriteTimeout = 10 * time.Second
	return srv.ListenAndServe()
}

func explicitZero() *http.Server {
	return &http.Server{ReadHeaderTimeout: 0} // want "GT101"
}
