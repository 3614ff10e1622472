package bad

import (
	"log"
	"net"
	"net/http"
	"time"
)

func run(mux *http.ServeMux, l net.Listener) {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { log.Print(srv.Serve(l)) }() // want "GT110"
	log.Fatal(srv.ListenAndServe())         // want "GT110"
}
