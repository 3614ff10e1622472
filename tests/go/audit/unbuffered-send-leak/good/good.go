package good

import (
	"context"
	"errors"
	"time"
)

func slow() string { return "x" }

func buffered() (string, error) {
	ch := make(chan string, 1)
	go func() { ch <- slow() }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return "", errors.New("timeout")
	}
}

func senderWatchesContext(ctx context.Context) (string, error) {
	ch := make(chan string)
	go func() {
		select {
		case ch <- slow():
		case <-ctx.Done():
		}
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func alwaysReceives() string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	return <-ch
}

func loopKeepsReceiving(ticks <-chan time.Time) string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	for {
		select {
		case v := <-ch:
			return v
		case <-ticks:
		}
	}
}

func passedOn(consume func(<-chan string)) {
	ch := make(chan string)
	go func() { ch <- slow() }()
	consume(ch)
}

var updates chan struct{}

// outer sends on a package-level channel that other functions receive from.
func outer() {
	updates = make(chan struct{})
	go func() {
		updates <- struct{}{}
	}()
}

// pingPong: the goroutine both sends and receives, in step with the caller.
func pingPong(rounds int) {
	ball := make(chan int)
	go func() {
		for i := 0; i < rounds; i++ {
			ball <- i
			<-ball
		}
	}()
	for i := 0; i < rounds; i++ {
		<-ball
		ball <- i
	}
}
