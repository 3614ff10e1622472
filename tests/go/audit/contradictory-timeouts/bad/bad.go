package bad

import (
	"net/http"
	"time"
)

const slow = 30

func server(h http.Handler) *http.Server {
	return &http.Server{
		ReadHeaderTimeout: slow * time.Second, // want "GT105"
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      5 * time.Second,
		IdleTimeout:       time.Minute,
		Handler:           http.TimeoutHandler(h, 10*time.Second, "busy"), // want "GT105"
	}
}
