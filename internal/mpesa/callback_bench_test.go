package mpesa

import "testing"

// BenchmarkParseCallback is the reconciler's first step for every
// callback: Daraja's JSON to a Callback.
func BenchmarkParseCallback(b *testing.B) {
	for _, bc := range []struct{ name, body string }{
		{"Success", callbackSuccess},
		{"Failure", callbackFailure},
		{"OldFiveItems", callbackOldFive},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := []byte(bc.body)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := ParseCallback(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
