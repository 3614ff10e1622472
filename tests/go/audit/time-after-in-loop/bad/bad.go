package bad

import "time"

func consume(in <-chan int, handle func(int)) {
	for {
		select {
		case v := <-in:
			handle(v)
		case <-time.After(time.Minute): // want "GT203"
			return
		}
	}
}

func ranged(batches [][]int, out chan<- int) {
	for _, batch := range batches {
		for _, v := range batch {
			select {
			case out <- v:
			case <-time.After(time.Second): // want "GT203"
			}
		}
	}
}

// A bounded inner loop inside an unbounded one still makes a timer per pass.
func retryForever(work func() error) {
	for {
		for i := 0; i < 3; i++ {
			select {
			case <-time.After(time.Second): // want "GT203"
			default:
				if work() == nil {
					break
				}
			}
		}
	}
}

// The other case only leaves the loop sometimes.
func sometimes(in <-chan int) {
	for {
		select {
		case v := <-in:
			if v < 0 {
				return
			}
		case <-time.After(time.Minute): // want "GT203"
			return
		}
	}
}

func selectBreakOnly(in <-chan int) {
	for {
		select {
		case <-in:
			break // leaves the select, not the loop
		case <-time.After(time.Minute): // want "GT203"
		}
	}
}

// A stream of messages and a cancellation: the messages pile timers.
func streamAndCancel(done <-chan struct{}, in <-chan int) {
	for {
		select {
		case <-done:
		case <-in:
		case <-time.After(time.Minute): // want "GT203"
		}
	}
}
