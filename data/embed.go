// Package data embeds the paper's printed numbers, kept as tidy CSV files in
// data/paper/, so that every binary and notebook carries them without the
// repository on disk.
//
// Use lib/paperdata for typed access; this package only holds the bytes.
// data/README.md says where each number comes from.
package data

import "embed"

// Paper holds data/paper/*.csv (paths inside the FS are "paper/<name>.csv").
//
//go:embed paper/*.csv
var Paper embed.FS
