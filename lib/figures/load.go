package figures

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/results"
	"github.com/tokenscale/tokenscale/lib/train/trainlog"
)

// Load reads the data of source s from path and returns the Option that
// hands it to the figures of that source: LoadLab, LoadBranch,
// LoadTraining or LoadEval. FromPaper and FromLayout have no file.
func Load(s Source, path string) (plots.Option, error) {
	switch s {
	case FromLab:
		return LoadLab(path)
	case FromBranch:
		return LoadBranch(path)
	case FromTraining:
		return LoadTraining(path)
	case FromEval:
		return LoadEval(path)
	}
	return nil, fmt.Errorf("plots: %s figures read no file", s)
}

// LoadLab reads a sweep of the scaling lab: the CSV that `tokenscale lab`
// prints (labresult.ReadCSV), or a lab cache folder (labresult.ReadCache).
// The file's base name labels the figures.
func LoadLab(path string) (plots.Option, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("plots: lab results: %w", err)
	}
	var res *labresult.Result
	if st.IsDir() {
		res, err = labresult.ReadCache(path)
	} else {
		res, err = withFile(path, func(f *os.File) (*labresult.Result, error) { return labresult.ReadCSV(f, path) })
	}
	if err != nil {
		return nil, err
	}
	return Lab(res, filepath.Base(path)), nil
}

// LoadBranch reads Section-3 estimates written by branch.WriteCurves.
func LoadBranch(path string) (plots.Option, error) {
	cs, err := withFile(path, func(f *os.File) ([]branch.Curve, error) { return branch.ReadCurves(f, path) })
	if err != nil {
		return nil, err
	}
	return Branch(cs...), nil
}

// LoadTraining reads a JSONL training log (trainlog.Read), labelled by its
// file name.
func LoadTraining(path string) (plots.Option, error) {
	log, err := trainlog.Read(path)
	if err != nil {
		return nil, err
	}
	return Training(TrainingRun{Label: filepath.Base(path), Log: log}), nil
}

// LoadEval reads a tidy results CSV (config,N,benchmark,metric,value) such
// as `tokenscale eval sweep` writes, labelled by its file name.
func LoadEval(path string) (plots.Option, error) {
	rows, err := withFile(path, func(f *os.File) ([]results.Row, error) { return results.ReadAll(f, filepath.Base(path)) })
	if err != nil {
		return nil, err
	}
	return Eval(filepath.Base(path), rows), nil
}

func withFile[T any](path string, read func(*os.File) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("plots: %w", err)
	}
	defer f.Close()
	return read(f)
}
