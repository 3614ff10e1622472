// Package helpers mixes production code with helpers named for tests.
package helpers

import (
	"net/http"
	"testing"
)

// Serve is production code: reported at its rule's severity.
func Serve(h http.Handler) *http.Server {
	return &http.Server{Handler: h} // want "GT101"
}

func NewTestServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h} // want "GT101"
}

func startServer(t *testing.T, h http.Handler) *http.Server {
	t.Helper()
	return &http.Server{Handler: h} // want "GT101"
}

// latest is not a test helper, whatever its name ends with.
func latest(h http.Handler) *http.Server {
	return &http.Server{Handler: h} // want "GT101"
}
