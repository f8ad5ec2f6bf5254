package vlm

import (
	"encoding/json"
	"fmt"
	"strings"
)

// foreignConfig returns an error naming the architecture when raw is the
// config.json of a Hugging Face folder (a Llama, a CLIP model, …) rather
// than a tokenscale model's: such a file has model_type or architectures,
// which a tokenscale config never has, and would otherwise fail with a
// confusing message about the fields it lacks (image_size 0, …).
func foreignConfig(raw []byte) error {
	var probe struct {
		ModelType     string   `json:"model_type"`
		Architectures []string `json:"architectures"`
	}
	if json.Unmarshal(raw, &probe) != nil || (probe.ModelType == "" && len(probe.Architectures) == 0) {
		return nil
	}
	what := "a Hugging Face checkpoint folder"
	switch {
	case strings.EqualFold(probe.ModelType, "llama") || strings.HasPrefix(strings.Join(probe.Architectures, ","), "Llama"):
		what = "a Llama checkpoint folder"
	case strings.HasPrefix(strings.ToLower(probe.ModelType), "clip") || strings.HasPrefix(strings.Join(probe.Architectures, ","), "CLIP"):
		what = "a CLIP checkpoint folder"
	}
	field := "model_type " + probe.ModelType
	if probe.ModelType == "" {
		field = "architectures " + strings.Join(probe.Architectures, ",")
	}
	return fmt.Errorf("this is %s, not a tokenscale model (config.json has %s); a tokenscale model's config.json has vision, fusion and llm sections (see \"tokenscale model params\")", what, field)
}
