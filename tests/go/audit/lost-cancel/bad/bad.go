package bad

import (
	"context"
	"errors"
	"time"
)

func use(context.Context) error { return nil }

func discarded(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, time.Second) // want "GT202"
	return use(ctx)
}

func neverCalled(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent) // want "GT202"
	_ = cancel
	return use(ctx)
}

func missedPath(parent context.Context, ready bool) error {
	ctx, cancel := context.WithDeadline(parent, time.Now().Add(time.Minute)) // want "GT202"
	if !ready {
		return errors.New("not ready")
	}
	err := use(ctx)
	cancel()
	return err
}
