package good

import (
	"context"
	"time"
)

var heartbeat = time.Tick(time.Second)

type worker struct{ polls int }

func (w *worker) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.polls++
		case <-ctx.Done():
			return
		}
	}
}

func Beat() time.Time { return <-heartbeat }
