// Package grouped imports time under another name, in a grouped import block.
package grouped

import (
	"fmt"
	"net/http"
	"os"
	tm "time"

	"gotriage.test/fixtures/internal/fixture"
)

var _ = fixture.Announce

func Partial(mux *http.ServeMux) *http.Server {
	fmt.Fprintln(os.Stderr, "starting")
	return &http.Server{ // want "GT103"
		Handler:           mux,
		ReadHeaderTimeout: 5 * tm.Second,
		IdleTimeout:       tm.Minute,
	}
}

func Assigned(mux *http.ServeMux) *http.Server {
	srv := &http.Server{Handler: mux} // want "GT103"
	srv.ReadTimeout = 45 * tm.Second
	return srv
}
