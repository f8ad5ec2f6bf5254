package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

// MinMax returns (x − min)/(max − min) for every x (Appendix E's
// normalisation). A constant series maps to all zeros.
func MinMax(v []float64) []float64 {
	out := make([]float64, len(v))
	if len(v) == 0 {
		return out
	}
	lo, hi := minMax(v)
	if hi == lo {
		return out
	}
	for i, x := range v {
		out[i] = (x - lo) / (hi - lo)
	}
	return out
}

// NormCurve is one metric's scores over N and their min–max normalisation.
type NormCurve struct {
	Metric paperdata.Metric
	Config paperdata.Config
	// N ascending; Raw the printed scores; Norm = MinMax(Raw).
	N         []float64
	Raw, Norm []float64
}

// NormalizedCurves returns the normalised curve of every given metric for
// one configuration (nil metrics: the 18 of Table 1).
func NormalizedCurves(cfg paperdata.Config, metrics []paperdata.Metric) ([]NormCurve, error) {
	if metrics == nil {
		metrics = paperdata.Table1Metrics()
	}
	out := make([]NormCurve, 0, len(metrics))
	for _, m := range metrics {
		ns, ps, err := paperdata.Curve(cfg, m.ID)
		if err != nil {
			return nil, fmt.Errorf("analysis: %w", err)
		}
		out = append(out, NormCurve{Metric: m, Config: cfg, N: ns, Raw: ps, Norm: MinMax(ps)})
	}
	return out, nil
}

// KMeansOptions configures KMeans. Zero values take the defaults.
type KMeansOptions struct {
	K        int    // number of clusters (default 4, as in Appendix E)
	Restarts int    // independent k-means++ starts; the lowest inertia wins (default 100)
	MaxIter  int    // Lloyd iterations per start (default 300)
	Seed     uint64 // seeds every start; the same seed gives the same result
}

func (o KMeansOptions) withDefaults() KMeansOptions {
	if o.K == 0 {
		o.K = 4
	}
	if o.Restarts == 0 {
		// 20 starts miss the best VQQ partition for about half the seeds;
		// 100 find it for every seed tried (see TestClusterCurvesSeedFree).
		o.Restarts = 100
	}
	if o.MaxIter == 0 {
		o.MaxIter = 300
	}
	return o
}

// KMeansResult is a clustering of points. Clusters are numbered in order of
// their first member (the cluster of point 0 is 0, the next new cluster met
// is 1, ...), so equal partitions give equal labels whatever the start.
type KMeansResult struct {
	Labels    []int       // cluster of each point
	Centroids [][]float64 // mean of each cluster's points
	Inertia   float64     // sum of squared distances to the own centroid
}

