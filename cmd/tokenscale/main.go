// Command tokenscale is the command-line face of the tokenscale library: it
// reproduces the tables and figures of "Scaling Capability in Token Space:
// An Analysis of Large Vision Language Model" from the paper's own numbers,
// fits the paper's scaling law to the user's runs, and drives the models.
//
// Each subcommand lives in its own file and registers itself with register;
// run "tokenscale help" for the list.
//
// Exit status: 0 on success; 2 for a usage error — a bad flag, or bad
// content in a file the user gave (a config.json field out of range, a
// malformed CSV line or benchmark row); 1 for any other failure (a file
// that cannot be read, a run refused in its current state, a machine error).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/eval"
)

// command is one subcommand. run receives the arguments after the
// subcommand's name.
type command struct {
	name    string
	summary string
	run     func(env *cmdEnv, args []string) error
}

// cmdEnv carries the streams a command reads and writes, so tests can run
// commands in-process.
type cmdEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

var commands = map[string]*command{}

// openInput opens the file a flag names, or standard input for "-". It
// returns the reader, the name to use in error messages, and a close
// function (a no-op for standard input).
func (env *cmdEnv) openInput(path string) (io.Reader, string, func(), error) {
	if path == "-" {
		return env.stdin, "<stdin>", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, path, nil, err
	}
	return f, path, func() { f.Close() }, nil
}

// register adds a subcommand; called from init functions.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("tokenscale: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError marks bad input from the user: the message is printed and the
// process exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// newFlags returns a FlagSet for a subcommand whose -h/--help prints the
// summary and flags to env.stderr.
func newFlags(env *cmdEnv, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("tokenscale "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: tokenscale %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; -h returns errHelp (exit 0), other problems a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

var errHelp = errors.New("help shown")

// dispatch runs a nested subcommand ("llama forward", "branch estimate", ...).
func dispatch(env *cmdEnv, parent string, subs map[string]func(*cmdEnv, []string) error, args []string) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.stderr, "usage: tokenscale %s <%s> [flags]\n", parent, strings.Join(names, "|"))
		if len(args) == 0 {
			return usagef("tokenscale %s: missing subcommand", parent)
		}
		return errHelp
	}
	f, ok := subs[args[0]]
	if !ok {
		return usagef("tokenscale %s: unknown subcommand %q (want one of %s)", parent, args[0], strings.Join(names, ", "))
	}
	return f(env, args[1:])
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "tokenscale — the paper \"Scaling Capability in Token Space\" as a library and notebooks")
	fmt.Fprintln(w, "\nusage: tokenscale <command> [flags]   (tokenscale <command> --help for its flags)\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// run executes one command line and returns the process exit status.
func run(env *cmdEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "tokenscale: unknown command %q; run \"tokenscale help\"\n", args[0])
		return 2
	}
	err := c.run(env, args[1:])
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue), isInputError(err):
		fmt.Fprintln(env.stderr, "tokenscale:", err)
		return 2
	default:
		fmt.Fprintln(env.stderr, "tokenscale:", err)
		return 1
	}
}

// isInputError reports whether err is bad content in a file the user gave,
// which is a usage error (exit 2) like a bad flag: a config.json field out
// of range or inconsistent with its checkpoint, a folder of the wrong kind
// (lib/check marks these), a malformed row of a benchmark file (as a
// malformed CSV line, states or predictions file is).
func isInputError(err error) bool {
	var fe *eval.FormatError
	return check.IsInput(err) || errors.As(err, &fe)
}

func main() {
	os.Exit(run(&cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}
