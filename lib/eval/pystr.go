package eval

import "github.com/tokenscale/tokenscale/lib/internal/pytext"

// VLMEvalKit is Python: its scorers lower-case with str.lower, trim with
// str.strip and split words with str.split (package pytext).
var (
	pyLower  = pytext.Lower
	pyStrip  = pytext.Strip
	pyFields = pytext.Fields
)
