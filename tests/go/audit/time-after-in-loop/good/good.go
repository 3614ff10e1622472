package good

import "time"

func consume(in <-chan int, handle func(int)) {
	idle := time.NewTimer(time.Minute)
	defer idle.Stop()
	for {
		select {
		case v := <-in:
			handle(v)
			idle.Reset(time.Minute)
		case <-idle.C:
			return
		}
	}
}

func once(in <-chan int) int {
	select {
	case v := <-in:
		return v
	case <-time.After(time.Second):
		return 0
	}
}

func sleeps(n int) {
	for i := 0; i < n; i++ {
		<-time.After(time.Millisecond)
	}
}

// Every other case leaves the loop: it turns again only once the timer fired
// (grpc's and nats.go's reconnect loops).
func waitOrGiveUp(done <-chan struct{}, poll func() bool) bool {
	for {
		if poll() {
			return true
		}
		select {
		case <-done:
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func labelled(in <-chan int, out chan<- int) {
loop:
	for {
		select {
		case v := <-in:
			out <- v
			break loop
		case <-time.After(time.Second):
			panic("slow")
		}
	}
}

const retries = 5

// A retry loop bounded by a small constant makes at most that many timers.
func retry(work func() error, stop <-chan struct{}) error {
	var err error
	for attempt := 0; attempt < retries; attempt++ {
		if err = work(); err == nil {
			return nil
		}
		select {
		case <-stop:
			err = nil
		case <-time.After(time.Second):
		}
	}
	return err
}

type ctxLike interface{ Done() <-chan struct{} }

// The other case is a cancellation: once it wins the loop is ending
// (nats.go's request retry loop).
func retryUntilCancelled(ctx ctxLike, attempt func() bool, stopCh <-chan struct{}) {
	for !attempt() {
		select {
		case <-ctx.Done():
		case <-stopCh:
		case <-time.After(time.Second):
		}
	}
}
