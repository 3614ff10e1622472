// Package library has the shapes of a web framework's servers: one finding per server,
// with every missing timeout listed, whatever the number of timeout rules it breaks.
package library

import (
	"net/http"
	"time"
)

type Framework struct {
	Server    *http.Server
	TLSServer *http.Server
}

func New() *Framework {
	return &Framework{
		Server:    new(http.Server), // want "GT101"
		TLSServer: new(http.Server), // want "GT101"
	}
}

func headersOnly(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Second} // want "GT103"
}

func idleOnly(h http.Handler) *http.Server {
	return &http.Server{ // want "GT104"
		Handler:           h,
		ReadHeaderTimeout: time.Second,
		WriteTimeout:      time.Minute,
	}
}

func behindProxy(h http.Handler) *http.Server {
	//gotriage:ignore GT101 the proxy in front bounds the headers
	return &http.Server{Handler: h} // want "GT103"
}
