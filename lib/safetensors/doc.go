// Package safetensors reads and writes Hugging Face safetensors checkpoints:
// the one checkpoint reader of tokenscale (lib/llama, lib/clip, lib/vlm and
// lib/train all load and save through it).
//
// A safetensors file is an 8-byte little-endian header length N, a JSON
// header of N bytes mapping each tensor name to its dtype, shape and
// data_offsets (relative to the end of the header), an optional
// "__metadata__" map of strings, and then the raw little-endian tensor data.
// A sharded checkpoint adds model.safetensors.index.json, whose "weight_map"
// names the shard file of every tensor.
//
// Reading is lazy: Open parses and validates only the headers (every offset
// is checked against the file's real size, so truncated files and headers
// that lie are refused up front), and each tensor's bytes are read with
// pread straight into the memory of the GoMLX tensor that will hold it
// (a shared buffer on the pure-Go backend), converting F16/BF16/F32/F64 on
// the way when asked. Loading a model therefore holds one copy of the
// weights plus a small conversion buffer, never the whole file a second time.
//
// Writing (Write, WriteTensors) goes to a temporary file in the destination
// directory that is renamed over the destination only once it is complete
// and synced, so a crash never leaves a half-written checkpoint.
//
// The package implements no equation of the paper; it is the weight plumbing
// under §4.2 (the frozen Llama-2 and CLIP towers) and §4.4 (checkpoints).
package safetensors
