package bad

import "time"

func handle(int) {}

func start(in <-chan int) {
	ticker := time.NewTicker(time.Second)
	go func() {
		for { // want "GT207"
			select {
			case v := <-in:
				handle(v)
			case <-ticker.C:
				break
			}
		}
	}()
}

type pump struct{ in chan int }

func (p *pump) loop() {
	for { // want "GT207"
		select {
		case v := <-p.in:
			handle(v)
		}
	}
}

func (p *pump) Start() { go p.loop() }
