// Command probeserver is an HTTP/1.1 server whose timeouts and limits come from flags, so the
// tests can check that `gotriage probe` measures what was configured. It announces
// "app URL" (http:// or https:// with a self-signed certificate made at startup) and "ready".
//
// Endpoints:
//
//	/       a small 200 answer
//	/body   reads the whole request body (through http.MaxBytesReader when -max-body > 0)
//	/upload refuses at once with 413 a body whose Content-Length is above -max-body, as
//	        proxies do; reads the others
//	/ignore reads the request body and returns without writing, whatever the read gave (Go
//	        then finishes the response itself: 200 with Connection: close at the read deadline)
//	/slow   streams one byte every 20ms for -slow, stopping at the first failed write
//	/large  a -large byte response with a Content-Length, written in 32 KiB chunks; with
//	        -write-idle each write must finish within that long (nginx's send_timeout)
//
// With -max-conns N it serves at most N connections at once, as a limiting listener does.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	readHeaderTimeout = flag.Duration("read-header-timeout", 0, "http.Server.ReadHeaderTimeout")
	readTimeout       = flag.Duration("read-timeout", 0, "http.Server.ReadTimeout")
	writeTimeout      = flag.Duration("write-timeout", 0, "http.Server.WriteTimeout")
	idleTimeout       = flag.Duration("idle-timeout", 0, "http.Server.IdleTimeout")
	maxHeaderBytes    = flag.Int("max-header-bytes", 0, "http.Server.MaxHeaderBytes")
	maxBody           = flag.Int64("max-body", 0, "http.MaxBytesReader limit on /body; 0 reads without limit")
	slow              = flag.Duration("slow", 60*time.Second, "how long /slow streams")
	large             = flag.Int64("large", 64<<20, "size of the /large response in bytes")
	useTLS            = flag.Bool("tls", false, "serve https with a self-signed certificate")
	handlerTimeout    = flag.Duration("handler-timeout", 0, "wrap /slow in http.TimeoutHandler with this deadline")
	maxConns          = flag.Int("max-conns", 0, "serve at most this many connections at once; 0: no cap")
	writeIdle         = flag.Duration("write-idle", 0, "on /large, the deadline of each write (nginx send_timeout); 0: none")
)

func main() {
	fixture.Start()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/body", handleBody)
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		if *maxBody > 0 && r.ContentLength > *maxBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		handleBody(w, r)
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})
	var slowHandler http.Handler = http.HandlerFunc(handleSlow)
	if *handlerTimeout > 0 {
		slowHandler = http.TimeoutHandler(slowHandler, *handlerTimeout, "handler timeout")
	}
	mux.Handle("/slow", slowHandler)
	mux.HandleFunc("/large", handleLarge)

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: *readHeaderTimeout,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
		MaxHeaderBytes:    *maxHeaderBytes,
	}
	var ln net.Listener = fixture.Listen()
	if *maxConns > 0 {
		ln = &limitListener{Listener: ln, slots: make(chan struct{}, *maxConns)}
	}
	scheme := "http"
	if *useTLS {
		cert, err := selfSigned()
		if err != nil {
			fmt.Fprintln(os.Stderr, "certificate:", err)
			os.Exit(1)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	go srv.Serve(ln)
	fixture.Announce("app", scheme+"://"+ln.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}

func handleBody(w http.ResponseWriter, r *http.Request) {
	body := r.Body
	if *maxBody > 0 {
		body = http.MaxBytesReader(w, r.Body, *maxBody)
	}
	n, err := io.Copy(io.Discard, body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
	default:
		io.WriteString(w, strconv.FormatInt(n, 10)+"\n")
	}
}

func handleSlow(w http.ResponseWriter, r *http.Request) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/plain")
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	end := time.After(*slow)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-end:
			return
		case <-ticker.C:
			if _, err := io.WriteString(w, "."); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
}

func handleLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", strconv.FormatInt(*large, 10))
	rc := http.NewResponseController(w)
	chunk := make([]byte, 32<<10)
	for left := *large; left > 0; {
		n := int64(len(chunk))
		if left < n {
			n = left
		}
		if *writeIdle > 0 {
			rc.SetWriteDeadline(time.Now().Add(*writeIdle))
		}
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
}

// limitListener accepts a connection only while fewer than cap(slots) are open, like
// golang.org/x/net/netutil.LimitListener; the others wait in the kernel's backlog.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a day.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "probeserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
