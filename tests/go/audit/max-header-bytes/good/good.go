package good

import (
	"net/http"
	"time"
)

func sized(limit int) []*http.Server {
	return []*http.Server{
		&http.Server{ReadHeaderTimeout: time.Second, MaxHeaderBytes: 64 << 10},
		&http.Server{ReadHeaderTimeout: time.Second, MaxHeaderBytes: http.DefaultMaxHeaderBytes},
		&http.Server{ReadHeaderTimeout: time.Second, MaxHeaderBytes: limit},
		&http.Server{ReadHeaderTimeout: time.Second},
	}
}
