package figures

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// Figures of notebook 30 ("the fusion model"): the token layout of the
// paper's Figure 6 and training curves in the style of its Figure 15
// (Section 4.3, App. C; spec §3.4–3.5, §4).
func init() {
	Register(Spec{
		ID:      "fig6",
		Paper:   "Figure 6",
		Caption: "Token layout: the fusion input [vision ‖ q₁ ‖ N−1 queries ‖ eos ‖ q₂ ‖ M−1 queries ‖ eos] and the LLM input with the fused tokens placed before each question",
		Options: `Param("N", 8) queries of the first question (M by the paper's rule); Param("vision", 5) vision tokens; Configs("vqq") or Configs("vq")`,
		Build:   buildFig6,
	})
	Register(Spec{
		ID:      "fig15",
		Paper:   "Figure 15",
		Caption: "Training loss and gradient norm against the step (runs set with SetTrainingRuns; by default a 30-step toy run)",
		Options: `runs from SetTrainingRuns; LogY`,
		Build:   buildFig15,
	})
}

// TrainingRun is one run's log for Figure 15.
type TrainingRun struct {
	Label string
	Log   []train.StepLog
}

var (
	runsMu    sync.Mutex
	runs      []TrainingRun
	toyRun    []TrainingRun
	toyRunErr error
	toyOnce   sync.Once
)

// SetTrainingRuns sets the runs Figure 15 draws (e.g. from train.ReadLog);
// with no arguments it restores the default toy run.
func SetTrainingRuns(rs ...TrainingRun) {
	runsMu.Lock()
	defer runsMu.Unlock()
	runs = append([]TrainingRun(nil), rs...)
}

// ToyTrainingRun trains the toy model of lib/vlm for steps steps with N
// queries in a temporary folder and returns its log.
func ToyTrainingRun(n, steps int) ([]train.StepLog, error) {
	dir, err := os.MkdirTemp("", "tokenscale-toyrun-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := vlm.ToyConfig(n)
	cfg.CLIPPath, cfg.LLMPath = filepath.Join(dir, "clip"), filepath.Join(dir, "llama")
	if err := vlm.WriteRandomCLIP(cfg.CLIPPath, cfg, 11); err != nil {
		return nil, err
	}
	if err := vlm.WriteRandomLlama(cfg.LLMPath, cfg.LLM, 12); err != nil {
		return nil, err
	}
	data, err := vlm.WriteToyDataset(filepath.Join(dir, "data"), 64, 13)
	if err != nil {
		return nil, err
	}
	recs, err := vlm.ReadRecords(data)
	if err != nil {
		return nil, err
	}
	var ex []vlm.Example
	for _, r := range recs {
		e, err := cfg.Encode(r)
		if err != nil {
			return nil, err
		}
		ex = append(ex, e)
	}
	m, err := vlm.New(cfg, 14)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	tr, err := train.NewTrainer(m, ex, train.Options{Stage: 2, Steps: steps, BatchSize: 8, Accum: 1, LR: 3e-3,
		WarmupRatio: 0.1, ClipNorm: 1, Train: vlm.Parts, Seed: 5, Pad: vlm.Shapes{Views: 1, T: 24, L: 32, F: 64}})
	if err != nil {
		return nil, err
	}
	if err := tr.Run(nil, "", "", 0); err != nil {
		return nil, err
	}
	return tr.Log, nil
}

func trainingRuns() ([]TrainingRun, error) {
	runsMu.Lock()
	rs := runs
	runsMu.Unlock()
	if len(rs) > 0 {
		return rs, nil
	}
	toyOnce.Do(func() {
		var l []train.StepLog
		l, toyRunErr = ToyTrainingRun(4, 30)
		toyRun = []TrainingRun{{Label: "toy model, N = 4", Log: l}}
	})
	return toyRun, toyRunErr
}

func buildFig15(o plots.Options) (*plots.Figure, error) {
	rs, err := trainingRuns()
	if err != nil {
		return nil, fmt.Errorf("plots: fig15: %w", err)
	}
	loss := plots.NewPlot("(a) loss (Eq. 20)", "step", "loss")
	gn := plots.NewPlot("(b) gradient norm (before clipping)", "step", "‖g‖")
	var legend []plots.LegendEntry
	for i, r := range rs {
		if len(r.Log) == 0 {
			return nil, fmt.Errorf("plots: fig15: run %q has no steps", r.Label)
		}
		var xl, xg plotter.XYs
		for _, s := range r.Log {
			xl = append(xl, plotter.XY{X: float64(s.Step), Y: s.Loss})
			xg = append(xg, plotter.XY{X: float64(s.Step), Y: math.Max(s.GradNorm, 1e-12)})
		}
		c := plots.SeriesColor(i)
		for _, pp := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{loss, xl}, {gn, xg}} {
			l, err := plotter.NewLine(pp.xys)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = c, vg.Points(1.6)
			pp.p.Add(l)
		}
		ln, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
		ln.Color, ln.Width = c, vg.Points(1.6)
		legend = append(legend, plots.LegendEntry{Label: r.Label, Thumbs: []plot.Thumbnailer{ln}})
	}
	if o.LogYOr(false) {
		plots.SetLogY125(loss)
		plots.SetLogY125(gn)
	}
	f := plots.GridOf("fig15", o.TitleOr("Training loss and gradient norm"), []*plot.Plot{loss, gn}, 2, 4.5*vg.Inch, 3.4*vg.Inch)
	f.Legend = legend
	return f, nil
}

