package figures

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tokenscale/tokenscale/lib/plots"
)

// Spec describes one registered figure.
type Spec struct {
	ID      string // short id used everywhere: "fig2", "fig8", "fig3a", "lab-sweep", ...
	Paper   string // the paper's name for it ("Figure 8"), empty for figures of our own
	Caption string // one line: what it shows
	// Options lists, for the user, which options the figure reads and their
	// defaults, e.g. `Param("g", 0.001, 0.01, 0.1); LogX/LogY`.
	Options string
	// Source says what the figure draws and so which data an Option must
	// hand it (Lab, Branch, Training, Eval, Layout); FromPaper figures need
	// none.
	Source Source
	// Build draws the figure. It must reject unknown metric/config names with
	// an error and must not panic.
	Build func(o plots.Options) (*plots.Figure, error)
}

var (
	regMu    sync.RWMutex
	registry = map[string]Spec{}
)

// Register adds a figure to the registry. It is meant for init functions and
// panics on a duplicate or malformed id (a programming error).
func Register(s Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if s.ID == "" || strings.ContainsAny(s.ID, " /\\") || s.Build == nil {
		panic(fmt.Sprintf("plots: Register: bad spec %q (id must be non-empty without spaces or slashes, Build set)", s.ID))
	}
	if _, dup := registry[s.ID]; dup {
		panic("plots: Register: duplicate figure id " + s.ID)
	}
	registry[s.ID] = s
}

// Lookup returns the spec registered under id.
func Lookup(id string) (Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := registry[id]
	return s, ok
}

// Specs returns every registered spec ordered by id, with numbers compared
// as numbers ("fig2" < "fig11").
func Specs() []Spec {
	regMu.RLock()
	out := make([]Spec, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	regMu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].ID, out[j].ID) })
	return out
}

// IDs returns the registered ids in Specs order.
func IDs() []string {
	specs := Specs()
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.ID
	}
	return ids
}

// Build builds the figure registered under id with the given options. The
// returned figure's ID is the file stem to save it under: id itself with
// default options, id plus a short hash of the options otherwise.
func Build(id string, opts ...plots.Option) (f *plots.Figure, err error) {
	s, ok := Lookup(id)
	if !ok {
		return nil, fmt.Errorf("plots: unknown figure %q (known: %s)", id, strings.Join(IDs(), ", "))
	}
	o := plots.NewOptions(opts...)
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("plots: build %s: %v", id, r)
		}
	}()
	f, err = s.Build(o)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("plots: build %s: no figure", id)
	}
	f.ID = id
	if slug := o.Slug(); slug != "" {
		f.ID = id + "-" + slug
	}
	return f, nil
}

// naturalLess compares strings with embedded numbers compared numerically.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
