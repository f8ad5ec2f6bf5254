package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tokenscale/tokenscale/lib/train"
)

// onInterrupt returns a channel closed at the first SIGINT or SIGTERM, so a
// long run (train, lab, branch measure) can finish or abandon its current
// step and leave a valid checkpoint; a second signal kills the process as
// usual. stop restores the default handling.
func onInterrupt() (done <-chan struct{}, stop func()) {
	c := make(chan os.Signal, 1)
	d := make(chan struct{})
	quit := make(chan struct{})
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-c:
			signal.Stop(c) // the next signal ends the process
			close(d)
		case <-quit:
		}
	}()
	return d, func() {
		signal.Stop(c)
		close(quit)
	}
}

// checkRunFolder refuses to start a new training run in an --out folder
// that already holds one (a checkpoint pointer or a log) unless overwrite
// is set, in which case the old checkpoints and log are removed first:
// a new run would otherwise overwrite ck/step-* and append a second
// history to log.jsonl.
func checkRunFolder(cmd, out, logPath string, overwrite bool) error {
	ck := filepath.Join(out, "ck")
	if logPath == "" {
		logPath = filepath.Join(out, "log.jsonl")
	}
	_, ckErr := os.Stat(filepath.Join(ck, train.LatestFile))
	_, logErr := os.Stat(logPath)
	if ckErr != nil && logErr != nil {
		return nil
	}
	if !overwrite {
		return usagef("%s: --out %s already holds a run (%s or %s); pass --resume to continue it or --overwrite to start over", cmd, out, filepath.Join(ck, train.LatestFile), logPath)
	}
	if err := os.RemoveAll(ck); err != nil {
		return fmt.Errorf("%s: --overwrite: %w", cmd, err)
	}
	if err := os.Remove(logPath); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("%s: --overwrite: %w", cmd, err)
	}
	return nil
}
