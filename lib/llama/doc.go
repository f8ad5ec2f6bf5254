// Package llama is the Llama-2 decoder of tokenscale, in GoMLX: the frozen
// language model of the paper's architecture (§4.2, Figure 5 right) and the
// LLM whose final hidden states Section 3 maps to branch probabilities.
//
// It follows the Hugging Face LlamaForCausalLM semantics exactly: RMSNorm
// computed in float32 (w · x / sqrt(mean(x²) + ε)), rotate-half rotary
// embeddings with rope_theta, grouped-query attention when
// num_key_value_heads < num_attention_heads, the SwiGLU MLP
// down(silu(gate(x)) · up(x)), and a tied or untied LM head.
//
// Layers:
//   - Config reads config.json and refuses other architectures by name.
//   - Embed, Decoder and LMHead are plain graph functions over a
//     model.Scope. Decoder runs the decoder layers and the final norm over
//     input embeddings of any Config, with an arbitrary padding mask, custom
//     positions, an optional KV cache and per-layer outputs: the fusion
//     module (§4.2) is a small Llama-style decoder built on it.
//   - Model binds a Config, a model.Store holding the weights (loaded from a
//     Hugging Face folder through lib/safetensors, each tensor checked by
//     name, shape and dtype) and a backend, and offers batched Forward,
//     ForwardEmbeddings, HiddenStates, Generate / GenerateBatch /
//     GenerateFromEmbeddings (KV cache, greedy / temperature / top-k / top-p
//     sampling with a seed, stop tokens, streaming) and Freeze.
//
// The KV cache is a fixed-size buffer per layer written with a one-hot
// product and Where over an iota mask, so it runs on the pure-Go backend,
// which lacks DynamicUpdateSlice; GoMLX's own ml/zoo/transformer KV cache
// uses DynamicUpdateSlice, which is why the blocks are written here.
package llama
