// Package labtask is the scaling lab's toy world: a synthetic visual
// question-answering task drawn by code (scenes of coloured shapes on a
// grid, local and global questions with one-word answers, Render to pixels)
// and the lab's word ids (lib/tokenizer/wordtok). It links no GoMLX, so benchmark generators
// (lib/eval/benchgen) and figures (the lab-task figure) use it without the
// model code of lib/lab, which trains the paper's model (Section 4) on it.
package labtask
