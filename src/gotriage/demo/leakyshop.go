// leakyshop is the program `gotriage demo` builds and analyses: a small shop API with two of
// the most common ways a Go service leaks goroutines. /checkout asks a slow payment provider
// for an answer, gives up after 10ms and returns, and the provider call's send on an
// unbuffered channel then blocks forever. The API server is started with http.Serve, which
// has no timeouts, so a client that never finishes its request holds a goroutine forever.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

func chargeCard(orderID int) error {
	time.Sleep(50 * time.Millisecond) // a slow payment provider
	return nil
}

func checkout(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Millisecond)
	defer cancel()
	paid := make(chan error)
	go func() {
		paid <- chargeCard(42)
	}()
	select {
	case err := <-paid:
		if err != nil {
			http.Error(w, err.Error(), http.StatusPaymentRequired)
			return
		}
		fmt.Fprintln(w, "paid")
	case <-ctx.Done():
		http.Error(w, "payment provider timed out", http.StatusGatewayTimeout)
	}
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return ln
}

func main() {
	lifetime := flag.Duration("lifetime", 60*time.Second, "exit after this long")
	flag.Parse()
	time.AfterFunc(*lifetime, func() { os.Exit(0) })

	debug := listen()
	go func() {
		srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
		_ = srv.Serve(debug)
	}()
	fmt.Println("pprof", "http://"+debug.Addr().String()+"/debug/pprof/")

	api := listen()
	mux := http.NewServeMux()
	mux.HandleFunc("/checkout", checkout)
	fmt.Println("api", "http://"+api.Addr().String()+"/")
	fmt.Println("ready")
	_ = http.Serve(api, mux)
}
