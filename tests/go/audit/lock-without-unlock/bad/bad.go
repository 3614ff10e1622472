package bad

import (
	"errors"
	"sync"
)

type cache struct {
	mu   sync.Mutex
	rw   sync.RWMutex
	data map[string]string
}

func (c *cache) get(key string) (string, error) {
	c.mu.Lock()
	v, ok := c.data[key]
	if !ok {
		return "", errors.New("missing") // want "GT205"
	}
	c.mu.Unlock()
	return v, nil
}

func (c *cache) read(key string) string {
	c.rw.RLock()
	for k, v := range c.data {
		if k == key {
			return v // want "GT205"
		}
	}
	c.rw.RUnlock()
	return ""
}

// The closure releases c.rw, not c.mu.
func (c *cache) wrongClosure(key string) (string, error) {
	c.mu.Lock()
	fail := func() { c.rw.Unlock() }
	v, ok := c.data[key]
	if !ok {
		fail()
		return "", errors.New("missing") // want "GT205"
	}
	c.mu.Unlock()
	return v, nil
}

// The closure is declared, but the first early path does not call it.
func (c *cache) closureNotCalled(key string) (string, error) {
	c.mu.Lock()
	fail := func() { c.mu.Unlock() }
	v, ok := c.data[key]
	if !ok {
		return "", errors.New("missing") // want "GT205"
	}
	if v == "" {
		fail()
		return "", nil
	}
	c.mu.Unlock()
	return v, nil
}
