package simulator

import (
	"net/http"
	"time"
)

type phonePage struct {
	Phone     string
	Behaviour string
	Refresh   bool // false while a prompt waits for a human, so typing is not lost
	IndexURL  string
	PageURL   string
	Prompts   []promptView
	Legend    []legendEntry
	WrongPIN  string
}

type promptView struct {
	CheckoutRequestID string
	Amount            string
	Merchant          string
	AccountReference  string
	State             State
	StateLabel        string
	Receipt           string
	At                string
	Waiting           bool
	AnswerURL         string
}

// handlePhonePage serves GET /simulator/phone/{msisdn}: the number's prompts,
// newest first, as the customer sees them.
func (s *Simulator) handlePhonePage(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("msisdn")
	if !isMSISDN(phone) {
		http.Error(w, "not a 12-digit 2547…/2541… number", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	_, _, legend := s.behaviourLocked(phone)
	s.mu.Unlock()
	page := phonePage{
		Phone:     phone,
		Behaviour: legend,
		Refresh:   true,
		IndexURL:  s.url("/simulator"),
		PageURL:   s.phoneURL(phone),
		Legend:    s.legend(),
		WrongPIN:  wrongPIN,
	}
	for _, t := range s.transactions(phone, 20) {
		v := promptView{
			CheckoutRequestID: t.CheckoutRequestID,
			Amount:            formatKES(t.Amount),
			Merchant:          t.MerchantName,
			AccountReference:  t.AccountReference,
			State:             t.State,
			StateLabel:        stateLabel(t),
			Receipt:           t.Receipt,
			At:                t.CreatedAt.In(nairobi).Format(time.DateTime),
			Waiting:           t.State == StatePending,
			AnswerURL:         s.url("/simulator/v1/transactions/" + t.CheckoutRequestID + "/answer"),
		}
		if v.Waiting && t.Behaviour.Outcome == OutcomeWait {
			page.Refresh = false
		}
		page.Prompts = append(page.Prompts, v)
	}
	s.render(w, "phone.html", page)
}
