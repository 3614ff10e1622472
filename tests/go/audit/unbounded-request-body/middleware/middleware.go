// Package middleware limits every request body in one place; its handlers may read freely.
package middleware

import (
	"io"
	"net/http"
)

func limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		next.ServeHTTP(w, r)
	})
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_, _ = w.Write(body)
}

func Handler() http.Handler {
	return limit(http.HandlerFunc(echo))
}
