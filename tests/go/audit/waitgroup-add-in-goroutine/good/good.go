package good

import (
	"sync"
	"sync/atomic"
)

func process(int) {}

func fanOut(items []int) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			process(v)
		}(item)
	}
	wg.Wait()
}

func counter(items []int) int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, item := range items {
		go func(v int) {
			defer wg.Done()
			n.Add(int64(v))
		}(item)
	}
	wg.Wait()
	return n.Load()
}

func nested(wg *sync.WaitGroup, items []int) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, item := range items {
			wg.Add(1)
			go func(v int) {
				defer wg.Done()
				process(v)
			}(item)
		}
	}()
}
