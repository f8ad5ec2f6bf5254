// Package analysis turns the paper's printed numbers (lib/paperdata) into the
// data behind its tables and figures, ready for a plot or table helper; it
// draws nothing itself. Functions that take a metric list use Table 1's 18
// metrics when it is nil (paperdata.Metrics() gives all 26).
//
//   - Table1 and FitCurve: the Eq. 21–22 fit per metric and
//     configuration (Section 5.1, Table 1, Figures 8 and 9).
//   - Differences and DiffPanels: ΔP = P_a − P_b per metric and N, grouped
//     into four panels by scale and sign (Section 5.2, Figures 11 and 12:
//     VQQ − VQ(ft) and VQQ − VQ).
//   - MinMax, NormalizedCurves, KMeans and ClusterCurves: per-metric min–max
//     normalisation over N and K-means (k = 4) of the normalised curves
//     (Appendix E, Figures 16 and 17), deterministic: k-means++ seeding from
//     a seed, several restarts, the lowest inertia kept.
//   - CompareBaselines: the paper's model across N against baseline models
//     per metric (Figure 13).
package analysis
