package bad

import "sync"

func process(int) {}

func fanOut(items []int) {
	var wg sync.WaitGroup
	for _, item := range items {
		go func(v int) {
			wg.Add(1) // want "GT206"
			defer wg.Done()
			process(v)
		}(item)
	}
	wg.Wait()
}

type pool struct{ wg sync.WaitGroup }

func (p *pool) spawn(v int) {
	go func() {
		p.wg.Add(1) // want "GT206"
		process(v)
		p.wg.Done()
	}()
}
