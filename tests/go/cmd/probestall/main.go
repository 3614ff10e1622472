// Command probestall is an HTTP/1.1 server that stops serving after its first requests, so the
// tests can check that `gotriage probe` calls that inconclusive instead of "no timeout". It
// announces "app URL" and "ready".
//
// With -stop=accept it accepts only its first -serve connections and then never calls Accept
// again: its listen backlog is 1, so later connections wait in the kernel's queue and, once that
// is full, are not even completed. With -stop=answer it accepts every connection but answers only
// its first -serve requests; later requests are read and never answered.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	stop  = flag.String("stop", "accept", "what stops after the first requests: accept or answer")
	serve = flag.Int64("serve", 1, "connections accepted (-stop=accept) or requests answered (-stop=answer)")
)

func main() {
	fixture.Start()
	ln, err := smallBacklog()
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	var answered atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *stop == "answer" && answered.Add(1) > *serve {
			<-r.Context().Done() // read, never answered
			return
		}
		io.WriteString(w, "ok\n")
	})
	var served net.Listener = ln
	if *stop == "accept" {
		served = &stoppingListener{Listener: ln, left: *serve}
	}
	go (&http.Server{Handler: handler}).Serve(served)
	fixture.Announce("app", "http://"+ln.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}

// smallBacklog listens on an ephemeral loopback port with a listen backlog of 1 (net.Listen
// uses the system's maximum, thousands of connections).
func smallBacklog() (net.Listener, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	addr := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, addr); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if err := syscall.Listen(fd, 1); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	file := os.NewFile(uintptr(fd), "listener")
	defer file.Close()
	return net.FileListener(file)
}

// stoppingListener accepts its first `left` connections, then blocks forever.
type stoppingListener struct {
	net.Listener
	left int64
}

func (l *stoppingListener) Accept() (net.Conn, error) {
	if l.left <= 0 {
		select {}
	}
	l.left--
	return l.Listener.Accept()
}
