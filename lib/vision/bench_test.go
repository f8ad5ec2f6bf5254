package vision

import "testing"

// BenchmarkProcess12MP: the whole pipeline (local and global views and the
// normalised tensor) for a 4000×3000 picture.
func BenchmarkProcess12MP(b *testing.B) {
	img := Scene(4000, 3000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := Process(img, DefaultHD)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Pixels()
	}
}
