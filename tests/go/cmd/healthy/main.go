// Command healthy is a service in good health whose goroutines all wait by design, in the
// shapes real servers show: workers run under pprof.Do labels waiting for jobs, watch streams
// (as in etcd) waiting in a select for events or cancellation, one writer per connection
// waiting on a sync.Cond for outbound data next to its reader in network I/O (as nats-server's
// writeLoop and readLoop), and main parked forever with select {} (as in caddy run). gotriage
// must name no suspect. Lines where goroutines wait carry a "by design:" mark.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"sync"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	workers = flag.Int("workers", 12, "labelled workers")
	watches = flag.Int("watches", 30, "watch streams")
	conns   = flag.Int("conns", 40, "client connections, each with a reader and a writer")
)

// held keeps the program's client connections reachable: a connection nothing refers to is
// closed by its finalizer at the next GC.
var held []net.Conn

type job struct{ n int }

func worker(ctx context.Context, id int, jobs <-chan job, done *int64, mu *sync.Mutex) {
	labels := pprof.Labels("worker", fmt.Sprint(id))
	pprof.Do(ctx, labels, func(ctx context.Context) {
		for j := range jobs { // by design: labelled-worker
			mu.Lock()
			*done += int64(j.n)
			mu.Unlock()
		}
	})
}

type event struct{ key string }

type watchStream struct {
	ctx    context.Context
	events chan event
	sent   int
}

func (w *watchStream) run() {
	for {
		select { // by design: watch-stream
		case ev := <-w.events:
			w.sent += len(ev.key)
		case <-w.ctx.Done():
			return
		}
	}
}

// client is one accepted connection: its reader waits for the peer, its writer for data to send.
type client struct {
	conn   net.Conn
	mu     sync.Mutex
	cond   *sync.Cond
	out    [][]byte
	closed bool
}

func (c *client) readLoop() {
	buf := make([]byte, 4096)
	for {
		n, err := c.conn.Read(buf) // by design: conn-reader
		if err != nil {
			c.mu.Lock()
			c.closed = true
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		c.out = append(c.out, append([]byte(nil), buf[:n]...))
		c.cond.Signal()
		c.mu.Unlock()
	}
}

func (c *client) writeLoop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for len(c.out) == 0 && !c.closed {
			c.cond.Wait() // by design: conn-writer
		}
		if c.closed {
			return
		}
		pending := c.out
		c.out = nil
		c.mu.Unlock()
		for _, b := range pending {
			_, _ = c.conn.Write(b)
		}
		c.mu.Lock()
	}
}

func acceptLoop(ln net.Listener, accepted chan<- struct{}) {
	for {
		conn, err := ln.Accept() // by design: accept
		if err != nil {
			return
		}
		c := &client{conn: conn}
		c.cond = sync.NewCond(&c.mu)
		go c.readLoop()
		go c.writeLoop()
		accepted <- struct{}{}
	}
}

func main() {
	fixture.Start()
	ctx := context.Background()
	jobs := make(chan job)
	var done int64
	var mu sync.Mutex
	for i := 0; i < *workers; i++ {
		go worker(ctx, i, jobs, &done, &mu)
	}
	for i := 0; i < 10; i++ {
		jobs <- job{n: i}
	}
	for i := 0; i < *watches; i++ {
		w := &watchStream{ctx: ctx, events: make(chan event, 1)}
		go w.run()
	}

	ln := fixture.Listen()
	accepted := make(chan struct{}, *conns)
	go acceptLoop(ln, accepted)
	// The program's own clients: connections it holds open without goroutines of their own.
	held = make([]net.Conn, 0, *conns)
	for i := 0; i < *conns; i++ {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		held = append(held, conn)
	}
	for i := 0; i < *conns; i++ {
		<-accepted
	}
	_, _ = held[0].Write([]byte("ping"))
	fixture.Announce("conns", "tcp://"+ln.Addr().String())
	fixture.Ready()
	go fixture.Wait()
	select {} // by design: main-parked
}
