package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Callback JSON. Values are json.RawMessage so the wire types are exactly
// Daraja's: ResultCode a number (or a string like "SFC_IC0003"), Amount a
// decimal with two places ("1.00"), TransactionDate and PhoneNumber numbers.
type (
	callbackEnvelope struct {
		Body callbackBodyJSON `json:"Body"`
	}
	callbackBodyJSON struct {
		StkCallback stkCallback `json:"stkCallback"`
	}
	stkCallback struct {
		MerchantRequestID string            `json:"MerchantRequestID"`
		CheckoutRequestID string            `json:"CheckoutRequestID"`
		ResultCode        json.RawMessage   `json:"ResultCode"`
		ResultDesc        string            `json:"ResultDesc"`
		CallbackMetadata  *callbackMetadata `json:"CallbackMetadata,omitempty"`
	}
	callbackMetadata struct {
		Item []callbackItem `json:"Item"`
	}
	callbackItem struct {
		Name  string          `json:"Name"`
		Value json.RawMessage `json:"Value,omitempty"`
	}
)

// callbackBody is the callback JSON of a resolved transaction.
func callbackBody(r *record, resolvedAt time.Time) []byte {
	cb := stkCallback{
		MerchantRequestID: r.MerchantRequestID,
		CheckoutRequestID: r.CheckoutRequestID,
		ResultCode:        resultCodeJSON(r.ResultCode),
		ResultDesc:        r.ResultDesc,
	}
	if r.State == StateSucceeded {
		amount := callbackItem{Name: "Amount", Value: json.RawMessage(fmt.Sprintf("%d.00", r.Amount))}
		receipt := callbackItem{Name: "MpesaReceiptNumber", Value: jsonString(r.Receipt)}
		date := callbackItem{Name: "TransactionDate", Value: json.RawMessage(resolvedAt.In(nairobi).Format("20060102150405"))}
		phone := callbackItem{Name: "PhoneNumber", Value: json.RawMessage(r.Phone)}
		items := []callbackItem{amount, receipt, date, phone}
		if r.Behaviour.Callback == CallbackLegacy {
			items = []callbackItem{amount, receipt, {Name: "Balance"}, date, phone}
		}
		cb.CallbackMetadata = &callbackMetadata{Item: items}
	}
	body, err := json.Marshal(callbackEnvelope{Body: callbackBodyJSON{StkCallback: cb}})
	if err != nil {
		panic("simulator: callback body: " + err.Error()) // only our own values go in
	}
	return body
}

// resultCodeJSON writes a numeric ResultCode as a JSON number, any other as a
// string.
func resultCodeJSON(code string) json.RawMessage {
	if isDigits(code, 1, 10) {
		return json.RawMessage(code)
	}
	return jsonString(code)
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// sendCallbacksLocked POSTs body to the transaction's CallBackURL n times in a
// row, from a goroutine Close waits for. The caller holds s.mu.
func (s *Simulator) sendCallbacksLocked(r *record, body []byte, n int) {
	if s.closed {
		return
	}
	url, shortcode := r.CallBackURL, r.ShortCode
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for range n {
			att := s.postCallback(url, shortcode, body)
			s.mu.Lock()
			r.Callbacks = append(r.Callbacks, att)
			s.mu.Unlock()
		}
	}()
}

// postCallback makes one callback POST; it is never retried, whatever the
// answer.
func (s *Simulator) postCallback(url, shortcode string, body []byte) CallbackAttempt {
	att := CallbackAttempt{At: s.now(), Body: body}
	log := s.log.With("url", url)
	if !s.cfg.AllowAnyCallbackHost {
		if err := checkLoopbackURL(url); err != nil {
			att.Error = err.Error()
			log.Warn("simulator: callback refused", "error", err)
			return att
		}
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		att.Error = err.Error()
		return att
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header["BusinessShortCode"] = []string{shortcode} // Daraja's spelling, not canonicalised
	resp, err := s.client.Do(req)
	if err != nil {
		att.Error = err.Error()
		log.Warn("simulator: callback failed", "error", err)
		return att
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	att.StatusCode = resp.StatusCode
	log.Info("simulator: callback sent", "status", resp.StatusCode)
	return att
}
