package good

import (
	"context"
	"net/http"
	"time"
)

func run(ctx context.Context, mux *http.ServeMux) error {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Shutdown(stop)
	}()
	return srv.ListenAndServe()
}
