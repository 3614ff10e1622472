package good

import "time"

func consume(in <-chan int, handle func(int)) {
	idle := time.NewTimer(time.Minute)
	defer idle.Stop()
	for {
		select {
		case v := <-in:
			handle(v)
			idle.Reset(time.Minute)
		case <-idle.C:
			return
		}
	}
}

func once(in <-chan int) int {
	select {
	case v := <-in:
		return v
	case <-time.After(time.Second):
		return 0
	}
}

func sleeps(n int) {
	for i := 0; i < n; i++ {
		<-time.After(time.Millisecond)
	}
}
