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
