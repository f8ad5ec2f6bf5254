package nb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// exploreData is the JSON an Explore panel carries for its script.
type exploreData struct {
	ID       string     `json:"id"`
	Strides  []int      `json:"strides"`
	Labels   [][]string `json:"labels"`
	Images   []string   `json:"images"`
	Sides    []string   `json:"sides"`
	Settings []struct {
		Image int    `json:"i"`
		Side  int    `json:"s"`
		Code  string `json:"c"`
	} `json:"settings"`
}

func parseExplore(t *testing.T, page string) exploreData {
	t.Helper()
	start := strings.Index(page, "var d=")
	end := strings.Index(page, ";var root=")
	if start < 0 || end < start {
		t.Fatalf("no data in the explorer's script:\n%.300s", page)
	}
	var d exploreData
	if err := json.Unmarshal([]byte(page[start+len("var d="):end]), &d); err != nil {
		t.Fatalf("explorer data: %v", err)
	}
	return d
}

func renderPNG(t *testing.T, id string, opts ...plots.Option) []byte {
	t.Helper()
	f, err := figures.Build(id, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Render("png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A setting reached with the controls must be, byte for byte, the figure
// the same options give when passed directly.
func TestExploreSettingEqualsOption(t *testing.T) {
	page, err := ExploreHTML("fig2", Steps("g", 0.001, 0.1, 0.5), Select("nmax", "default", "100"))
	if err != nil {
		t.Fatal(err)
	}
	d := parseExplore(t, page)
	if len(d.Settings) != 6 || len(d.Strides) != 2 || d.Strides[0] != 2 || d.Strides[1] != 1 {
		t.Fatalf("settings %d, strides %v; want 6 settings, strides [2 1]", len(d.Settings), d.Strides)
	}
	for gi, g := range []float64{0.001, 0.1, 0.5} {
		for ni, nmax := range [][]plots.Option{nil, {plots.Param("nmax", 100)}} {
			k := gi*d.Strides[0] + ni*d.Strides[1]
			got, err := base64.StdEncoding.DecodeString(d.Images[d.Settings[k].Image])
			if err != nil {
				t.Fatal(err)
			}
			want := renderPNG(t, "fig2", append([]plots.Option{plots.Param("g", g)}, nmax...)...)
			if !bytes.Equal(got, want) {
				t.Errorf("setting g=%g nmax#%d: the panel's figure differs from nb.Figure with the same options", g, ni)
			}
		}
	}
	if c := d.Settings[1*d.Strides[0]+1].Code; c != `nb.Figure("fig2", plots.Param("g", 0.1), plots.Param("nmax", 100))` {
		t.Errorf("code line %q", c)
	}
	if c := d.Settings[0].Code; c != `nb.Figure("fig2", plots.Param("g", 0.001))` {
		t.Errorf("code line of the default setting %q", c)
	}
	// Six settings, six different pictures: no two may share an image.
	if len(d.Images) != 6 {
		t.Errorf("%d distinct images, want 6", len(d.Images))
	}
	for _, want := range []string{`type="range"`, `<select data-ts-ctl="1">`, `<option value="1">100</option>`, d.ID} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// The default setting is saved as Figure saves it: a control at a
// "(default)" choice sets no option, so the file is <id>.png with the same
// bytes as nb.Figure(id) writes.
func TestExploreSavesDefaultLikeFigure(t *testing.T) {
	dir := withFigureDir(t)
	path := Explore("fig2", Select("nmax", "10000 (default)", "100"))
	if filepath.Base(path) != "fig2.png" {
		t.Fatalf("Explore saved %s, want fig2.png", path)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, renderPNG(t, "fig2")) {
		t.Error("Explore's default figure differs from nb.Figure(\"fig2\")")
	}
	// Starting elsewhere saves that setting, under the name Figure gives it.
	path = Explore("fig2", Select("nmax", "10000 (default)", "100").StartAt("100"))
	fig, err := figures.Build("fig2", plots.Param("nmax", 100))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, fig.ID+".png"); path != want {
		t.Errorf("Explore started at nmax=100 saved %s, want %s", path, want)
	}
}

func TestExploreBesideTable(t *testing.T) {
	page, err := ExploreHTML("fig8", Select("metric", "MME"), Select("drop", "none (default)", "1"), Beside(Table1Data))
	if err != nil {
		t.Fatal(err)
	}
	d := parseExplore(t, page)
	if len(d.Sides) != 2 {
		t.Fatalf("%d distinct tables, want 2 (with and without N = 1)", len(d.Sides))
	}
	for k, opts := range [][]plots.Option{
		{plots.Metrics("MME")},
		{plots.Metrics("MME"), plots.Param("drop", 1)},
	} {
		want, err := Table1Data(opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Sides[d.Settings[k].Side]; got != want.HTML() {
			t.Errorf("setting %d: table beside the figure is not Table1Data of the same options", k)
		}
	}
	if !strings.Contains(page, `class="ts-side"`) {
		t.Error("no side panel in the page")
	}
}

func TestExploreErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		id    string
		items []ExploreItem
		want  string
	}{
		{"no controls", "fig2", nil, "no controls"},
		{"unknown figure", "nope", []ExploreItem{Steps("g", 0.1)}, "unknown figure"},
		{"bad slider", "fig2", []ExploreItem{Slider("g", 1, 0, 0.1)}, "min <= max"},
		{"zero step", "fig2", []ExploreItem{Slider("g", 0, 1, 0)}, "step > 0"},
		{"too many steps", "fig2", []ExploreItem{Slider("g", 0, 1, 0.001)}, "at most 101"},
		{"too many settings", "fig2", []ExploreItem{Slider("g", 0, 1, 0.01), Select("nmax", "10", "20")}, "more than 120 settings"},
		{"bad number", "fig2", []ExploreItem{Select("nmax", "lots")}, `choice "lots"`},
		{"no choices", "fig2", []ExploreItem{Select("nmax")}, "no choices"},
		{"unknown start", "fig2", []ExploreItem{Steps("g", 0.1, 0.2).StartAt("0.3")}, "no such choice"},
		{"duplicate", "fig2", []ExploreItem{Steps("g", 0.1), Steps("g", 0.2)}, "two controls"},
		{"builder error", "fig2", []ExploreItem{Steps("g", 0.5, 2)}, "g=2"},
		{"table error", "vision-views", []ExploreItem{Select("hd", "0"), Beside(TokenBudget)}, "hd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ExploreHTML(tc.id, tc.items...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSliderValues(t *testing.T) {
	c := Slider("g", 0, 1, 0.05)
	if c.err != nil || len(c.Choices) != 21 {
		t.Fatalf("Slider(g, 0, 1, 0.05): %d choices, err %v; want 21", len(c.Choices), c.err)
	}
	for i, want := range map[int]string{0: "0", 3: "0.15", 7: "0.35", 20: "1"} {
		if got := c.Choices[i].Label; got != want {
			t.Errorf("choice %d = %s, want %s", i, got, want)
		}
	}
	if c.Choices[3].Code != `plots.Param("g", 0.15)` {
		t.Errorf("code %q", c.Choices[3].Code)
	}
	s := Select("size", "800x600 (default)", "1920×1080", "400, 2000")
	if s.err != nil {
		t.Fatal(s.err)
	}
	for i, want := range []string{"", `plots.Param("size", 1920, 1080)`, `plots.Param("size", 400, 2000)`} {
		if s.Choices[i].Code != want {
			t.Errorf("Select size choice %d code %q, want %q", i, s.Choices[i].Code, want)
		}
	}
	if m := Select("configs", "VQQ+VQ-ft"); m.Choices[0].Code != `plots.Configs("VQQ", "VQ-ft")` {
		t.Errorf("configs code %q", m.Choices[0].Code)
	}
	if m := Select("model", "toy ρ=0.3"); m.Choices[0].Code != `plots.Configs("toy ρ=0.3")` {
		t.Errorf("model code %q", m.Choices[0].Code)
	}
}

func TestTokenBudget(t *testing.T) {
	tb, err := TokenBudget(plots.Param("N", 256, 4), plots.Param("M", 8))
	if err != nil {
		t.Fatal(err)
	}
	// 800×600 under HD-9: 3×3 crops + global = 10 views, 145 tokens each
	// (paper App. C); N + (k−1)M with M = N when N < M.
	if !strings.Contains(tb.Caption, "10 views, 1450 vision tokens") {
		t.Errorf("caption %q", tb.Caption)
	}
	want := [][]string{{"256", "8", "256", "264", "272", "288", "328"}, {"4", "4", "4", "8", "12", "20", "40"}}
	for i, row := range want {
		if strings.Join(tb.Rows[i], " ") != strings.Join(row, " ") {
			t.Errorf("row %d = %v, want %v", i, tb.Rows[i], row)
		}
	}
	tb, err = TokenBudget(plots.Param("size", 400, 2000), plots.Param("hd", 1))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.Caption, "1×1 local crops + 1 global view = 2 views, 290 vision tokens") {
		t.Errorf("HD-1 caption %q", tb.Caption)
	}
	for _, bad := range [][]plots.Option{
		{plots.Param("size", 0, 10)}, {plots.Param("hd", 0)}, {plots.Param("M", 0.5)}, {plots.Param("N", -1)},
	} {
		if _, err := TokenBudget(bad...); err == nil {
			t.Errorf("TokenBudget accepted bad options %v", plots.NewOptions(bad...).Params)
		}
	}
}
