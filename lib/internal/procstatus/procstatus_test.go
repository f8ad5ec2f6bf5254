package procstatus

import (
	"os"
	"testing"
)

func TestKB(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("reads /proc/self/status, which only Linux has")
	}
	rss, hwm := KB("VmRSS"), KB("VmHWM")
	if rss <= 0 || hwm < rss {
		t.Errorf("VmRSS %d kB, VmHWM %d kB: want 0 < RSS ≤ peak", rss, hwm)
	}
	// Allocating and touching 64 MiB raises the peak by about as much.
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	if after := KB("VmHWM"); after < hwm+48<<10 {
		t.Errorf("peak %d kB after touching 64 MiB, was %d kB", after, hwm)
	}
	_ = buf[len(buf)-1]
	for _, f := range []string{"NoSuchField", ""} {
		if got := KB(f); got != -1 {
			t.Errorf("KB(%q) = %d, want -1", f, got)
		}
	}
}
