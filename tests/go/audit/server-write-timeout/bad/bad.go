package bad

import (
	"net/http"
	"time"
)

func server(mux *http.ServeMux) *http.Server {
	return &http.Server{ // want "GT103"
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
}

func zeroed() *http.Server {
	srv := &http.Server{ReadTimeout: time.Second} // want "GT103"
	srv.WriteTimeout = 0
	return srv
}
