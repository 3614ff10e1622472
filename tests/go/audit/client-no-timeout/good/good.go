package good

import (
	"net/http"
	"time"
)

var shared = &http.Client{Timeout: 10 * time.Second}

func client(tr http.RoundTripper) *http.Client {
	c := &http.Client{Transport: tr}
	c.Timeout = 30 * time.Second
	return c
}

func fetch(url string) (*http.Response, error) {
	return shared.Get(url)
}

// copied takes every field, Timeout included, from a configured client.
func copied(original *http.Client) *http.Client {
	c := new(http.Client)
	*c = *original
	return c
}
