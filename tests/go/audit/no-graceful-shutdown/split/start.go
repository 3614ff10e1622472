// Package split starts its server in one file and shuts it down in another.
package split

import (
	"net/http"
	"time"
)

var srv = &http.Server{ReadHeaderTimeout: 10 * time.Second}

func Start() error { return srv.ListenAndServe() }
