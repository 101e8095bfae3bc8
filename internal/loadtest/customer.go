package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// Outcome kinds of the customer mix, each bound to what the simulator's
// virtual customer does with that phone.
const (
	KindPaid         = "paid"         // a fresh phone: approves at once
	KindInsufficient = "insufficient" // 254700000001: ResultCode 1
	KindCancel       = "cancel"       // 254700000002: ResultCode 1032
	KindWrongPIN     = "wrong_pin"    // 254700000003: ResultCode 2001
	KindNoAnswer     = "no_answer"    // 254708374149: ResultCode 1037
)

var kindPhones = map[string]string{
	KindInsufficient: simulator.PhoneInsufficientFunds,
	KindCancel:       simulator.PhoneCancels,
	KindWrongPIN:     simulator.PhoneWrongPIN,
	KindNoAnswer:     simulator.PhoneNoAnswer,
}

// Mix is the share of each outcome kind among customers.
type Mix map[string]int

// DefaultMix is mostly successful payments with the common failures.
var DefaultMix = Mix{KindPaid: 90, KindInsufficient: 4, KindCancel: 3, KindWrongPIN: 3}

// ParseMix reads "paid=90,cancel=10".
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if _, known := kindPhones[k]; !ok || err != nil || n < 0 || (k != KindPaid && !known) {
			return nil, fmt.Errorf("loadtest: mix %q: want kind=weight with kinds %s", part, strings.Join(kinds(), ", "))
		}
		m[k] = n
	}
	if m.total() == 0 {
		return nil, fmt.Errorf("loadtest: mix %q has no weight", s)
	}
	return m, nil
}

func kinds() []string {
	ks := []string{KindPaid}
	for k := range kindPhones {
		ks = append(ks, k)
	}
	sort.Strings(ks[1:])
	return ks
}

func (m Mix) total() int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (m Mix) pick() string {
	n := rand.IntN(m.total())
	for _, k := range kinds() {
		if n < m[k] {
			return k
		}
		n -= m[k]
	}
	return KindPaid
}

// phoneSeq hands out paying customers' phones: each is new, so the
// simulator never finds a prompt already live on it.
var phoneSeq atomic.Int64

func phoneFor(kind string) string {
	if p, ok := kindPhones[kind]; ok {
		return p
	}
	return fmt.Sprintf("25472%07d", phoneSeq.Add(1)%10_000_000)
}

// placed is an order the harness made.
type placed struct {
	shop      *shop
	kind      string
	attemptID string
	token     string
	due       time.Time
}

type orderAnswer struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Token   string `json:"token"`
	Payment struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"payment"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// checkout is one customer: an order for one product of sh, then (when
// watch is set) the order page polled until it says paid or failed.
func (h *harness) checkout(ctx context.Context, r *phaseRun, due time.Time, sh *shop, hot, watch bool) {
	kind := h.o.Mix.pick()
	body, _ := json.Marshal(map[string]any{
		"items":    []map[string]any{{"product_id": sh.Products[rand.IntN(len(sh.Products))], "quantity": 1}},
		"phone":    phoneFor(kind),
		"customer": map[string]any{"name": "Wanjiru"},
	})
	var ans orderAnswer
	status, err := h.call(ctx, http.MethodPost, "/api/v1/storefront/"+sh.Slug+"/orders", body, nil, &ans)
	took := time.Since(due)
	switch {
	case err != nil:
		r.errs.inc("checkout: " + err.Error())
		return
	case status != http.StatusCreated:
		r.errs.inc(fmt.Sprintf("checkout: %d %s", status, ans.Error.Code))
		return
	}
	if hot {
		r.checkoutHot.add(took)
	} else {
		r.checkout.add(took)
	}
	r.mu.Lock()
	r.orders[ans.ID] = &placed{shop: sh, kind: kind, attemptID: ans.Payment.ID, token: ans.Token, due: due}
	r.mu.Unlock()
	switch {
	case !watch:
	case r.closed:
		h.watch(ctx, r, sh, ans.ID, ans.Token, due)
	default:
		// An open-loop customer's wait is not part of the arrivals.
		r.watchers.Add(1)
		go func() {
			defer r.watchers.Done()
			h.watch(ctx, r, sh, ans.ID, ans.Token, due)
		}()
	}
}

// watch polls the customer's view of an order, as the order page does
// (every PollEvery), until it is paid or its payment failed.
func (h *harness) watch(ctx context.Context, r *phaseRun, sh *shop, id, token string, due time.Time) {
	deadline := time.Now().Add(30 * time.Second)
	hdr := http.Header{"X-Order-Token": {token}}
	for time.Now().Before(deadline) {
		time.Sleep(h.o.PollEvery)
		var v orderAnswer
		status, err := h.call(ctx, http.MethodGet, "/api/v1/storefront/"+sh.Slug+"/orders/"+id, nil, hdr, &v)
		if err != nil || status != http.StatusOK {
			r.errs.inc(fmt.Sprintf("order page: %d %v", status, err))
			return
		}
		switch {
		case v.Status == "paid":
			r.seenPaid.add(time.Since(due))
			return
		case v.Payment.Status != "queued" && v.Payment.Status != "prompted":
			return // failed: the page shows why
		}
	}
	r.errs.inc("order page: never settled within 30s")
}

// callbackBody is a Daraja success callback for a CheckoutRequestID no
// attempt has: the gateway stores and acknowledges it exactly like a real
// one (it parses nothing before answering), and the worker quarantines it.
func callbackBody() []byte {
	id := "ws_CO_" + strconv.FormatInt(time.Now().UnixNano(), 10)
	return []byte(`{"Body":{"stkCallback":{"MerchantRequestID":"1-1-1","CheckoutRequestID":"` + id +
		`","ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[` +
		`{"Name":"Amount","Value":100.00},{"Name":"MpesaReceiptNumber","Value":"LOAD000000"},` +
		`{"Name":"TransactionDate","Value":20260101120000},{"Name":"PhoneNumber","Value":254712345678}]}}}}`)
}

// callback posts one top-up callback and times its acknowledgement.
func (h *harness) callback(ctx context.Context, r *phaseRun, due time.Time) {
	status, err := h.call(ctx, http.MethodPost, "/callbacks/stk/load"+randomHex(20), callbackBody(), nil, nil)
	switch {
	case err != nil:
		r.errs.inc("callback: " + err.Error())
	case status != http.StatusOK:
		r.errs.inc(fmt.Sprintf("callback: %d", status))
	default:
		r.callbackAck.add(time.Since(due))
	}
}

// call makes one JSON request to the stack and decodes the answer into
// out (when not nil).
func (h *harness) call(ctx context.Context, method, path string, body []byte, hdr http.Header, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.t.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := h.client.Do(req)
	if err != nil {
		return 0, errKind(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, errKind(err)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	return res.StatusCode, nil
}

// errKind names a transport error by its kind (timeout, refused, …), so
// errors count by kind rather than one line per address.
func errKind(err error) error {
	s := err.Error()
	for _, k := range []string{"timeout", "deadline", "refused", "reset", "EOF", "too many open files"} {
		if strings.Contains(s, k) {
			return fmt.Errorf("%s", k)
		}
	}
	return err
}
