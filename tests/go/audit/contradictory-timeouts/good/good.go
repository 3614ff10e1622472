package good

import (
	"net/http"
	"time"
)

func server(h http.Handler, configured time.Duration) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       configured,
		Handler:           http.TimeoutHandler(h, 10*time.Second, "busy"),
	}
}

func unknown(h http.Handler, configured time.Duration) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: configured,
		ReadTimeout:       time.Second,
		Handler:           http.TimeoutHandler(h, time.Minute, "busy"),
	}
}
