package good

import (
	"errors"
	"sync"
)

type cache struct {
	mu   sync.Mutex
	data map[string]string
}

func (c *cache) deferred(key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.data[key]
	if !ok {
		return "", errors.New("missing")
	}
	return v, nil
}

func (c *cache) unlockEachPath(key string) (string, error) {
	c.mu.Lock()
	v, ok := c.data[key]
	if !ok {
		c.mu.Unlock()
		return "", errors.New("missing")
	}
	c.mu.Unlock()
	return v, nil
}

// lockedGet returns with the lock held on purpose; the caller unlocks.
func (c *cache) lockedGet(key string) string {
	c.mu.Lock()
	return c.data[key]
}

func (c *cache) closure(key string) func() string {
	c.mu.Lock()
	f := func() string { return c.data[key] }
	c.mu.Unlock()
	return f
}

// lockedFind returns the entry with c.mu locked when it finds one; the caller must unlock.
func (c *cache) lockedFind(key string) (string, bool) {
	for {
		c.mu.Lock()
		if v, ok := c.data[key]; ok {
			return v, true
		}
		c.mu.Unlock()
		return "", false
	}
}

// closureRelease unlocks through a local closure on the early paths, as
// minio-go's and nats.go's error paths do.
func (c *cache) closureRelease(key string) (string, error) {
	c.mu.Lock()
	fail := func() { c.mu.Unlock() }
	v, ok := c.data[key]
	if !ok {
		fail()
		return "", errors.New("missing")
	}
	c.mu.Unlock()
	return v, nil
}

func (c *cache) closureInReturn(key string) (string, error) {
	c.mu.Lock()
	fail := func(err error) (string, error) {
		c.mu.Unlock()
		return "", err
	}
	v, ok := c.data[key]
	if !ok {
		return fail(errors.New("missing"))
	}
	c.mu.Unlock()
	return v, nil
}

func (c *cache) deferredClosure(key string) (string, error) {
	c.mu.Lock()
	release := func() { c.mu.Unlock() }
	v, ok := c.data[key]
	if !ok {
		defer release()
		return "", errors.New("missing")
	}
	c.mu.Unlock()
	return v, nil
}
