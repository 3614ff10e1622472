"""What the run watches once a second: goroutines (through the goroutines analysis), CPU and
threads (/proc/PID/stat), and the socket states of the target's port (/proc/net/tcp{,6})."""
