package plots

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
)

// Scale is an axis scale choice.
type Scale int

// Axis scales. ScaleDefault leaves the choice to the figure (the paper's).
const (
	ScaleDefault Scale = iota
	ScaleLinear
	ScaleLog
)

// Options are the user's choices for a figure; figures read the fields that
// apply to them. Build them with NewOptions and the Option functions.
type Options struct {
	Metrics []string             // panels to draw, by metric name; empty = the paper's set
	Configs []string             // series/configurations, e.g. "VQQ", "VQ-ft", a baseline name; empty = default
	XScale  Scale                // x-axis scale
	YScale  Scale                // y-axis scale
	Params  map[string][]float64 // named numeric parameters, see each Spec's Options
	Width   vg.Length            // canvas width; 0 = the figure's default
	Height  vg.Length            // canvas height; 0 = the figure's default
	Title   *string              // overall title; nil = the figure's default
	set     []string             // what the user set, for Slug
	data    []any                // what the figure draws, see Data
}

// Option changes Options.
type Option func(*Options)

// NewOptions applies opts to empty Options.
func NewOptions(opts ...Option) Options {
	o := Options{Params: map[string][]float64{}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Metrics chooses the metrics (panels) to draw, by the names the figure uses
// (e.g. "MME", "POPE", "RealWorldQA").
func Metrics(names ...string) Option {
	return func(o *Options) {
		o.Metrics = append([]string(nil), names...)
		o.set = append(o.set, "m="+strings.Join(names, ","))
	}
}

// Configs chooses the configurations or series to draw (e.g. "VQQ", "VQ-ft",
// "VQ", or baseline model names).
func Configs(names ...string) Option {
	return func(o *Options) {
		o.Configs = append([]string(nil), names...)
		o.set = append(o.set, "c="+strings.Join(names, ","))
	}
}

// LogX sets a logarithmic (true) or linear (false) x-axis.
func LogX(on bool) Option {
	return func(o *Options) {
		o.XScale = map[bool]Scale{true: ScaleLog, false: ScaleLinear}[on]
		o.set = append(o.set, "lx="+strconv.FormatBool(on))
	}
}

// LogY sets a logarithmic (true) or linear (false) y-axis.
func LogY(on bool) Option {
	return func(o *Options) {
		o.YScale = map[bool]Scale{true: ScaleLog, false: ScaleLinear}[on]
		o.set = append(o.set, "ly="+strconv.FormatBool(on))
	}
}

// Param sets a named list of numbers that a figure reads (its Spec.Options
// says which).
func Param(name string, values ...float64) Option {
	return func(o *Options) {
		if o.Params == nil {
			o.Params = map[string][]float64{}
		}
		o.Params[name] = append([]float64(nil), values...)
		o.set = append(o.set, fmt.Sprintf("p:%s=%v", name, values))
	}
}

// Size sets the canvas size in inches.
func Size(widthInches, heightInches float64) Option {
	return func(o *Options) {
		o.Width, o.Height = vg.Length(widthInches)*vg.Inch, vg.Length(heightInches)*vg.Inch
		o.set = append(o.set, fmt.Sprintf("s=%gx%g", widthInches, heightInches))
	}
}

// Title replaces the figure's overall title ("" removes it).
func Title(t string) Option {
	return func(o *Options) {
		o.Title = &t
		o.set = append(o.set, "t="+t)
	}
}

// Data hands a figure the data it draws (results of a run, training logs,
// ...): the figure's package says which types it reads. Data does not
// change Slug, which names the options a figure was drawn with, not its
// data; a later Data of the same type replaces an earlier one.
func Data(v any) Option {
	return func(o *Options) { o.data = append(o.data, v) }
}

// DataOf returns the last value handed with Data that has type T.
func DataOf[T any](o Options) (T, bool) {
	for i := len(o.data) - 1; i >= 0; i-- {
		if v, ok := o.data[i].(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// Slug is a short stable tag for the options the user set ("" when none):
// 8 hex digits of a hash, so figures drawn with other options get other
// file names.
func (o Options) Slug() string {
	if len(o.set) == 0 {
		return ""
	}
	h := fnv.New32a()
	for _, s := range o.set {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%08x", h.Sum32())
}

// ParamOr returns the named parameter, or def when it is not set.
func (o Options) ParamOr(name string, def ...float64) []float64 {
	if v, ok := o.Params[name]; ok && len(v) > 0 {
		return v
	}
	return def
}

// LogXOr reports whether the x-axis is logarithmic, def being the figure's default.
func (o Options) LogXOr(def bool) bool { return scaleOr(o.XScale, def) }

// LogYOr reports whether the y-axis is logarithmic, def being the figure's default.
func (o Options) LogYOr(def bool) bool { return scaleOr(o.YScale, def) }

func scaleOr(s Scale, def bool) bool {
	switch s {
	case ScaleLog:
		return true
	case ScaleLinear:
		return false
	}
	return def
}

// SizeOr returns the canvas size, the figure's default where the user set none.
func (o Options) SizeOr(w, h vg.Length) (vg.Length, vg.Length) {
	if o.Width > 0 {
		w = o.Width
	}
	if o.Height > 0 {
		h = o.Height
	}
	return w, h
}

// TitleOr returns the overall title, def where the user set none.
func (o Options) TitleOr(def string) string {
	if o.Title != nil {
		return *o.Title
	}
	return def
}

// Select returns the names in want, in want's order, checking each is in
// all; with want empty it returns all. what names the kind ("metric") in
// the error.
func Select(what string, all, want []string) ([]string, error) {
	if len(want) == 0 {
		return append([]string(nil), all...), nil
	}
	known := map[string]bool{}
	for _, a := range all {
		known[a] = true
	}
	for _, w := range want {
		if !known[w] {
			return nil, fmt.Errorf("plots: unknown %s %q (known: %s)", what, w, strings.Join(all, ", "))
		}
	}
	return append([]string(nil), want...), nil
}
