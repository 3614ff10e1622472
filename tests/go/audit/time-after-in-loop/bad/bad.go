package bad

import "time"

func consume(in <-chan int, handle func(int)) {
	for {
		select {
		case v := <-in:
			handle(v)
		case <-time.After(time.Minute): // want "GT203"
			return
		}
	}
}

func ranged(batches [][]int, out chan<- int) {
	for _, batch := range batches {
		for _, v := range batch {
			select {
			case out <- v:
			case <-time.After(time.Second): // want "GT203"
			}
		}
	}
}
