package good

import (
	"net/http"
	"time"
)

func server(mux *http.ServeMux, write time.Duration) *http.Server {
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      write,
	}
}

type app struct{ srv *http.Server }

func (a *app) configure() {
	a.srv = &http.Server{ReadHeaderTimeout: time.Second}
	a.srv.WriteTimeout = time.Minute
}
