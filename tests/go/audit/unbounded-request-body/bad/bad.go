package bad

import (
	"encoding/json"
	"io"
	"net/http"
)

type payload struct{ Name string }

func readAll(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // want "GT107"
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = w.Write(body)
}

func decode(w http.ResponseWriter, req *http.Request) {
	var p payload
	if err := json.NewDecoder(req.Body).Decode(&p); err != nil { // want "GT107"
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 30); err != nil { // want "GT107"
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func routes(mux *http.ServeMux) {
	mux.HandleFunc("/copy", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body) // want "GT107"
	})
}
