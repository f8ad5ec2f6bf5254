// Package paperdata gives typed access to the numbers printed in "Weak
// Scaling Capability in Token Space" (arXiv 2412.18387 v1/v2): every
// Appendix D score of the paper's own model (3 input configurations × 10
// values of N × 26 metrics), the baseline models' Appendix D rows, and
// Table 1 (the fitted c and α of Eq. 21, Section 5.1) as printed.
//
// The numbers live as CSV in data/paper/ (see data/README.md for the source
// of each) and are embedded through package data, so nothing is read from
// disk at run time.
//
// Metrics are named as Table 1 names them: "<metric>@<benchmark>", e.g.
// "Overall@MME", "BLEU-1@COCO VAL", "Final Score@OCRBench". Metric carries the
// benchmark and the metric name separately as well.
//
// Baseline cells whose column could not be recovered from the extracted
// paper text are kept as unknown (Known false), never guessed; Ambiguous
// lists them with the printed values they came from.
package paperdata
