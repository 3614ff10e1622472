package bad

import (
	"net/http"
	"time"
)

func tiny() *http.Server {
	return &http.Server{ReadHeaderTimeout: time.Second, MaxHeaderBytes: 1024} // want "GT106"
}

func huge() *http.Server {
	srv := &http.Server{ReadHeaderTimeout: time.Second}
	srv.MaxHeaderBytes = 1 << 30 // want "GT106"
	return srv
}
