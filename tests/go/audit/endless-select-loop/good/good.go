package good

import (
	"context"
	"time"
)

func handle(int) {}

func start(ctx context.Context, in <-chan int) {
	ticker := time.NewTicker(time.Second)
	go func() {
		defer ticker.Stop()
		for {
			select {
			case v := <-in:
				handle(v)
			case <-ticker.C:
			case <-ctx.Done():
				return
			}
		}
	}()
}

type pump struct {
	in   chan int
	quit chan struct{}
}

func (p *pump) loop() {
loop:
	for {
		select {
		case v, ok := <-p.in:
			if !ok {
				break loop
			}
			handle(v)
		case <-p.quit:
			break loop
		}
	}
}

func (p *pump) Start() { go p.loop() }
