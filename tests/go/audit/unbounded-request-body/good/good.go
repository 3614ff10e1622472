package good

import (
	"encoding/json"
	"io"
	"net/http"
)

type payload struct{ Name string }

func readAll(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	_, _ = w.Write(body)
}

func decode(w http.ResponseWriter, r *http.Request) {
	var p payload
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

// Not a handler: the reader is a response body, which the client chose to fetch.
func fetch(resp *http.Response) ([]byte, error) {
	return io.ReadAll(resp.Body)
}

// dump is not a handler: it reads a request it was given, for example a client request.
func dump(req *http.Request) ([]byte, error) {
	return io.ReadAll(req.Body)
}
