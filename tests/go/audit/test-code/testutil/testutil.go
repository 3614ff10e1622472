// Package testutil is test infrastructure shipped as an ordinary package (as
// prometheus' testutil and grpc's internal/testutils are): findings here are
// reported at low severity, apart from production code.
package testutil

import "net/http"

func Scrape(url string) (*http.Response, error) {
	return http.Get(url) // want "GT109"
}

func Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h} // want "GT101"
}
