package webhooks

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchBody is about the size of an order.paid payload.
var benchBody = []byte(`{"id":"evt_01j00000000000000000000000","type":"order.paid","created_at":"2026-12-03T10:00:00Z",` +
	`"store_id":"sto_01j00000000000000000000000","data":{"order":{"id":"ord_01j00000000000000000000000","number":1001,` +
	`"status":"paid","total":300000,"currency":"KES","items":[{"product_id":"prd_01j00000000000000000000000",` +
	`"name":"Kikoi","unit_price":150000,"quantity":2,"line_total":300000}],"customer":{"name":"Otieno",` +
	`"phone":"254712***678"},"receipt":"QK7Y64F4W2","sequence":2},"payment":{"id":"pay_01j00000000000000000000000",` +
	`"status":"succeeded","amount":300000,"currency":"KES","receipt":"QK7Y64F4W2"}}}` + strings.Repeat(" ", 200))

// BenchmarkSignatureHeader is the signing of every delivery, with one
// secret and with two (during a rotation).
func BenchmarkSignatureHeader(b *testing.B) {
	s1, _ := NewSecret()
	s2, _ := NewSecret()
	ts := time.Unix(1_800_000_000, 0)
	for _, bc := range []struct {
		name    string
		secrets []string
	}{{"OneSecret", []string{s1}}, {"Rotating", []string{s1, s2}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchBody)))
			for b.Loop() {
				if _, err := SignatureHeader(bc.secrets, "evt_01j00000000000000000000000", ts, benchBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify is what a receiver does with each delivery.
func BenchmarkVerify(b *testing.B) {
	secret, _ := NewSecret()
	now := time.Now()
	sig, err := SignatureHeader([]string{secret}, "evt_1", now, benchBody)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set(headerID, "evt_1")
	h.Set(headerTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(headerSignature, sig)
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(secret, h, benchBody, now); err != nil {
			b.Fatal(err)
		}
	}
}
