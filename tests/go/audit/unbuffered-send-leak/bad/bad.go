package bad

import (
	"context"
	"errors"
	"time"
)

func slow() string { return "x" }

func withTimeout() (string, error) {
	ch := make(chan string)
	go func() {
		ch <- slow() // want "GT201"
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return "", errors.New("timeout")
	}
}

func withContext(ctx context.Context) error {
	errc := make(chan error)
	go func() { errc <- errors.New(slow()) }() // want "GT201"
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func earlyReturn(check func() error) (string, error) {
	results := make(chan string)
	go func() { results <- slow() }() // want "GT201"
	if err := check(); err != nil {
		return "", err
	}
	return <-results, nil
}

func neverReceived() {
	done := make(chan bool)
	go func() { done <- true }() // want "GT201"
}
