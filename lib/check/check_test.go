package check

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string // "" for no error
	}{
		{Int("--cell", 64, 16, 1024), ""},
		{Int("--cell", 100000, 16, 1024), "--cell 100000 is out of range [16, 1024]"},
		{IntWhy("--ids", 200, 1, 128, "max_position_embeddings"), "--ids 200 is out of range [1, 128] (max_position_embeddings)"},
		{Ints("--n", []int{1, 2, 100000000}, 1, MaxTokens), "--n 100000000 is out of range [1, 4096]"},
		{Float("--temperature", math.NaN(), 0, 100), "--temperature NaN is out of range [0, 100]"},
		{Float("--top-p", 0.5, 0, 1), ""},
		{Positive("--lr", math.Inf(1)), "--lr +Inf is not allowed (it must be a finite number > 0)"},
		{Positive("--lr", 0), "--lr 0 is not allowed (it must be a finite number > 0)"},
		{Finite("value", 1e-320), ""},
		{First(nil, Int("a", 1, 0, 2), Int("b", 5, 0, 2), Int("c", 9, 0, 2)), "b 5 is out of range [0, 2]"},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestIsInput(t *testing.T) {
	plain := errors.New("read config.json: permission denied")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", plain, false},
		{"wrapped plain", fmt.Errorf("llama: %w", plain), false},
		{"range", Int("num_hidden_layers", 0, 1, MaxLayers), true},
		{"wrapped range", fmt.Errorf("llama: config.json: %w", Int("num_hidden_layers", 0, 1, MaxLayers)), true},
		{"marked", Input(errors.New("hidden_size 64 is not a multiple of num_attention_heads 3")), true},
		{"marked then wrapped", fmt.Errorf("llama: load x: %w", Input(plain)), true},
	} {
		if got := IsInput(tc.err); got != tc.want {
			t.Errorf("%s: IsInput(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if Input(nil) != nil {
		t.Errorf("Input(nil) is not nil")
	}
	if err := Input(plain); err.Error() != plain.Error() || !errors.Is(err, plain) {
		t.Errorf("Input changes the message or hides the cause: %q", err)
	}
}
