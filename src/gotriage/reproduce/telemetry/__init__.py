"""What the run watches once a second: goroutines (through the goroutines analysis), CPU and
threads (/proc/PID/stat), and the sockets of the target's port (through the sockets package);
once, during the scenario phase, a CPU profile (through the cpu package)."""
