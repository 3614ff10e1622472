// Command formats puts goroutines into every shape a goroutine dump can show, so that each dump
// format (debug=2, debug=1, debug=0 protobuf, goroutineleak, panic, SIGQUIT, deadlock) can be
// captured live and parsed. Each line where a goroutine of the scenario waits carries an
// "at: NAME" mark; the tests read the marks and expect the parsed frames to point at them.
//
// Modes:
//
//	-mode=block     park the goroutines, serve pprof, print "ready", wait (SIGQUIT dumps them)
//	-mode=panic     park the goroutines, then panic in main with a two-line message
//	-mode=segv      park the goroutines, then dereference a nil pointer in main
//	-mode=deadlock  park the goroutines on channels only, then block main: the runtime reports
//	                "fatal error: all goroutines are asleep - deadlock!"
//	-mode=overflow  recurse without end under a 1 MiB stack cap: "fatal error: stack overflow",
//	                with a "runtime stack:" section before the goroutines
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	mode  = flag.String("mode", "block", "block, panic, segv, deadlock or overflow")
	depth = flag.Int("depth", 150, "recursion depth of the deep goroutine")
	crowd = flag.Int("crowd", 0, "extra goroutines to park in block mode, for large dumps")
)

// Channels kept in globals stay reachable, so the leak detector leaves their goroutines alone.
var (
	neverSent  = make(chan int)
	neverRecv  = make(chan int)
	selectA    = make(chan int)
	selectB    = make(chan string)
	lockedWait = make(chan struct{})
	deepWait   = make(chan struct{})
	inlineWait = make(chan int)
	genWait    = make(chan float64)
	labelWait  = make(chan struct{})
	mu         sync.Mutex
)

func sendForever() {
	neverRecv <- 1 // at: chan-send
}

func receiveForever() {
	<-neverSent // at: chan-receive
}

func selectForever() {
	select { // at: select
	case <-selectA:
	case <-selectB:
	}
}

func selectNoCases() {
	select {} // at: select-no-cases
}

func nilReceive() {
	var never chan int
	<-never // at: nil-receive
}

func lockForever() {
	mu.Lock() // at: mutex
}

func sleepLong() {
	time.Sleep(time.Hour) // at: sleep
}

func lockedToThread() {
	runtime.LockOSThread()
	<-lockedWait // at: locked
}

//go:noinline
func recurse(n int) int {
	if n == 0 {
		<-deepWait // at: deep
		return 0
	}
	return recurse(n-1) + 1 // at: recurse
}

// receiveOne is small enough to be inlined into its caller; the dump prints it with "(...)".
func receiveOne(ch chan int) int {
	return <-ch // at: inlined
}

func inlinedCaller() {
	fmt.Fprint(os.Stderr, receiveOne(inlineWait)) // at: inlined-caller
}

//go:noinline
func genericWait[T any](ch chan T) T {
	return <-ch // at: generic
}

func labelled() {
	labels := pprof.Labels("worker", "w1", "tenant id", "a b")
	pprof.Do(context.Background(), labels, func(context.Context) {
		<-labelWait // at: labelled
	})
}

// leakUnreachable parks on a channel no one else can reach: goroutineleak reports it.
func leakUnreachable() {
	ch := make(chan int)
	go func() { // at: go-leak
		ch <- 1 // at: leak
	}()
}

// parkCrowd starts n more goroutines in a few common shapes, for dumps of realistic size.
func parkCrowd(n int) {
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			go receiveForever()
		case 1:
			go selectForever()
		case 2:
			go func(d int) { recurse(d) }(i % 8)
		default:
			go sleepLong()
		}
	}
}

func park(channelsOnly bool) {
	go sendForever() // at: go-send
	go receiveForever()
	go selectForever()
	go nilReceive()
	go lockedToThread()
	go func() { recurse(*depth) }()
	go inlinedCaller()
	go genericWait(genWait)
	go labelled()
	if !channelsOnly {
		mu.Lock()
		go lockForever()
		go sleepLong()
		go selectNoCases()
		leakUnreachable()
	}
	// Give every goroutine time to reach its wait.
	for i := 0; i < 50; i++ {
		runtime.Gosched()
		time.Sleep(2 * time.Millisecond)
	}
}

//go:noinline
func bottomless(n int) int {
	return bottomless(n+1) + 1 // at: overflow
}

type message struct{ text string }

func explode(m *message) string {
	return m.text // at: segv
}

func fail() {
	panic("formats: boom\nsecond line") // at: panic
}

func main() {
	flag.Parse()
	switch *mode {
	case "block":
		fixture.Start()
		park(false)
		parkCrowd(*crowd)
		fixture.Ready()
		fixture.Wait()
	case "panic":
		park(false)
		fail()
	case "segv":
		park(false)
		var m *message
		fmt.Println(explode(m))
	case "overflow":
		park(false)
		debug.SetMaxStack(1 << 20)
		fmt.Println(bottomless(0))
	case "deadlock":
		park(true)
		<-make(chan int) // at: deadlock-main
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
}
