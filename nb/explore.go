package nb

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// Limits of an Explore panel: every setting is drawn in advance, so the
// product of the controls' choices is bounded (the cell's time and the
// notebook's size grow with it).
const (
	MaxExploreSettings = 120 // control combinations one Explore draws
	MaxSliderSteps     = 101 // positions of one Slider
)

// exploreFigure is Explore's only link to the figure registry: it builds
// figure id with opts exactly as Figure does, so a setting reached with the
// controls is the figure the same options give in a Figure call. Re-point
// this one function when the registry's entry point changes.
func exploreFigure(id string, opts ...plots.Option) (*plots.Figure, error) {
	return figures.Build(id, opts...)
}

// Choice is one position of a Control: the label shown, the figure options
// it sets (none: the figure's default) and those options as Go source, shown
// under the figure so that a reader can copy the call.
type Choice struct {
	Label   string
	Options []plots.Option
	Code    string // e.g. `plots.Param("g", 0.01)`; "" when Options is empty
}

// Control is one control of an Explore panel: a slider or a drop-down list
// over a few choices. Make one with Slider, Steps, Select or Choose.
type Control struct {
	Name    string
	Slider  bool // a range slider; a drop-down list otherwise
	Choices []Choice
	Initial int // index of the choice shown first (the default setting)
	err     error
}

// ExploreItem is an argument of Explore: a Control, Fixed options or a
// Beside table.
type ExploreItem interface{ exploreItem() }

func (Control) exploreItem() {}

type fixedItem struct {
	opts []plots.Option
	code []string
}

func (fixedItem) exploreItem() {}

// Fixed adds options that every setting of an Explore panel uses, e.g.
// nb.Fixed(plots.LogY(true)).
func Fixed(opts ...plots.Option) ExploreItem { return fixedItem{opts: opts} }

type besideItem struct {
	table func(opts ...plots.Option) (*Table, error)
}

func (besideItem) exploreItem() {}

// Beside shows, next to the figure, the table that table builds from the
// same options as the figure (e.g. nb.Table1Data, nb.TokenBudget); it
// changes with the controls.
func Beside(table func(opts ...plots.Option) (*Table, error)) ExploreItem {
	return besideItem{table: table}
}

// Slider is a slider over min, min+step, ..., max (at most MaxSliderSteps
// positions), each setting plots.Param(name, value). It starts at min; see
// StartAt.
func Slider(name string, min, max, step float64) Control {
	c := Control{Name: name, Slider: true}
	if math.IsNaN(min) || math.IsNaN(max) || math.IsNaN(step) || math.IsInf(min, 0) || math.IsInf(max, 0) || step <= 0 || max < min {
		c.err = fmt.Errorf("nb: Slider(%q, %g, %g, %g): want finite min <= max and step > 0", name, min, max, step)
		return c
	}
	n := int(math.Floor((max-min)/step+1e-9)) + 1
	if n > MaxSliderSteps {
		c.err = fmt.Errorf("nb: Slider(%q, %g, %g, %g): %d positions, at most %d: use a larger step", name, min, max, step, n, MaxSliderSteps)
		return c
	}
	values := make([]float64, n)
	for i := range values {
		// Round away the float error of min + i*step (0.15000000000000002).
		values[i], _ = strconv.ParseFloat(strconv.FormatFloat(min+float64(i)*step, 'g', 12, 64), 64)
	}
	return Steps(name, values...)
}

// Steps is a slider over the listed values (e.g. log-spaced ones), each
// setting plots.Param(name, value). It starts at the first; see StartAt.
func Steps(name string, values ...float64) Control {
	c := Control{Name: name, Slider: true}
	if len(values) == 0 || len(values) > MaxSliderSteps {
		c.err = fmt.Errorf("nb: Steps(%q): %d values, want 1 to %d", name, len(values), MaxSliderSteps)
		return c
	}
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			c.err = fmt.Errorf("nb: Steps(%q): value %g is not a finite number", name, v)
			return c
		}
		label := strconv.FormatFloat(v, 'g', -1, 64)
		c.Choices = append(c.Choices, Choice{Label: label, Options: []plots.Option{plots.Param(name, v)},
			Code: fmt.Sprintf("plots.Param(%q, %s)", name, label)})
	}
	return c
}

