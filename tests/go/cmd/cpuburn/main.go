// Command cpuburn burns CPU in one of several ways, chosen with -mode, so the tests can check
// that `gotriage cpu` names where the CPU went and why. It serves pprof (announced as "pprof"),
// in the churn modes also the flooded application server ("app"), then prints "ready".
//
// Modes:
//
//	gc              an allocation-heavy HTTP handler called in a loop by local clients
//	scheduler       pairs of goroutines ping-ponging on unbuffered channels
//	user            a tight loop in one named function, crunchNumbers
//	locks           many goroutines hammering one sync.Mutex
//	churn           an http.Server without timeouts flooded by clients that connect, send a few
//	                bytes and abort (reset) or go silent and stay connected
//	churn-timeouts  the same flood against the same server with timeouts set
//	avalanche       a goroutine per tick that blocks in a system call forever: threads climb
//	quiet           nothing but the pprof server
//
// Every mode logs a line to standard error twice a second, so a captured GODEBUG trace is
// mixed with ordinary log lines as in a real service's stderr.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	mode    = flag.String("mode", "quiet", "gc, scheduler, user, locks, churn, churn-timeouts, avalanche, quiet")
	workers = flag.Int("workers", 4, "goroutines (or pairs) doing the work")
)

var done atomic.Int64 // units of work, for the log line

var sink []byte

func main() {
	fixture.Start()
	logger := log.New(os.Stderr, "cpuburn: ", log.LstdFlags)
	go func() {
		for range time.Tick(500 * time.Millisecond) {
			logger.Printf("mode=%s work done=%d", *mode, done.Load())
		}
	}()
	switch *mode {
	case "gc":
		burnGC()
	case "scheduler":
		burnScheduler()
	case "user":
		go func() { // a little garbage, as a real service makes: a few quiet GC cycles
			for range time.Tick(10 * time.Millisecond) {
				sink = make([]byte, 512<<10)
			}
		}()
		for i := 0; i < *workers; i++ {
			go func(seed uint64) {
				for {
					done.Add(int64(crunchNumbers(seed, 1<<20) & 1))
				}
			}(uint64(i))
		}
	case "locks":
		burnLocks()
	case "churn":
		churn(&http.Server{})
	case "churn-timeouts":
		churn(&http.Server{
			ReadHeaderTimeout: 300 * time.Millisecond,
			ReadTimeout:       time.Second,
			WriteTimeout:      time.Second,
			IdleTimeout:       time.Second,
		})
	case "avalanche":
		avalanche()
	case "quiet":
	default:
		fmt.Fprintln(os.Stderr, "unknown -mode", *mode)
		os.Exit(2)
	}
	fixture.Ready()
	fixture.Wait()
}

// crunchNumbers is the user's hot function: pure arithmetic, no allocation, no calls.
//
//go:noinline
func crunchNumbers(seed uint64, rounds int) uint64 {
	x := seed | 1
	for i := 0; i < rounds; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		x += uint64(i)
	}
	return x
}

type node struct {
	next  *node
	value [4]int64
	name  string
}

// buildReport allocates a linked list of small pointerful objects per request: the GC has to
// mark and sweep all of it.
func buildReport(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head, name: strconv.Itoa(i)}
		head.value[0] = int64(i)
	}
	return head
}

var retained [64]*node // some of it lives on, so marking has work

func burnGC() {
	ln := fixture.Listen()
	var slot atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/report", func(w http.ResponseWriter, r *http.Request) {
		report := buildReport(20000)
		retained[slot.Add(1)%int64(len(retained))] = report
		done.Add(1)
		io.WriteString(w, report.name)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String() + "/report"
	fixture.Announce("app", url)
	for i := 0; i < *workers; i++ {
		go func() {
			for {
				resp, err := http.Get(url)
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
}

// pingPong passes a token back and forth on unbuffered channels: every send wakes the other
// goroutine and parks the sender, so the scheduler does all the work.
func pingPong(ping, pong chan int) {
	for v := range ping {
		pong <- v + 1
	}
}

func burnScheduler() {
	for i := 0; i < *workers; i++ {
		ping, pong := make(chan int), make(chan int)
		go pingPong(ping, pong)
		go func() {
			v := 0
			for {
				ping <- v
				v = <-pong
				done.Add(1)
			}
		}()
	}
}

var counters struct {
	sync.Mutex
	hits [8]int
}

// hammer takes the shared lock for a tiny critical section, as fast as it can.
func hammer(id int) {
	for n := 0; ; n++ {
		counters.Lock()
		counters.hits[id%8]++
		counters.Unlock()
		if n%1024 == 0 {
			done.Add(1024)
		}
	}
}

func burnLocks() {
	for i := 0; i < 16**workers; i++ {
		go hammer(i)
	}
}

// churn serves srv on a fresh listener and floods it from local clients: most connect, send
// the start of a request and reset the connection; a steady trickle sends a few bytes and then
// stays silent, which a server without timeouts holds forever.
func churn(srv *http.Server) {
	ln := fixture.Listen()
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	go srv.Serve(ln)
	addr := ln.Addr().String()
	fixture.Announce("app", "http://"+addr+"/")
	for i := 0; i < *workers; i++ {
		go func() {
			for {
				abortingClient(addr)
				done.Add(1)
			}
		}()
	}
	go func() {
		var open atomic.Int64
		for range time.Tick(20 * time.Millisecond) { // 50 silent clients a second
			if open.Load() >= 1500 {
				continue
			}
			open.Add(1)
			go func() {
				defer open.Add(-1)
				silentClient(addr)
			}()
		}
	}()
}

func abortingClient(addr string) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		time.Sleep(5 * time.Millisecond)
		return
	}
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: app\r\nUser-Ag"))
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0) // close with a reset, as a client that gives up does
	}
	conn.Close()
}

func silentClient(addr string) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Write([]byte("GET / HT"))
	// Wait for the server to give up on us, if it ever does (bounded by the lifetime).
	conn.SetReadDeadline(time.Now().Add(10 * time.Minute))
	io.Copy(io.Discard, conn)
}

// avalanche starts a goroutine every 50 ms that blocks in a read(2) on a pipe nobody writes:
// each one holds an OS thread, so the runtime keeps creating threads, the unbounded-handler
// avalanche seen when every request blocks in a system call.
func avalanche() {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		fmt.Fprintln(os.Stderr, "pipe:", err)
		os.Exit(1)
	}
	go func() {
		var started int
		for range time.Tick(50 * time.Millisecond) {
			if started >= 400 {
				continue
			}
			started++
			go blockInSyscall(fds[0])
		}
	}()
}

func blockInSyscall(fd int) {
	buf := make([]byte, 1)
	syscall.Read(fd, buf)
}
