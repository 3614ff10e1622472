package bad

import (
	"net/http"
	"time"
)

func server(mux *http.ServeMux) *http.Server {
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second} // want "GT104"
}