// Select is a drop-down list. What a choice sets depends on name:
//
//   - "metric" or "metrics": plots.Metrics(choice), "A+B" for two panels;
//   - "config", "configs", "model" or "models": plots.Configs(choice),
//     "VQQ+VQ-ft" for both (the figures of Section 3 choose models by
//     Configs);
//   - any other name: plots.Param(name, numbers...), the choice being
//     numbers separated by commas, spaces or "x" ("256", "1,8", "800x600").
//
// A choice "default", or one whose label ends in "(default)"
// ("none (default)", "9 (default)"), sets nothing: the figure's own default,
// so that the panel's first view is the figure Figure(id) draws and saves.
// The list starts at the first choice; see StartAt.
func Select(name string, choices ...string) Control {
	c := Control{Name: name}
	if len(choices) == 0 {
		c.err = fmt.Errorf("nb: Select(%q): no choices", name)
		return c
	}
	for _, label := range choices {
		ch, err := selectChoice(name, label)
		if err != nil {
			c.err = err
			return c
		}
		c.Choices = append(c.Choices, ch)
	}
	return c
}

func selectChoice(name, label string) (Choice, error) {
	v := strings.TrimSpace(label)
	ch := Choice{Label: v}
	if strings.EqualFold(v, "default") || strings.HasSuffix(v, "(default)") {
		return ch, nil
	}
	names := func() []string {
		parts := strings.Split(v, "+")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	quoted := func(parts []string) string {
		q := make([]string, len(parts))
		for i, p := range parts {
			q[i] = strconv.Quote(p)
		}
		return strings.Join(q, ", ")
	}
	switch strings.ToLower(name) {
	case "metric", "metrics":
		p := names()
		ch.Options, ch.Code = []plots.Option{plots.Metrics(p...)}, "plots.Metrics("+quoted(p)+")"
		return ch, nil
	case "config", "configs", "model", "models":
		p := names()
		ch.Options, ch.Code = []plots.Option{plots.Configs(p...)}, "plots.Configs("+quoted(p)+")"
		return ch, nil
	}
	fields := strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ',' || r == ' ' || r == 'x' || r == '×'
	})
	if len(fields) == 0 {
		return ch, fmt.Errorf("nb: Select(%q): empty choice %q", name, label)
	}
	nums := make([]float64, len(fields))
	for i, f := range fields {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return ch, fmt.Errorf("nb: Select(%q): choice %q: want numbers such as \"256\", \"1,8\" or \"800x600\", or \"default\"", name, label)
		}
		nums[i] = x
		fields[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	ch.Options = []plots.Option{plots.Param(name, nums...)}
	ch.Code = fmt.Sprintf("plots.Param(%q, %s)", name, strings.Join(fields, ", "))
	return ch, nil
}

// Choose is a drop-down list over choices made by hand, for options Select
// does not cover.
func Choose(name string, choices ...Choice) Control {
	c := Control{Name: name, Choices: choices}
	if len(choices) == 0 {
		c.err = fmt.Errorf("nb: Choose(%q): no choices", name)
	}
	return c
}

// StartAt makes the control start at the choice labelled label (for a
// slider, the value as Go prints it: "0.01").
func (c Control) StartAt(label string) Control {
	for i, ch := range c.Choices {
		if ch.Label == label {
			c.Initial = i
			return c
		}
	}
	if c.err == nil {
		labels := make([]string, len(c.Choices))
		for i, ch := range c.Choices {
			labels[i] = ch.Label
		}
		c.err = fmt.Errorf("nb: control %q: StartAt(%q): no such choice (choices: %s)", c.Name, label, strings.Join(labels, ", "))
	}
	return c
}

// Explore shows figure id with controls above it: moving a control swaps in
// the figure drawn with that control's options, and the Beside table (if
// any) beside it. Every combination of the controls' choices is drawn when
// the cell runs, by the same builder as Figure, and the page needs no kernel
// afterwards (see the package doc). The default setting (each control at its
// initial choice) is saved like Figure saves it, FigureDir()/<id>.png with
// default options and <id>-<hash>.png otherwise, and its path returned.
// On error the cell fails.
//
//	nb.Explore("fig2", nb.Steps("g", 0.001, 0.01, 0.1))
//	nb.Explore("fig8", nb.Select("metric", "MME", "POPE"), nb.Select("drop", "none (default)", "1"), nb.Beside(nb.Table1Data))
func Explore(id string, items ...ExploreItem) string {
	page, err := buildExplore(id, items)
	if err != nil {
		Fail(err)
		return ""
	}
	path, err := saveFigure(page.defaultID, "png", page.defaultPNG)
	if err != nil {
		Fail(err)
		return ""
	}
	if InKernel() {
		gonbui.DisplayHTML(page.html)
		flush()
	} else {
		fmt.Fprintf(textWriter(), "explorer %s: %d settings, %d distinct figures; default figure %s written to %s\n",
			id, page.settings, page.images, page.defaultID, path)
	}
	return path
}