// KMeans clusters points (all of one dimension) with Lloyd's algorithm from
// k-means++ seeds, keeping the best of opt.Restarts starts. It is fully
// deterministic for a given opt.Seed.
func KMeans(points [][]float64, opt KMeansOptions) (KMeansResult, error) {
	opt = opt.withDefaults()
	if opt.K < 1 || opt.K > len(points) {
		return KMeansResult{}, fmt.Errorf("analysis: k-means: k = %d with %d points", opt.K, len(points))
	}
	dim := len(points[0])
	for i, p := range points {
		if len(p) != dim {
			return KMeansResult{}, fmt.Errorf("analysis: k-means: point %d has dimension %d, want %d", i, len(p), dim)
		}
		for _, x := range p {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return KMeansResult{}, fmt.Errorf("analysis: k-means: point %d is not finite", i)
			}
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	var best KMeansResult
	best.Inertia = math.Inf(1)
	for range opt.Restarts {
		r := lloyd(points, seedPlusPlus(points, opt.K, rng), opt.MaxIter)
		if r.Inertia < best.Inertia-1e-12 {
			best = r
		}
	}
	return canonical(points, best, opt.K), nil
}

func sqDist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// seedPlusPlus picks k centres: the first uniformly, each next one with
// probability proportional to its squared distance to the nearest centre.
func seedPlusPlus(points [][]float64, k int, rng *rand.Rand) [][]float64 {
	centres := [][]float64{clone(points[rng.IntN(len(points))])}
	d := make([]float64, len(points))
	for len(centres) < k {
		var total float64
		for i, p := range points {
			d[i] = math.Inf(1)
			for _, c := range centres {
				d[i] = min(d[i], sqDist(p, c))
			}
			total += d[i]
		}
		next := 0
		if total > 0 {
			u := rng.Float64() * total
			for i := range d {
				u -= d[i]
				if u < 0 {
					next = i
					break
				}
				next = i
			}
		} else {
			next = rng.IntN(len(points))
		}
		centres = append(centres, clone(points[next]))
	}
	return centres
}

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

func lloyd(points [][]float64, centres [][]float64, maxIter int) KMeansResult {
	k := len(centres)
	labels := make([]int, len(points))
	for i := range labels {
		labels[i] = -1
	}
	for it := 0; it < maxIter; it++ {
		changed := false
		for i, p := range points {
			bestJ, bestD := 0, math.Inf(1)
			for j, c := range centres {
				if dd := sqDist(p, c); dd < bestD {
					bestJ, bestD = j, dd
				}
			}
			if labels[i] != bestJ {
				labels[i], changed = bestJ, true
			}
		}
		centres = means(points, labels, k)
		// An empty cluster takes the point farthest from its centre.
		for j := range centres {
			if centres[j] != nil {
				continue
			}
			far, farD := 0, -1.0
			for i, p := range points {
				if c := centres[labels[i]]; c != nil {
					if dd := sqDist(p, c); dd > farD {
						far, farD = i, dd
					}
				}
			}
			labels[far] = j
			centres = means(points, labels, k)
			changed = true
		}
		if !changed {
			break
		}
	}
	var inertia float64
	for i, p := range points {
		inertia += sqDist(p, centres[labels[i]])
	}
	return KMeansResult{Labels: labels, Centroids: centres, Inertia: inertia}
}

// means returns each cluster's mean, nil for an empty cluster.
func means(points [][]float64, labels []int, k int) [][]float64 {
	dim := len(points[0])
	sums := make([][]float64, k)
	counts := make([]int, k)
	for i, p := range points {
		j := labels[i]
		if sums[j] == nil {
			sums[j] = make([]float64, dim)
		}
		for d := range p {
			sums[j][d] += p[d]
		}
		counts[j]++
	}
	for j := range sums {
		for d := range sums[j] {
			sums[j][d] /= float64(counts[j])
		}
	}
	return sums
}

// canonical renumbers clusters in order of first appearance.
func canonical(points [][]float64, r KMeansResult, k int) KMeansResult {
	remap := make([]int, k)
	for j := range remap {
		remap[j] = -1
	}
	next := 0
	labels := make([]int, len(r.Labels))
	for i, l := range r.Labels {
		if remap[l] < 0 {
			remap[l] = next
			next++
		}
		labels[i] = remap[l]
	}
	return KMeansResult{Labels: labels, Centroids: means(points, labels, k), Inertia: r.Inertia}
}

// Cluster is one K-means cluster of normalised curves: one panel of
// Figure 16 (VQQ) or 17 (VQ-ft).
type Cluster struct {
	Index    int       // 0-based; panels (a), (b), … in this order
	N        []float64 // ascending, shared by every member
	Centroid []float64 // mean normalised curve
	Members  []NormCurve
}

// ClusterCurves normalises every given metric's curve for one configuration
// (nil metrics: the 18 of Table 1) and clusters them with KMeans (k = 4 by
// default). Clusters are ordered by their first member in metric order.
func ClusterCurves(cfg paperdata.Config, metrics []paperdata.Metric, opt KMeansOptions) ([]Cluster, error) {
	curves, err := NormalizedCurves(cfg, metrics)
	if err != nil {
		return nil, err
	}
	points := make([][]float64, len(curves))
	for i, c := range curves {
		points[i] = c.Norm
	}
	r, err := KMeans(points, opt)
	if err != nil {
		return nil, err
	}
	out := make([]Cluster, len(r.Centroids))
	for j := range out {
		out[j] = Cluster{Index: j, N: curves[0].N, Centroid: r.Centroids[j]}
	}
	for i, c := range curves {
		out[r.Labels[i]].Members = append(out[r.Labels[i]].Members, c)
	}
	return out, nil
}
