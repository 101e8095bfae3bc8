package simulator

import "net/http"

const (
	msgQueryAccepted = "The service request has been accepted successsfully" // sic: three s's
	msgStillPending  = "The transaction is still under processing"
	codeStillPending = "4999"
)

type queryResponse struct {
	ResponseCode        string `json:"ResponseCode"`
	ResponseDescription string `json:"ResponseDescription"`
	MerchantRequestID   string `json:"MerchantRequestID"`
	CheckoutRequestID   string `json:"CheckoutRequestID"`
	ResultCode          string `json:"ResultCode"` // a string here, unlike the callback
	ResultDesc          string `json:"ResultDesc"`
}

// handleQuery serves POST /mpesa/stkpushquery/v1/query.
func (s *Simulator) handleQuery(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiRequest(w, r)
	if !ok {
		return
	}
	sc, derr := s.checkMerchant(b)
	if derr != nil {
		writeDarajaError(w, derr)
		return
	}
	id, _ := b["CheckoutRequestID"].(string)
	if id == "" {
		writeDarajaError(w, invalid("CheckoutRequestID"))
		return
	}

	s.mu.Lock()
	rec, ok := s.txs[id]
	if !ok || rec.ShortCode != sc.Code {
		s.mu.Unlock()
		writeDarajaError(w, errTxDoesNotExist)
		return
	}
	if s.chaos.query() {
		rec.Chaos.QueriesSpikeArrested++
		s.mu.Unlock()
		s.log.Info("simulator: chaos spike arrest on query", "checkout_request_id", id)
		writeDarajaError(w, errSpikeArrest)
		return
	}
	resp := queryResponse{
		ResponseCode:        "0",
		ResponseDescription: msgQueryAccepted,
		MerchantRequestID:   rec.MerchantRequestID,
		CheckoutRequestID:   rec.CheckoutRequestID,
		ResultCode:          rec.ResultCode,
		ResultDesc:          rec.ResultDesc,
	}
	pending := rec.State == StatePending
	shape := rec.queries % 4
	if pending {
		rec.queries++
	}
	s.mu.Unlock()

	if !pending {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	// The three pending answers seen on the sandbox, in rotation, and
	// every fourth time the intermittent 500.001.1001 seen for payments
	// that existed: "no answer yet", never "failed".
	switch shape {
	case 0:
		writeDarajaError(w, &darajaError{http.StatusInternalServerError, codeBusiness, msgBeingProcessed})
	case 1:
		resp.ResultCode, resp.ResultDesc = codeStillPending, msgStillPending
		writeJSON(w, http.StatusOK, resp)
	case 2:
		writeDarajaError(w, &darajaError{http.StatusOK, codeBusiness, ""})
	default:
		writeDarajaError(w, &darajaError{http.StatusInternalServerError, codeBusiness, msgSpuriousBusiness})
	}
}
