package good

import (
	"context"
	"errors"
	"time"
)

func use(context.Context) error { return nil }

func deferred(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	return use(ctx)
}

func everyPath(parent context.Context, ready bool) error {
	ctx, cancel := context.WithCancel(parent)
	if !ready {
		cancel()
		return errors.New("not ready")
	}
	err := use(ctx)
	cancel()
	return err
}

func handedBack(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	return ctx, cancel
}

type worker struct{ stop context.CancelFunc }

func (w *worker) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	w.stop = cancel
	go func() { _ = use(ctx) }()
}

func closure(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer func() { cancel() }()
	return use(ctx)
}
