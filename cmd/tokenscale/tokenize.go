package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"io"

	"github.com/tokenscale/tokenscale/lib/tokenizer/clipbpe"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

func init() {
	register(&command{
		name:    "tokenize",
		summary: "tokenise JSON strings from stdin with the Llama-2 or CLIP tokenizer (one id array per line)",
		run:     runTokenize,
	})
}

const tokenizeUsage = `tokenize --kind llama2|clip --tokenizer FILE [--decode] [--no-specials] [--placeholders N] < lines

Reads one JSON string per line on stdin and prints one JSON array of token ids
per line on stdout.

  --kind llama2  SentencePiece (tokenizer.model of a Llama-2 folder); the ids
                 are the plain encoding: no <s> (1) or </s> (2) is added.
  --kind clip    CLIP BPE (bpe_simple_vocab_16e6.txt.gz, or a Hugging Face
                 folder with vocab.json + merges.txt); the text is cleaned and
                 lower-cased as CLIP does, and the ids are wrapped in
                 <|startoftext|> (49406) … <|endoftext|> (49407), with no
                 truncation (--no-specials leaves the wrapping out).

With --decode it reads one JSON array of ids per line and prints one JSON
string per line instead.

example:
  echo '"Hello world"' | tokenscale tokenize --kind llama2 --tokenizer tokenizer.model
  [15043,3186]`

// lineTokenizer is one of the two tokenizers behind the command.
type lineTokenizer struct {
	encode func(string) []int
	decode func([]int) (string, error)
}

func runTokenize(env *cmdEnv, args []string) error {
	fs := newFlags(env, "tokenize", tokenizeUsage)
	kind := fs.String("kind", "", "tokenizer kind: llama2 or clip")
	path := fs.String("tokenizer", "", "tokenizer file (llama2: tokenizer.model; clip: bpe_simple_vocab_16e6.txt.gz or a Hugging Face folder)")
	decode := fs.Bool("decode", false, "read JSON arrays of ids and print the decoded JSON strings")
	noSpecials := fs.Bool("no-specials", false, "clip: do not wrap the ids in 49406 … 49407")
	placeholders := fs.Int("placeholders", 0, "clip: first add N tokens <|placeholder_qed_0|> … (the fusion module's query tokens, ids 49408 …)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("tokenize: unexpected argument %q (the text comes on stdin)", fs.Arg(0))
	}
	if *path == "" {
		return usagef("tokenize: --tokenizer FILE is required")
	}
	if err := checkFlags("tokenize", check.Int("--placeholders", *placeholders, 0, check.MaxTokens)); err != nil {
		return err
	}
	var tk lineTokenizer
	switch *kind {
	case "llama2":
		if *noSpecials || *placeholders > 0 {
			return usagef("tokenize: --no-specials and --placeholders apply to --kind clip only")
		}
		m, err := sentencepiece.Load(*path)
		if err != nil {
			return fmt.Errorf("tokenize: %w", err)
		}
		tk = lineTokenizer{encode: m.Encode, decode: m.Decode}
	case "clip":
		t, err := clipbpe.Load(*path)
		if err != nil {
			return fmt.Errorf("tokenize: %w", err)
		}
		t.AddTokens(clipbpe.PlaceholderTokens(*placeholders)...)
		tk = lineTokenizer{encode: t.EncodeWithSpecials, decode: t.Decode}
		if *noSpecials {
			tk.encode = t.Encode
		}
	case "":
		return usagef("tokenize: --kind is required (llama2 or clip)")
	default:
		return usagef("tokenize: --kind %q: want llama2 or clip", *kind)
	}
	return tokenizeLines(env.stdin, env.stdout, tk, *decode)
}

// tokenizeLines processes stdin line by line, flushing the output whenever
// the input has nothing more buffered (so it works interactively).
func tokenizeLines(in io.Reader, out io.Writer, tk lineTokenizer, decode bool) (err error) {
	br := bufio.NewReaderSize(in, 1<<16)
	bw := bufio.NewWriterSize(out, 1<<16)
	defer func() {
		if ferr := bw.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("tokenize: write: %w", ferr)
		}
	}()
	for n := 1; ; n++ {
		line, rerr := readLine(br, maxTokenizeLine)
		if errors.Is(rerr, errLineTooLong) {
			return usagef("tokenize: stdin line %d: %v (split the text)", n, rerr)
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("tokenize: read stdin line %d: %w", n, rerr)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 && errors.Is(rerr, io.EOF) {
			return nil
		}
		var res []byte
		if decode {
			var ids []int
			if err := json.Unmarshal(line, &ids); err != nil || ids == nil {
				return fmt.Errorf("tokenize: stdin line %d: want a JSON array of ids, got %s", n, quoteLine(line))
			}
			text, err := tk.decode(ids)
			if err != nil {
				return fmt.Errorf("tokenize: stdin line %d: %w", n, err)
			}
			res, _ = json.Marshal(text)
		} else {
			var text string
			if err := json.Unmarshal(line, &text); err != nil {
				return fmt.Errorf("tokenize: stdin line %d: want a JSON string, got %s", n, quoteLine(line))
			}
			ids := tk.encode(text)
			if ids == nil {
				ids = []int{}
			}
			res, _ = json.Marshal(ids)
		}
		bw.Write(res)
		bw.WriteByte('\n')
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("tokenize: write: %w", err)
			}
		}
	}
}

// quoteLine shows the start of a bad input line.
func quoteLine(line []byte) string {
	if len(line) > 60 {
		return fmt.Sprintf("%q…", line[:60])
	}
	return fmt.Sprintf("%q", line)
}
