package bad

import (
	"net/http"
	"net/url"
	"strings"
)

func calls(u string) {
	if resp, err := http.Get(u); err == nil { // want "GT109"
		resp.Body.Close()
	}
	if resp, err := http.Post(u, "text/plain", strings.NewReader("x")); err == nil { // want "GT109"
		resp.Body.Close()
	}
	if resp, err := http.PostForm(u, url.Values{}); err == nil { // want "GT109"
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil { // want "GT109"
		resp.Body.Close()
	}
}
