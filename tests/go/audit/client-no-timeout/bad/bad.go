package bad

import "net/http"

var shared = &http.Client{} // want "GT108"

func client(tr http.RoundTripper) *http.Client {
	c := &http.Client{Transport: tr} // want "GT108"
	return c
}

func fetch(url string) (*http.Response, error) {
	return shared.Get(url)
}
