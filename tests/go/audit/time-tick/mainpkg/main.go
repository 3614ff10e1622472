// Command cmd uses time.Tick in main, where one ticker lives as long as the process.
package main

import "fmt"
import "time"

func main() {
	for now := range time.Tick(time.Second) {
		fmt.Println(now)
		return
	}
}
