// Package stuck holds the code a hanging test calls: a fan-out whose results are collected
// under a lock that an earlier call never released. Its tests hang on purpose; the test suite
// builds them with "go test -c" and runs the binary with -test.timeout to capture the dump the
// testing package prints.
package stuck

import "sync"

var cache struct {
	sync.Mutex
	entries map[string]int
}

// Remember returns with the lock held when the cache was never set up.
func Remember(key string) {
	cache.Lock() // leak: worker-on-lock
	if cache.entries == nil {
		return
	}
	cache.entries[key]++
	cache.Unlock()
}

// Gather starts a worker per key and waits for all their results; each worker remembers its
// key first, so one lock left held stops them all.
func Gather(keys []string) []int {
	results := make(chan int)
	for _, key := range keys {
		go func(key string) {
			Remember(key)
			results <- len(key)
		}(key)
	}
	out := make([]int, 0, len(keys))
	for range keys {
		out = append(out, <-results) // leak: gather-waits
	}
	return out
}
