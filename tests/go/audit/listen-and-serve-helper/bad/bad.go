package bad

import (
	"net"
	"net/http"
)

func start(mux *http.ServeMux, l net.Listener) error {
	go http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", mux) // want "GT102"
	go http.Serve(l, mux)                                         // want "GT102"
	return http.ListenAndServe(":8080", mux)                      // want "GT102"
}
