package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/figures"
)

func init() {
	register(&command{
		name:    "figures",
		summary: "draw the paper's figures (the same ones the notebooks show) to PNG or SVG files, without Jupyter",
		run:     runFigures,
	})
}

func runFigures(env *cmdEnv, args []string) error {
	fs := newFlags(env, "figures", `figures [--out DIR] [--format png|svg] [--list] [ID ...]

Draws every registered figure (or the ones named by id, e.g. fig2 fig8) with
the paper's options to DIR/<id>.<format>. --list prints the ids, what each
shows and the options nb.Figure accepts for it.`)
	out := fs.String("out", filepath.Join("out", "figures"), "output directory")
	format := fs.String("format", "png", "output format: png or svg")
	list := fs.Bool("list", false, "list the figures and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *list {
		for _, s := range figures.Specs() {
			fmt.Fprintf(env.stdout, "%-10s %-12s %s\n", s.ID, s.Paper, s.Caption)
			if s.Options != "" {
				fmt.Fprintf(env.stdout, "%-23s options: %s\n", "", s.Options)
			}
		}
		return nil
	}
	if *format != "png" && *format != "svg" {
		return usagef("figures: --format %q: want png or svg", *format)
	}
	ids := fs.Args()
	if len(ids) == 0 {
		ids = figures.IDs()
	}
	for _, id := range ids {
		if _, ok := figures.Lookup(id); !ok {
			return usagef("figures: unknown figure %q (known: %s)", id, strings.Join(figures.IDs(), ", "))
		}
	}
	// Draw every figure even when one fails, then report the failures.
	var failed []string
	for _, id := range ids {
		f, err := figures.Build(id)
		if err == nil {
			path := filepath.Join(*out, f.ID+"."+*format)
			if err = f.WriteFile(path); err == nil {
				fmt.Fprintln(env.stdout, path)
				continue
			}
		}
		fmt.Fprintf(env.stderr, "tokenscale figures: %s: %v\n", id, err)
		failed = append(failed, id)
	}
	if len(failed) > 0 {
		return fmt.Errorf("figures: %d of %d figures failed: %s", len(failed), len(ids), strings.Join(failed, ", "))
	}
	return nil
}
