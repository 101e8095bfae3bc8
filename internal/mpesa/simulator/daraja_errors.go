package simulator

import (
	"encoding/json"
	"net/http"
)

// darajaError is a synchronous Daraja error: an HTTP status and the
// {"requestId","errorCode","errorMessage"} body.
type darajaError struct {
	status  int
	code    string
	message string
}

// Daraja error codes and messages, spelled as the gateway spells them.
const (
	codeInvalidField  = "400.002.02"
	codeBadPayload    = "400.002.05"
	codeInvalidAuth   = "400.008.01"
	codeInvalidGrant  = "400.008.02"
	codeInvalidToken  = "404.001.03"
	codeNotFound      = "404.001.01"
	codeMethod        = "405.001"
	codeBusiness      = "500.001.1001"
	codeSpikeArrest   = "500.003.02"
	msgLockSubscriber = "Unable to lock subscriber, a transaction is already in process for the current subscriber"
	msgBeingProcessed = "The transaction is being processed"
	msgTxDoesNotExist = "The transaction does not Exist"
	// msgSpuriousBusiness stands for the intermittent 500.001.1001 whose
	// text varies; clients must read it as "ask again".
	msgSpuriousBusiness = "The service request could not be processed at this time"
	msgWrongCreds       = "Wrong credentials"
	msgNoMerchant       = "Merchant does not exist"
	msgInvalidToken     = "Invalid Access Token"
	msgMethod           = "Method Not Allowed"
	msgNotFound         = "Resource not found"
	msgBadPayload       = "Invalid Request Payload"
	msgInvalidAuth      = "Invalid Authentication passed"
	msgInvalidGrant     = "Invalid grant type passed"
	msgSpikeArrest      = "Spike Arrest Violation"
	invalidFieldPrefix  = "Bad Request - Invalid "
)

var (
	errInvalidToken   = &darajaError{http.StatusNotFound, codeInvalidToken, msgInvalidToken}
	errMethod         = &darajaError{http.StatusMethodNotAllowed, codeMethod, msgMethod}
	errNotFound       = &darajaError{http.StatusNotFound, codeNotFound, msgNotFound}
	errBadPayload     = &darajaError{http.StatusBadRequest, codeBadPayload, msgBadPayload}
	errWrongCreds     = &darajaError{http.StatusInternalServerError, codeBusiness, msgWrongCreds}
	errNoMerchant     = &darajaError{http.StatusInternalServerError, codeBusiness, msgNoMerchant}
	errLocked         = &darajaError{http.StatusInternalServerError, codeBusiness, msgLockSubscriber}
	errTxDoesNotExist = &darajaError{http.StatusInternalServerError, codeBusiness, msgTxDoesNotExist}
	errSpikeArrest    = &darajaError{http.StatusInternalServerError, codeSpikeArrest, msgSpikeArrest}
)

// invalid is the 400.002.02 validation error for one field, e.g.
// "Bad Request - Invalid Amount".
func invalid(field string) *darajaError {
	return &darajaError{http.StatusBadRequest, codeInvalidField, invalidFieldPrefix + field}
}

type darajaErrorBody struct {
	RequestID    string `json:"requestId"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

func writeDarajaError(w http.ResponseWriter, e *darajaError) {
	writeJSON(w, e.status, darajaErrorBody{RequestID: newRequestID(), ErrorCode: e.code, ErrorMessage: e.message})
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handleNotFound answers every path the gateway does not have.
func (s *Simulator) handleNotFound(w http.ResponseWriter, _ *http.Request) {
	writeDarajaError(w, errNotFound)
}
