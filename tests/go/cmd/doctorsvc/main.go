// Command doctorsvc is a service with every problem gotriage doctor looks for at once: an
// http.Server without timeouts (held by the silent clients a test opens), a handler that leaks
// a goroutine per request, and an allocation-heavy handler. Its own clients call the handler in
// a loop, so the leak grows and the garbage collector works while doctor looks. With -fixed the
// same service has its timeouts set, no leak and a handler that reuses its buffers.
package main

import (
	"flag"
	"io"
	"net/http"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	fixed   = flag.Bool("fixed", false, "run the service with its problems fixed")
	clients = flag.Int("clients", 2, "local clients calling /work in a loop")
)

type node struct {
	next  *node
	value [6]int64
}

var (
	retainedMu sync.Mutex
	retained   [16]*node
	slot       int
	pool       = sync.Pool{New: func() any { return make([]byte, 4096) }}
)

// buildIndex allocates a linked list of small objects and keeps the last few alive, the way a
// handler that rebuilds a lookup table per request does: the collector runs all the time.
func buildIndex(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head, value: [6]int64{int64(i)}}
	}
	retainedMu.Lock()
	retained[slot%len(retained)] = head
	slot++
	retainedMu.Unlock()
	return head
}

func lookup() int {
	time.Sleep(2 * time.Millisecond)
	return 42
}

func work(w http.ResponseWriter, r *http.Request) {
	result := make(chan int)
	go func() {
		result <- lookup() // leak: work-lookup
	}()
	select {
	case v := <-result:
		_ = v
	case <-time.After(time.Millisecond):
	}
	buildIndex(20000)
	io.WriteString(w, "ok\n")
}

func workFixed(w http.ResponseWriter, r *http.Request) {
	result := make(chan int, 1)
	go func() { result <- lookup() }()
	select {
	case <-result:
	case <-time.After(time.Millisecond):
	}
	buf := pool.Get().([]byte)
	defer pool.Put(buf)
	io.WriteString(w, "ok\n")
}

func callLoop(url string) {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	fixture.Start()
	mux := http.NewServeMux()
	var srv *http.Server
	if *fixed {
		mux.HandleFunc("/work", workFixed)
		srv = &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 2 * time.Second,
			ReadTimeout:       5 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       3 * time.Second,
			MaxHeaderBytes:    64 << 10,
		}
	} else {
		mux.HandleFunc("/work", work)
		srv = &http.Server{Handler: mux}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "doctorsvc\n") })
	app := fixture.Listen()
	go srv.Serve(app) // by design: accept-loop
	url := "http://" + app.Addr().String() + "/"
	for i := 0; i < *clients; i++ {
		go callLoop(url + "work")
	}
	fixture.Announce("app", url)
	fixture.Ready()
	fixture.Wait()
}
