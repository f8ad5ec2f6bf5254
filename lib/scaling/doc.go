// Package scaling fits the paper's scaling law of performance against the
// number of vision tokens (Section 5.1, Eq. 21–22):
//
//	P(N) = (c/N)^α,  fitted as  log P = β − α·log N,  c = exp(β/α),
//
// by minimising the mean squared error of Eq. 22 over the sampled points.
// FitOLS solves it in closed form; FitBFGS minimises the same objective with
// BFGS (gonum/optimize), as the paper did with SciPy; they agree to rounding.
//
// A Fit carries goodness of fit (R² and residuals in log space), predicts
// P(N) and answers the inverse question (how many tokens for score P), and
// BootstrapAlpha gives a seeded percentile confidence interval for α.
//
// c is badly conditioned: log c = β/α, so when |α| is small c can leave the
// float64 range (Table 1's RealWorldQA row, Vision Question Queries, has
// α ≈ −0.003, so c = exp(β/α) underflows by hundreds of orders of magnitude). Such fits are flagged Degenerate, with the reason in Note,
// and C = NaN rather than printed as 0 or +Inf; Predict and Inverse work from
// β and α and stay usable.
package scaling