// ExploreHTML returns the self-contained HTML that Explore shows (controls,
// every figure as an inline PNG, a short script), without showing or saving
// anything: e.g. to write a standalone page.
func ExploreHTML(id string, items ...ExploreItem) (string, error) {
	page, err := buildExplore(id, items)
	if err != nil {
		return "", err
	}
	return page.html, nil
}

type explorePage struct {
	html       string
	defaultID  string // file stem of the default setting's figure
	defaultPNG []byte
	settings   int // control combinations
	images     int // distinct figures among them
}

// exploreSetting returns, for setting number s (mixed radix over the
// controls, the first control most significant), each control's choice.
func exploreSetting(controls []Control, s int) []int {
	idx := make([]int, len(controls))
	for i := len(controls) - 1; i >= 0; i-- {
		n := len(controls[i].Choices)
		idx[i] = s % n
		s /= n
	}
	return idx
}

func buildExplore(id string, items []ExploreItem) (*explorePage, error) {
	var (
		controls []Control
		fixed    []plots.Option
		beside   func(...plots.Option) (*Table, error)
	)
	names := map[string]bool{}
	for _, it := range items {
		switch v := it.(type) {
		case Control:
			if v.err != nil {
				return nil, v.err
			}
			if len(v.Choices) == 0 {
				return nil, fmt.Errorf("nb: Explore(%q): control %q has no choices", id, v.Name)
			}
			if names[v.Name] {
				return nil, fmt.Errorf("nb: Explore(%q): two controls named %q", id, v.Name)
			}
			if v.Initial < 0 || v.Initial >= len(v.Choices) {
				return nil, fmt.Errorf("nb: Explore(%q): control %q starts at choice %d of %d", id, v.Name, v.Initial, len(v.Choices))
			}
			names[v.Name] = true
			controls = append(controls, v)
		case fixedItem:
			fixed = append(fixed, v.opts...)
		case besideItem:
			beside = v.table
		case nil:
		default:
			return nil, fmt.Errorf("nb: Explore(%q): unknown item %T", id, it)
		}
	}
	if len(controls) == 0 {
		return nil, fmt.Errorf("nb: Explore(%q): no controls (use nb.Slider, nb.Steps, nb.Select or nb.Choose)", id)
	}
	total := 1
	for _, c := range controls {
		total *= len(c.Choices)
		if total > MaxExploreSettings {
			return nil, fmt.Errorf("nb: Explore(%q): the controls make more than %d settings, each drawn in advance: offer fewer choices", id, MaxExploreSettings)
		}
	}
	def := 0
	for _, c := range controls {
		def = def*len(c.Choices) + c.Initial
	}

	type setting struct {
		Image int    `json:"i"`
		Side  int    `json:"s"`
		Code  string `json:"c"`
	}
	var (
		images   []string // base64 PNGs
		sides    []string // table HTML
		settings = make([]setting, total)
		seenImg  = map[[32]byte]int{}
		seenSide = map[string]int{}
		page     = &explorePage{settings: total}
	)
	for s := 0; s < total; s++ {
		opts := append([]plots.Option(nil), fixed...)
		var code []string
		for i, j := range exploreSetting(controls, s) {
			ch := controls[i].Choices[j]
			opts = append(opts, ch.Options...)
			if ch.Code != "" {
				code = append(code, ch.Code)
			}
		}
		f, err := exploreFigure(id, opts...)
		if err != nil {
			return nil, fmt.Errorf("nb: Explore(%q): setting %s: %w", id, describeSetting(controls, s), err)
		}
		png, err := f.Render("png")
		if err != nil {
			return nil, fmt.Errorf("nb: Explore(%q): render setting %s: %w", id, describeSetting(controls, s), err)
		}
		sum := sha256.Sum256(png)
		k, ok := seenImg[sum]
		if !ok {
			k = len(images)
			seenImg[sum] = k
			images = append(images, base64.StdEncoding.EncodeToString(png))
		}
		st := setting{Image: k, Side: -1, Code: fmt.Sprintf("nb.Figure(%q", id)}
		if len(fixed) > 0 {
			st.Code += ", …"
		}
		for _, c := range code {
			st.Code += ", " + c
		}
		st.Code += ")"
		if beside != nil {
			t, err := beside(opts...)
			if err != nil {
				return nil, fmt.Errorf("nb: Explore(%q): table for setting %s: %w", id, describeSetting(controls, s), err)
			}
			h := t.HTML()
			j, ok := seenSide[h]
			if !ok {
				j = len(sides)
				seenSide[h] = j
				sides = append(sides, h)
			}
			st.Side = j
		}
		settings[s] = st
		if s == def {
			page.defaultID, page.defaultPNG = f.ID, png
		}
	}
	page.images = len(images)

	uid := exploreUID(id)
	strides := make([]int, len(controls))
	labels := make([][]string, len(controls))
	stride := 1
	for i := len(controls) - 1; i >= 0; i-- {
		strides[i] = stride
		stride *= len(controls[i].Choices)
		for _, ch := range controls[i].Choices {
			labels[i] = append(labels[i], ch.Label)
		}
	}
	data, err := json.Marshal(map[string]any{
		"id": uid, "strides": strides, "labels": labels,
		"images": images, "sides": sides, "settings": settings,
	})
	if err != nil {
		return nil, fmt.Errorf("nb: Explore(%q): %w", id, err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<div class="tokenscale-explore" id="%s" data-figure="%s" data-ts-setting="%d">`, uid, html.EscapeString(id), def)
	b.WriteString(`<div class="ts-controls" style="display:flex;flex-wrap:wrap;gap:6px 24px;align-items:center;font-family:sans-serif;font-size:14px;margin:4px 0 8px">`)
	for i, c := range controls {
		fmt.Fprintf(&b, `<label style="display:flex;gap:6px;align-items:center"><b>%s</b>`, html.EscapeString(c.Name))
		if c.Slider {
			fmt.Fprintf(&b, `<input type="range" data-ts-ctl="%d" min="0" max="%d" step="1" value="%d" style="width:%dpx">`,
				i, len(c.Choices)-1, c.Initial, min(360, 60+24*len(c.Choices)))
			fmt.Fprintf(&b, `<output data-ts-out="%d" style="min-width:4em;font-family:monospace">%s</output>`, i, html.EscapeString(c.Choices[c.Initial].Label))
		} else {
			fmt.Fprintf(&b, `<select data-ts-ctl="%d">`, i)
			for j, ch := range c.Choices {
				sel := ""
				if j == c.Initial {
					sel = " selected"
				}
				fmt.Fprintf(&b, `<option value="%d"%s>%s</option>`, j, sel, html.EscapeString(ch.Label))
			}
			b.WriteString(`</select>`)
		}
		b.WriteString(`</label>`)
	}
	b.WriteString(`</div>`)
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">`)
	fmt.Fprintf(&b, `<img class="ts-figure" style="max-width:100%%;flex:0 1 auto" alt="%s" src="data:image/png;base64,%s">`,
		html.EscapeString(page.defaultID), images[settings[def].Image])
	if beside != nil {
		fmt.Fprintf(&b, `<div class="ts-side" style="flex:1 1 320px;overflow-x:auto">%s</div>`, sides[settings[def].Side])
	}
	b.WriteString(`</div>`)
	fmt.Fprintf(&b, `<div class="ts-code" style="font-family:monospace;font-size:12px;color:#555;margin-top:4px">%s</div>`, html.EscapeString(settings[def].Code))
	fmt.Fprintf(&b, "<script>(function(){var d=%s;%s})();</script></div>", data, exploreJS)
	page.html = b.String()
	return page, nil
}

// exploreJS switches the shown figure, table and code line when a control
// moves. It runs with d (the JSON data) in scope.
const exploreJS = `var root=document.getElementById(d.id);if(!root)return;` +
	`var img=root.querySelector("img.ts-figure"),side=root.querySelector(".ts-side"),code=root.querySelector(".ts-code");` +
	`var ctls=root.querySelectorAll("[data-ts-ctl]");` +
	`function redraw(){var k=0;for(var i=0;i<ctls.length;i++){var j=+ctls[i].value;k+=j*d.strides[i];` +
	`var o=root.querySelector('[data-ts-out="'+i+'"]');if(o)o.textContent=d.labels[i][j];}` +
	`var s=d.settings[k];img.src="data:image/png;base64,"+d.images[s.i];` +
	`if(side&&s.s>=0)side.innerHTML=d.sides[s.s];code.textContent=s.c;root.setAttribute("data-ts-setting",k);}` +
	`for(var i=0;i<ctls.length;i++){ctls[i].addEventListener("input",redraw);ctls[i].addEventListener("change",redraw);}` +
	`root.setAttribute("data-ts-ready","1");`

// describeSetting names setting s for error messages: "g=0.01, metric=MME".
func describeSetting(controls []Control, s int) string {
	var parts []string
	for i, j := range exploreSetting(controls, s) {
		parts = append(parts, controls[i].Name+"="+controls[i].Choices[j].Label)
	}
	return strings.Join(parts, ", ")
}

// exploreUID is a DOM id unique to one shown panel: two cells exploring the
// same figure, or a re-run cell, never share one.
func exploreUID(id string) string {
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	clean := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return c
		}
		return '-'
	}, id)
	return "ts-explore-" + clean + "-" + hex.EncodeToString(r[:])
}
