package simulator

import (
	"net/http"
	"unicode/utf8"
)

// TransactionType values.
const (
	typePayBill  = "CustomerPayBillOnline"
	typeBuyGoods = "CustomerBuyGoodsOnline"
)

const (
	// maxAccountReference is what the sandbox was seen to accept (15);
	// the documented limit is 12. Where the two disagree the simulator
	// follows what was seen, and our client keeps to 12.
	maxAccountReference = 15
	maxTransactionDesc  = 13
	msgAccepted         = "Success. Request accepted for processing"
)

// push is a validated STK push request.
type push struct {
	shortcode        Shortcode
	transactionType  string
	amount           int64
	partyB           string
	phone            string
	callBackURL      string
	accountReference string
	body             requestBody
}

type pushResponse struct {
	MerchantRequestID   string `json:"MerchantRequestID"`
	CheckoutRequestID   string `json:"CheckoutRequestID"`
	ResponseCode        string `json:"ResponseCode"`
	ResponseDescription string `json:"ResponseDescription"`
	CustomerMessage     string `json:"CustomerMessage"`
}

// apiRequest checks what every Daraja API call needs, in the gateway's
// order (method, bearer token, JSON body), and answers the first problem
// itself; ok is false when it did.
func (s *Simulator) apiRequest(w http.ResponseWriter, r *http.Request) (requestBody, bool) {
	if r.Method != http.MethodPost {
		writeDarajaError(w, errMethod)
		return nil, false
	}
	if !s.authorized(r) {
		writeDarajaError(w, errInvalidToken)
		return nil, false
	}
	b, derr := decodeBody(w, r)
	if derr != nil {
		writeDarajaError(w, derr)
		return nil, false
	}
	return b, true
}

// handlePush serves POST /mpesa/stkpush/v1/processrequest.
func (s *Simulator) handlePush(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiRequest(w, r)
	if !ok {
		return
	}
	p, derr := s.validatePush(b)
	if derr != nil {
		writeDarajaError(w, derr)
		return
	}
	rec, derr := s.accept(p)
	if derr != nil {
		writeDarajaError(w, derr)
		return
	}
	writeJSON(w, http.StatusOK, pushResponse{
		MerchantRequestID:   rec.MerchantRequestID,
		CheckoutRequestID:   rec.CheckoutRequestID,
		ResponseCode:        "0",
		ResponseDescription: msgAccepted,
		CustomerMessage:     msgAccepted,
	})
	// The outcome (and with Delay 0 its callback) follows the answer.
	_ = http.NewResponseController(w).Flush()
	s.mu.Lock()
	s.startLocked(rec)
	s.mu.Unlock()
}

// validatePush checks the fields in Daraja's order and returns the first
// error. A TransactionType or PartyB that does not fit the shortcode is not an
// error here: such a push is accepted and fails later with 2028.
func (s *Simulator) validatePush(b requestBody) (push, *darajaError) {
	sc, derr := s.checkMerchant(b)
	if derr != nil {
		return push{}, derr
	}
	p := push{shortcode: sc, body: b}
	var ok bool
	if p.transactionType, _ = b["TransactionType"].(string); p.transactionType != typePayBill && p.transactionType != typeBuyGoods {
		return push{}, invalid("TransactionType")
	}
	amount, _ := b.text("Amount")
	if p.amount, ok = parseAmount(amount); !ok {
		return push{}, invalid("Amount")
	}
	if partyA, _ := b.text("PartyA"); !isMSISDN(partyA) {
		return push{}, invalid("PartyA")
	}
	if p.partyB, ok = b.digits("PartyB", 5, 7); !ok {
		return push{}, invalid("PartyB")
	}
	if p.phone, _ = b.text("PhoneNumber"); !isMSISDN(p.phone) {
		return push{}, invalid("PhoneNumber")
	}
	if p.callBackURL, _ = b["CallBackURL"].(string); !validCallbackURL(p.callBackURL) {
		return push{}, invalid("CallBackURL")
	}
	p.accountReference, _ = b.text("AccountReference")
	if p.accountReference == "" || utf8.RuneCountInString(p.accountReference) > maxAccountReference {
		return push{}, invalid("AccountReference")
	}
	// TransactionDesc is reported as "Remarks".
	if desc, _ := b.text("TransactionDesc"); desc == "" || utf8.RuneCountInString(desc) > maxTransactionDesc {
		return push{}, invalid("Remarks")
	}
	return p, nil
}

// accept records a validated push as a pending transaction, unless chaos
// injects a spike arrest, the number's behaviour is OutcomeLocked, or the
// customer's phone already shows a live prompt.
func (s *Simulator) accept(p push) (*record, *darajaError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The gateway's rate limit comes before M-Pesa looks at the subscriber.
	spike, fate := s.chaos.push()
	if spike {
		s.log.Info("simulator: chaos spike arrest on push", "phone", p.phone, "shortcode", p.shortcode.Code)
		return nil, errSpikeArrest
	}
	behaviour, _, _ := s.behaviourLocked(p.phone)
	if behaviour.Outcome == OutcomeLocked {
		return nil, errLocked
	}
	if _, busy := s.live[p.phone]; busy {
		return nil, errLocked
	}
	now := s.now()
	id, ok := s.newCheckoutRequestIDLocked(p.phone, now)
	if !ok {
		return nil, errSpikeArrest
	}
	rec := &record{
		Transaction: Transaction{
			CheckoutRequestID: id,
			MerchantRequestID: s.newMerchantRequestIDLocked(),
			Request:           map[string]any(p.body),
			State:             StatePending,
			Phone:             p.phone,
			Amount:            p.amount,
			ShortCode:         p.shortcode.Code,
			AccountReference:  p.accountReference,
			MerchantName:      p.shortcode.Name,
			CallBackURL:       p.callBackURL,
			CreatedAt:         now,
			Behaviour:         behaviour,
		},
		fate:     fate,
		mismatch: p.transactionType != p.shortcode.transactionType() || p.partyB != p.shortcode.partyB(),
	}
	s.txs[id] = rec
	s.order = append(s.order, rec)
	s.live[p.phone] = rec
	s.log.Info("simulator: stk push accepted", "checkout_request_id", id, "phone", p.phone,
		"amount", p.amount, "shortcode", p.shortcode.Code)
	return rec, nil
}
