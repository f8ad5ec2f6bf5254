package nb

import (
	"fmt"
	"html"
	"io"
	"os"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/schollz/progressbar/v3"
)

// Progress is a progress bar for long loops: an HTML bar updated in place
// inside a kernel, a terminal bar (schollz/progressbar) on stderr outside.
// It is safe for concurrent use. Inside a kernel, updates are throttled to
// one per 200 ms, but the full bar and Done's final state are always sent
// and waited for, so the saved notebook shows the bar's end whatever the
// machine's load.
//
//	p := nb.NewProgress("fitting", len(jobs))
//	for range jobs { ...; p.Add(1) }
//	p.Done()
type Progress struct {
	mu      sync.Mutex
	desc    string
	total   int
	n       int
	start   time.Time
	last    time.Time
	id      string                   // kernel: HTML element id
	bar     *progressbar.ProgressBar // outside a kernel
	done    bool
	minStep time.Duration
}

// NewProgress starts a progress bar for total steps described by desc.
func NewProgress(desc string, total int) *Progress {
	return newProgress(desc, total, InKernel(), os.Stderr)
}

func newProgress(desc string, total int, kernel bool, w io.Writer) *Progress {
	if total < 0 {
		total = 0
	}
	p := &Progress{desc: desc, total: total, start: time.Now(), minStep: 200 * time.Millisecond}
	if kernel {
		p.id = "tokenscale-progress-" + gonbui.UniqueID()
		gonbui.UpdateHTML(p.id, p.html())
	} else {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetDescription(desc),
			progressbar.OptionSetWriter(w), progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionThrottle(p.minStep),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	}
	return p
}

// Add advances the bar by n steps.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.n += n
	if p.n > p.total {
		p.n = p.total
	}
	if p.bar != nil {
		_ = p.bar.Set(p.n)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.minStep || p.n == p.total {
		p.last = now
		gonbui.UpdateHTML(p.id, p.html())
		if p.n == p.total {
			flush() // the full bar must reach the notebook even if the cell ends now
		}
	}
}

// Count returns the steps done so far.
func (p *Progress) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Done completes the bar (it shows the final count and the elapsed time).
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	gonbui.UpdateHTML(p.id, p.html())
	flush() // the final state must reach the notebook before the cell ends
}

func (p *Progress) html() string {
	el := time.Since(p.start).Round(100 * time.Millisecond)
	return fmt.Sprintf(`<div style="font-family:monospace">%s <progress value="%d" max="%d" style="width:40%%"></progress> %d/%d (%s)</div>`,
		html.EscapeString(p.desc), p.n, max(p.total, 1), p.n, p.total, el)
}
