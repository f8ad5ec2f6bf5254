package eval_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/eval"
)

func ExampleExtractChoice() {
	opts := map[string]string{"A": "red", "B": "blue whale", "C": "green"}
	fmt.Println(eval.ExtractChoice("The answer is (C).", opts))
	fmt.Println(eval.ExtractChoice("It is a blue whale", opts))
	fmt.Println(eval.ExtractChoice("A or C", opts))
	// Output:
	// C
	// B
	// Z
}

func ExampleVQAAccuracy() {
	answers := []string{"two", "2", "2", "two", "2", "2", "two", "3", "2", "2"}
	fmt.Printf("%.2f %.2f\n", eval.VQAAccuracy("Two.", answers), eval.VQAAccuracy("3", answers))
	// Output: 1.00 0.30
}

func ExampleScore() {
	b, _ := eval.Lookup("MME")
	m, _ := eval.Score(b, []eval.Prediction{
		{Index: "1", Category: "color", ImageKey: "a.jpg", Answer: "Yes", Prediction: "Yes, it is."},
		{Index: "2", Category: "color", ImageKey: "a.jpg", Answer: "No", Prediction: "No"},
		{Index: "3", Category: "color", ImageKey: "b.jpg", Answer: "Yes", Prediction: "No"},
		{Index: "4", Category: "color", ImageKey: "b.jpg", Answer: "No", Prediction: "No"},
	})
	// acc 3/4 = 75 plus acc+ 1/2 = 50 (image a.jpg fully right)
	fmt.Println(m["category:color"], m["Perception"], m["Overall"])
	// Output: 125 125 125
}
