"""`gotriage reproduce`: drive a named, seeded failure scenario against a server while measuring
what it does to the server (goroutines, CPU, sockets, latency of normal traffic), per phase."""
