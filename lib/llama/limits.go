package llama

import (
	"fmt"
	"math"

	"github.com/tokenscale/tokenscale/lib/check"
)

// positionLimit is the longest sequence the model runs:
// max_position_embeddings, or check.MaxPositions when the configuration
// does not set it (a decoder built in code).
func (c *Config) positionLimit() int {
	if c.MaxPositions > 0 {
		return c.MaxPositions
	}
	return check.MaxPositions
}

// CheckLength returns an error naming max_position_embeddings when a
// sequence of n positions is longer than the model allows (RoPE itself has
// no limit, but the model was trained up to it and the memory of attention
// grows with n²).
func (c *Config) CheckLength(n int) error {
	if lim := c.positionLimit(); n > lim {
		return fmt.Errorf("a sequence of %d tokens is longer than max_position_embeddings %d", n, lim)
	}
	return nil
}

// checkGenerateOptions refuses options that cannot mean anything (NaN or
// infinite temperature or top-p, negative counts) and bounds MaxNewTokens
// so that the prompt (n positions) plus the new tokens fit in
// max_position_embeddings: the KV cache is allocated for that many slots.
func (c *Config) checkGenerateOptions(opts *GenerateOptions, n int) error {
	if opts.MaxNewTokens == 0 {
		opts.MaxNewTokens = 128
	}
	if err := check.First(
		check.Int("max new tokens", opts.MaxNewTokens, 1, math.MaxInt),
		check.Float("temperature", opts.Temperature, 0, math.MaxFloat64),
		check.Int("top-k", opts.TopK, 0, math.MaxInt),
		check.Float("top-p", opts.TopP, 0, 1),
	); err != nil {
		return err
	}
	lim := c.positionLimit()
	if n >= lim {
		return fmt.Errorf("the prompt of %d tokens leaves no room to generate within max_position_embeddings %d", n, lim)
	}
	opts.MaxNewTokens = min(opts.MaxNewTokens, lim-n)
	return nil
}
