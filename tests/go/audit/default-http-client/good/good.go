package good

import (
	"net/http"
	"time"
)

var client = &http.Client{Timeout: 10 * time.Second}

func calls(u string) {
	if resp, err := client.Get(u); err == nil {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
}

func configure() {
	http.DefaultClient = client
}
