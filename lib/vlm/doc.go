// Package vlm assembles the paper's whole model (Figure 5; Section 4.2–4.3
// and Appendix C of "Weak Scaling Capability in Token Space"; docs/model.md):
//
//	image → CLIP vision tower (last layer) → new LayerNorm → local merge
//	(3×3 stride-2 conv + nearest residual) + new-line token → fusion module
//	(lib/fusion over lib/llama's blocks) → outputs at the placeholder and eos
//	positions → Linear(1024 → 4096, no bias) → scattered, in row-major
//	order, into the QED slots of the Llama-2 chat sequence → frozen Llama.
//
// It holds the configuration of every part (PaperConfig for the paper's
// sizes, ToyConfig for a model that trains in minutes on 2 CPU cores), the
// closed-form parameter count, the batch layout (MakeInputs: gather maps
// that place vision tokens in the fusion input and fused tokens in the LLM
// input, and the shifted targets of Eq. 20), the forward graph, generation
// (vision and fusion once, then lib/llama's KV-cache decoding), one
// checkpoint format (config.json + model.safetensors; the CLIP and Llama
// parts referenced by path or embedded), the chat-record JSONL reader, and
// the toy world: word ids (lib/tokenizer/wordtok), a Llama-2-like chat
// layout, random CLIP and Llama folders written by code and a generated
// data set.
//
// Where to look: config*.go and vision.go (configuration), model.go,
// forward.go, inputs.go (the graph and the batch layout), generate.go,
// answer.go, score.go (inference), checkpoint.go (the Model and its files),
// records.go (chat-record JSONL files), pixels.go (images as the vision
// tower's input), encode.go (the paper-size tokenizers), text.go (the
// stage-1 text positions), and toy*.go and layout.go (the toy world and the
// token layouts drawn by the figures).
//
// The vision side is lib/clip's: its vision tower (checked here against the
// shared golden checkpoint) and the paper's head after it (pos_layrnorm,
// clip.LocalMerge, clip.AppendNewLine), composed in the model's own store
// under /clip with Hugging Face's names and the authors' (pos_layrnorm,
// vision_embed_merge, token_LF), so lib/clip and this package read the
// same checkpoints; weights no checkpoint holds are created lazily.
package vlm
