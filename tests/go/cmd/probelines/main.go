// Command probelines is an HTTP/1.1 server with nginx's kind of header limits
// (large_client_header_buffers 6 3k): every request or header line must fit in -line bytes, and
// the whole head in -total bytes; either refusal is a 400 "Request Header Or Cookie Too Large"
// with a Server header, as nginx sends it. Other requests get a small 200 (keep-alive). It
// announces "app URL" and "ready".
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"time"

	"gotriage.test/fixtures/internal/fixture"
)

var (
	lineLimit  = flag.Int("line", 3<<10, "longest request or header line accepted, CRLF included")
	totalLimit = flag.Int("total", 6*3<<10, "largest request head accepted")
)

const tooLarge = "Request Header Or Cookie Too Large\n"

func main() {
	fixture.Start()
	ln := fixture.Listen()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	fixture.Announce("app", "http://"+ln.Addr().String()+"/")
	fixture.Ready()
	fixture.Wait()
}

func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		ok, err := readHead(r)
		if err != nil {
			return
		}
		if !ok {
			fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nServer: probelines\r\nContent-Type: text/plain\r\n"+
				"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(tooLarge), tooLarge)
			// read on for a moment so that closing does not reset the answer away
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			r.WriteTo(discard{})
			return
		}
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nServer: probelines\r\nContent-Length: 3\r\n\r\nok\n")
	}
}

// readHead reads one request head; false when a line or the whole is over its limit.
func readHead(r *bufio.Reader) (bool, error) {
	total := 0
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		total += len(line)
		if len(line) > *lineLimit || total > *totalLimit {
			return false, nil
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return true, nil
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
