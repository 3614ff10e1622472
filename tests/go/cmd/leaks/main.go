// Command leaks leaks goroutines in each of the classic ways, then serves pprof so the dump can
// be captured. Every line where a leaked goroutine blocks carries a "leak:" mark; the test reads
// the marks and expects gotriage to name exactly those lines. It also runs an application server
// started with the package-level http.Serve, which can have no timeouts: a slow client parks one
// of its connection goroutines forever.
package main

import (
	"context"
	"flag"
	"net/http"
	"runtime/pprof"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

// sendAfterEarlyReturn is the most common leak in production Go: the caller gives up on a
// result (here its context is already done) and returns, and the worker's send on the
// unbuffered channel then waits for a receiver that is gone.
func sendAfterEarlyReturn(ctx context.Context) int {
	result := make(chan int)
	gate := make(chan struct{})
	defer close(gate)
	go func() {
		<-gate
		result <- 42 // leak: unbuffered-send
	}()
	select {
	case v := <-result:
		return v
	case <-ctx.Done():
		return -1
	}
}

// rangeNobodyCloses starts a consumer that ranges over a channel the producer never closes.
func rangeNobodyCloses() {
	items := make(chan string)
	go func() {
		for item := range items { // leak: range-never-closed
			_ = item
		}
	}()
	items <- "only one"
}

// nilChannel sends on a channel that was never made.
func nilChannel() {
	var updates chan int
	go func() {
		updates <- 1 // leak: nil-channel
	}()
}

// emptySelect parks a goroutine with nothing that can ever wake it.
func emptySelect() {
	go func() {
		select {} // leak: empty-select
	}()
}

var registry struct {
	sync.Mutex
	entries map[string]int
}

// lockNeverUnlocked returns early with the lock held; every later caller blocks.
func lockNeverUnlocked(key string) {
	registry.Lock()
	if registry.entries == nil {
		return
	}
	registry.entries[key]++
	registry.Unlock()
}

func lockWaiter() {
	go func() {
		registry.Lock() // leak: mutex-never-unlocked
		registry.Unlock()
	}()
}

// waitGroupNeverDone waits for two workers but only one ever calls Done.
func waitGroupNeverDone() {
	var wg sync.WaitGroup
	wg.Add(2)
	go wg.Done()
	go func() {
		wg.Wait() // leak: waitgroup-never-done
	}()
}

// condNeverSignalled waits on a condition nobody will ever signal.
func condNeverSignalled() {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	go func() {
		mu.Lock()
		for !ready {
			cond.Wait() // leak: cond-never-signalled
		}
		mu.Unlock()
	}()
}

// labelledReceive waits, under pprof labels, for a reply nobody will send. Running under
// pprof.Do does not make a wait in the program's own code harmless.
func labelledReceive() {
	reply := make(chan int)
	go pprof.Do(context.Background(), pprof.Labels("job", "sync"), func(context.Context) {
		<-reply // leak: labelled-receive
	})
}

// asRequests runs fn the way a server runs a handler: n times, each in a goroutine that
// returns, so whatever fn leaves blocked outlives the goroutine that started it.
func asRequests(n int, fn func()) {
	var done sync.WaitGroup
	for i := 0; i < n; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			fn()
		}()
	}
	done.Wait()
}

func main() {
	repeat := flag.Int("repeat", 12, "how many times each leak happens")
	fixture.Start()
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	asRequests(2*(*repeat), func() { sendAfterEarlyReturn(expired) })
	asRequests(*repeat, rangeNobodyCloses)
	asRequests(*repeat, nilChannel)
	asRequests(*repeat, emptySelect)
	lockNeverUnlocked("first")
	asRequests(*repeat, lockWaiter)
	asRequests(*repeat, waitGroupNeverDone)
	asRequests(*repeat, condNeverSignalled)
	asRequests(*repeat, labelledReceive)

	app := fixture.Listen()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/export", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for i := 0; i < 64; i++ { // 64 MiB: far more than socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	go http.Serve(app, mux) // leak: server-without-timeouts
	fixture.Announce("app", "http://"+app.Addr().String()+"/")
	time.Sleep(100 * time.Millisecond) // let every leaking goroutine reach its blocking point
	fixture.Ready()
	fixture.Wait()
}
