// Package notime has servers --fix must complete, in a file that does not import time yet.
package notime

import "net/http"

func Empty() *http.Server {
	return &http.Server{} // want "GT101"
}

func OneLine(mux *http.ServeMux) *http.Server {
	return &http.Server{Addr: ":8080", Handler: mux} // want "GT101"
}

func MultiLine(mux *http.ServeMux) *http.Server {
	srv := &http.Server{ // want "GT101"
		Addr:    ":8080",
		Handler: mux,
	}
	return srv
}
