package vision

import "testing"

// The worked examples of docs/model.md#hd-9-views plus hand-computed resize sizes:
// resized = (336·scale, int(336·scale/ratio)) in the transposed frame.
func TestHDLayoutWorkedExamples(t *testing.T) {
	for _, tc := range []struct {
		w, h          int
		views, tokens int
		rows, cols    int
		resW, resH    int
		padW, padH    int
		transposed    bool
	}{
		{800, 600, 10, 1450, 3, 3, 1008, 756, 1008, 1008, false},
		{640, 480, 10, 1450, 3, 3, 1008, 756, 1008, 1008, false},
		{500, 500, 10, 1450, 3, 3, 1008, 1008, 1008, 1008, false},
		{1000, 1000, 10, 1450, 3, 3, 1008, 1008, 1008, 1008, false},
		{100, 100, 10, 1450, 3, 3, 1008, 1008, 1008, 1008, false},
		{1920, 1080, 7, 1015, 2, 3, 1008, 567, 1008, 672, false},
		{500, 1500, 9, 1305, 4, 2, 448, 1344, 672, 1344, true},
		// ratio 20: scale 9 (9·ceil(9/20) = 9), height int(3024/20) = 151.
		{2000, 100, 10, 1450, 1, 9, 3024, 151, 3024, 336, false},
	} {
		l, err := HDLayout(tc.w, tc.h, 9)
		if err != nil {
			t.Fatalf("%d×%d: %v", tc.w, tc.h, err)
		}
		if l.Views() != tc.views || l.Tokens() != tc.tokens || l.Rows != tc.rows || l.Cols != tc.cols ||
			l.ResizedW != tc.resW || l.ResizedH != tc.resH || l.PaddedW != tc.padW || l.PaddedH != tc.padH || l.Transposed != tc.transposed {
			t.Errorf("%d×%d: got views %d tokens %d grid %d×%d resized %d×%d padded %d×%d transposed %v; want %d %d %d×%d %d×%d %d×%d %v",
				tc.w, tc.h, l.Views(), l.Tokens(), l.Rows, l.Cols, l.ResizedW, l.ResizedH, l.PaddedW, l.PaddedH, l.Transposed,
				tc.views, tc.tokens, tc.rows, tc.cols, tc.resW, tc.resH, tc.padW, tc.padH, tc.transposed)
		}
		// The authors' token formula from the padded size.
		if want := ((l.PaddedH/336)*(l.PaddedW/336) + 1) * 145; l.Tokens() != want {
			t.Errorf("%d×%d: tokens %d, calc_hd_num_image_tokens_by_size gives %d", tc.w, tc.h, l.Tokens(), want)
		}
	}
}

// For any size, the grid never exceeds the budget and padding is centred.
func TestHDLayoutInvariants(t *testing.T) {
	for _, hd := range []int{1, 4, 9, 16} {
		for w := 1; w <= 4000; w += 97 {
			for h := 1; h <= 4000; h += 89 {
				l, err := HDLayout(w, h, hd)
				if err != nil {
					continue // extremely elongated
				}
				if l.Locals() > hd || l.Locals() < 1 {
					t.Fatalf("hd %d, %d×%d: %d local crops", hd, w, h, l.Locals())
				}
				short := min(l.ResizedW, l.ResizedH)
				padShort := min(l.PaddedW, l.PaddedH)
				if padShort%336 != 0 || padShort-short >= 336 || l.PadBefore != (padShort-short)/2 {
					t.Fatalf("hd %d, %d×%d: bad padding %+v", hd, w, h, l)
				}
			}
		}
	}
}

func TestHDLayoutErrors(t *testing.T) {
	for _, tc := range []struct{ w, h, hd int }{{0, 10, 9}, {10, -1, 9}, {10, 10, 0}, {100000, 1, 9}} {
		if _, err := HDLayout(tc.w, tc.h, tc.hd); err == nil {
			t.Errorf("HDLayout(%d, %d, %d): no error", tc.w, tc.h, tc.hd)
		}
	}
}

func TestGlobalSize(t *testing.T) {
	for _, tc := range []struct{ w, h, side, gw, gh int }{
		{800, 600, 336, 336, 252},
		{1920, 1080, 336, 336, 189},
		{500, 1500, 336, 112, 336},
		{300, 200, 300, 300, 200},
		{100, 100, 100, 100, 100},
		{1000, 1000, 1000, 1000, 1000}, // squares are kept as they are
	} {
		side, gw, gh, err := GlobalSize(tc.w, tc.h)
		if err != nil || side != tc.side || gw != tc.gw || gh != tc.gh {
			t.Errorf("GlobalSize(%d, %d) = %d, %d, %d, %v; want %d, %d, %d", tc.w, tc.h, side, gw, gh, err, tc.side, tc.gw, tc.gh)
		}
	}
	if _, _, _, err := GlobalSize(5000, 1); err == nil {
		t.Error("GlobalSize(5000, 1): no error for a zero-height global view")
	}
}
