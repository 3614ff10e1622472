package stuck

import (
	"testing"
	"time"
)

func TestQuick(t *testing.T) {
	time.Sleep(time.Millisecond)
}

func TestGatherHangs(t *testing.T) {
	Remember("first") // leaves the lock held: the cache was never set up
	if got := Gather([]string{"a", "bb", "ccc"}); len(got) != 3 {
		t.Fatal(got)
	}
}
