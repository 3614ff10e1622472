package bad

import "time"

type worker struct{ polls int }

func (w *worker) run() {
	for range time.Tick(time.Second) { // want "GT204"
		w.polls++
	}
}

func handler() <-chan time.Time {
	return time.Tick(time.Minute) // want "GT204"
}