// Colours of the token types in Figure 6.
var tokenColours = map[string]color.Color{
	"IMG": color.RGBA{R: 0x9e, G: 0xc5, B: 0xe8, A: 0xff}, "QUE": color.RGBA{R: 0xf2, G: 0xc1, B: 0x8d, A: 0xff},
	"QED": color.RGBA{R: 0x8f, G: 0xd1, B: 0xa8, A: 0xff}, "EOS": color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff},
	"FUSED": color.RGBA{R: 0x5a, G: 0xb0, B: 0x7a, A: 0xff}, "TXT": color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff},
	"ANS": color.RGBA{R: 0xe3, G: 0x8b, B: 0x8b, A: 0xff},
}

func buildFig6(o plots.Options) (*plots.Figure, error) {
	nv := o.ParamOr("N", 8)
	vv := o.ParamOr("vision", 5)
	if len(nv) != 1 || nv[0] < 1 || nv[0] > 64 || nv[0] != math.Trunc(nv[0]) {
		return nil, fmt.Errorf("plots: fig6: Param(\"N\") = %v, want one integer in [1, 64] (drawn token by token)", nv)
	}
	if len(vv) != 1 || vv[0] < 0 || vv[0] > 200 || vv[0] != math.Trunc(vv[0]) {
		return nil, fmt.Errorf("plots: fig6: Param(\"vision\") = %v, want one integer in [0, 200]", vv)
	}
	mode := fusion.VisionQuestionQueries
	if len(o.Configs) > 1 {
		return nil, fmt.Errorf("plots: fig6: one configuration at a time (vqq, vq or vq-ft)")
	}
	if len(o.Configs) == 1 {
		var err error
		if mode, err = fusion.ParseMode(o.Configs[0]); err != nil {
			return nil, fmt.Errorf("plots: fig6: %w", err)
		}
	}
	c := vlm.ToyConfig(int(nv[0]))
	tok := vlm.NewWordTokenizer(c.Words)
	qs, as := []string{"where is the square?", "what colour is it?"}, []string{"top left", "red"}
	s := fusion.Sample{VisionTokens: int(vv[0])}
	for _, q := range qs {
		s.Questions = append(s.Questions, tok.Encode(q))
	}
	seq, err := c.Layout().Build(s, mode)
	if err != nil {
		return nil, fmt.Errorf("plots: fig6: %w", err)
	}
	fl := make([]string, seq.Len())
	for i, t := range seq.Types {
		fl[i] = t.String()
	}
	ids, slot, target := vlm.ToyChat(tok, c.N, c.M, qs, as)
	ll := make([]string, len(ids))
	for i := range ids {
		switch {
		case slot[i]:
			ll[i] = "FUSED"
		case target[i]:
			ll[i] = "ANS"
		default:
			ll[i] = "TXT"
		}
	}
	p := plots.NewPlot(fmt.Sprintf("%s, N = %d, M = %d, two questions", mode, c.N, c.M), "token position", "")
	p.HideY()
	row := func(labels []string, y float64) error {
		for i, l := range labels {
			poly, err := plotter.NewPolygon(plotter.XYs{{X: float64(i), Y: y}, {X: float64(i + 1), Y: y}, {X: float64(i + 1), Y: y + 0.8}, {X: float64(i), Y: y + 0.8}})
			if err != nil {
				return err
			}
			poly.Color, poly.LineStyle.Color, poly.LineStyle.Width = tokenColours[l], color.White, vg.Points(0.8)
			p.Add(poly)
		}
		var pts []plotter.XY
		var text []string
		for _, r := range fusion.Runs(labels) {
			pts = append(pts, plotter.XY{X: float64(r.Start+r.End)/2 - 0.4, Y: y + 0.88})
			if n := r.End - r.Start; n > 1 {
				text = append(text, fmt.Sprintf("%s×%d", r.Label, n))
			} else {
				text = append(text, r.Label)
			}
		}
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: text})
		if err != nil {
			return err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font.Size = plots.TickSize * 0.8
			lab.TextStyle[i].Rotation = math.Pi / 5
		}
		p.Add(lab)
		return nil
	}
	if err := row(fl, 2); err != nil {
		return nil, err
	}
	if err := row(ll, 0); err != nil {
		return nil, err
	}
	names, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: 0, Y: 3.5}, {X: 0, Y: 1.5}},
		Labels: []string{"fusion input", "LLM input (Llama-2 chat)"}})
	if err != nil {
		return nil, err
	}
	p.Add(names)
	p.X.Min, p.Y.Min, p.Y.Max = -0.5, -0.3, 4.2
	p.X.Max = float64(max(len(fl), len(ll))) + 1
	return plots.Single("fig6", p, 11*vg.Inch, 4*vg.Inch), nil
}
