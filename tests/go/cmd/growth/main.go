// Command growth leaks a little on every request, the way real services leak: one snapshot
// shows nothing alarming, two snapshots show the growth. /watch leaves one goroutine per
// request parked in a select nothing will ever end; /update?fail=1 returns with a lock held,
// so every later /update piles up on it. Its app server is an http.Server without
// ReadHeaderTimeout, so clients that send half a request header hold a goroutine each for as
// long as they like (slowloris). Lines where those goroutines wait carry a "leak:" mark.
package main

import (
	"net/http"
	"sync"

	"gotriage.test/fixtures/internal/fixture"
)

// updates is never sent on nor closed: a select on it only ends through its other cases.
var updates = make(chan struct{})

// watch starts a watcher per request and forgets to stop it when the request ends.
func watch(w http.ResponseWriter, r *http.Request) {
	stop := make(chan struct{})
	go func() {
		select { // leak: per-request-select
		case <-updates:
		case <-stop:
		}
	}()
	_, _ = w.Write([]byte("watching\n"))
}

var state struct {
	sync.Mutex
	updated int
}

// update returns early on a bad request without releasing the lock.
func update(w http.ResponseWriter, r *http.Request) {
	state.Lock() // leak: lock-never-released
	if r.URL.Query().Get("fail") != "" {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	state.updated++
	state.Unlock()
	_, _ = w.Write([]byte("updated\n"))
}

func main() {
	fixture.Start()
	mux := http.NewServeMux()
	mux.HandleFunc("/watch", watch)
	mux.HandleFunc("/update", update)
	srv := &http.Server{Handler: mux} // no ReadHeaderTimeout, no ReadTimeout
	app := fixture.Listen()
	go srv.Serve(app) // leak: slow-clients
	fixture.Announce("app", "http://"+app.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}
