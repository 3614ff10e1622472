// Command reproserver is the server `gotriage reproduce` is shown against: an HTTP/1.1 server
// whose timeouts, header limit and slow-handler concurrency come from flags, so one binary runs
// both the broken and the fixed configuration of each scenario. It announces "app URL" and
// "ready"; net/http/pprof is served on the app port too (the default --pprof place).
//
// Endpoints:
//
//	/       a small 200 answer (stalls with -stall-every/-stall-for, like a stop-the-world pause)
//	/body   reads the whole request body
//	/slow   burns -slow-work of CPU, at most -slow-limit at once when the limit is set
//	/large  a -large byte response with a Content-Length, written in 32 KiB chunks
package main

import (
	"flag"
	"io"
	"net/http"
	"strconv"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	timeouts          = flag.Duration("timeouts", 0, "set all four server timeouts to this (0: none)")
	readHeaderTimeout = flag.Duration("read-header-timeout", 0, "http.Server.ReadHeaderTimeout")
	readTimeout       = flag.Duration("read-timeout", 0, "http.Server.ReadTimeout")
	writeTimeout      = flag.Duration("write-timeout", 0, "http.Server.WriteTimeout")
	idleTimeout       = flag.Duration("idle-timeout", 0, "http.Server.IdleTimeout")
	maxHeaderBytes    = flag.Int("max-header-bytes", 0, "http.Server.MaxHeaderBytes (0: Go's 1 MiB)")
	slowWork          = flag.Duration("slow-work", 20*time.Millisecond, "CPU time each /slow request burns")
	slowLimit         = flag.Int("slow-limit", 0, "at most this many /slow requests at once; 0: no limit")
	large             = flag.Int64("large", 16<<20, "size of the /large response in bytes")
	stallEvery        = flag.Duration("stall-every", 0, "stall / for -stall-for at the start of every period; 0: never")
	stallFor          = flag.Duration("stall-for", time.Second, "how long each stall lasts")
)

var started = time.Now()

func main() {
	fixture.Start()
	pick := func(own *time.Duration) time.Duration {
		if *own > 0 {
			return *own
		}
		return *timeouts
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", handleRoot)
	mux.HandleFunc("/body", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10)+"\n")
	})
	var slots chan struct{}
	if *slowLimit > 0 {
		slots = make(chan struct{}, *slowLimit)
	}
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		if slots != nil {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-r.Context().Done():
				return
			}
		}
		burn(*slowWork)
		io.WriteString(w, "done\n")
	})
	mux.HandleFunc("/large", handleLarge)
	mux.Handle("/debug/pprof/", http.DefaultServeMux)

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: pick(readHeaderTimeout),
		ReadTimeout:       pick(readTimeout),
		WriteTimeout:      pick(writeTimeout),
		IdleTimeout:       pick(idleTimeout),
		MaxHeaderBytes:    *maxHeaderBytes,
	}
	ln := fixture.Listen()
	go srv.Serve(ln)
	fixture.Announce("app", "http://"+ln.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}

// handleRoot answers at once, except during a stall: a request that arrives in the first
// -stall-for of a -stall-every period waits for the period's stall to end.
func handleRoot(w http.ResponseWriter, r *http.Request) {
	if *stallEvery > 0 {
		phase := time.Since(started) % *stallEvery
		if phase < *stallFor {
			time.Sleep(*stallFor - phase)
		}
	}
	io.WriteString(w, "ok\n")
}

// burn spins on the CPU for d, the way an expensive handler (rendering, JSON, crypto) does.
func burn(d time.Duration) {
	end := time.Now().Add(d)
	x := 0
	for time.Now().Before(end) {
		for i := 0; i < 1000; i++ {
			x += i
		}
	}
	_ = x
}

func handleLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", strconv.FormatInt(*large, 10))
	chunk := make([]byte, 32<<10)
	for left := *large; left > 0; {
		n := int64(len(chunk))
		if left < n {
			n = left
		}
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
}
