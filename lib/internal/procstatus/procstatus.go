// Package procstatus reads the memory counters of the running process from
// Linux's /proc/self/status. The memory tests of lib/safetensors and
// lib/llama use it to check that loading a checkpoint does not hold a
// second copy of the weights (peak resident memory against file size).
package procstatus

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// KB returns the value in kB of a field of /proc/self/status, such as
// "VmRSS" (resident memory now) or "VmHWM" (its peak), or -1 when the file
// or the field is missing (not Linux) or the value is not a number.
func KB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}
