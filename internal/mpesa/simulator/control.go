package simulator

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
)

// The control API (under /simulator/v1) speaks snake_case JSON and answers
// errors as {"error": "..."}.

type controlError struct {
	Error string `json:"error"`
}

func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, controlError{Error: msg})
}

// decodeControl decodes a JSON control request body into v.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeControlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

type appRequest struct {
	ConsumerKey    string `json:"consumer_key"`
	ConsumerSecret string `json:"consumer_secret"`
}

// handleCreateApp serves POST /simulator/v1/apps.
func (s *Simulator) handleCreateApp(w http.ResponseWriter, r *http.Request) {
	var req appRequest
	if !decodeControl(w, r, &req) {
		return
	}
	if req.ConsumerKey == "" || req.ConsumerSecret == "" || strings.Contains(req.ConsumerKey, ":") {
		writeControlError(w, http.StatusBadRequest, "consumer_key (without ':') and consumer_secret are required")
		return
	}
	s.RegisterApp(req.ConsumerKey, req.ConsumerSecret)
	writeJSON(w, http.StatusCreated, map[string]string{"consumer_key": req.ConsumerKey})
}

// handleMints serves GET /simulator/v1/apps/{key}/mints.
func (s *Simulator) handleMints(w http.ResponseWriter, r *http.Request) {
	n, ok := s.Mints(r.PathValue("key"))
	if !ok {
		writeControlError(w, http.StatusNotFound, "app not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"mints": n})
}

// handleShortcodes serves GET /simulator/v1/shortcodes.
func (s *Simulator) handleShortcodes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]Shortcode{"data": s.Shortcodes()})
}

// handleCreateShortcode serves POST /simulator/v1/shortcodes.
func (s *Simulator) handleCreateShortcode(w http.ResponseWriter, r *http.Request) {
	var sc Shortcode
	if !decodeControl(w, r, &sc) {
		return
	}
	if err := s.RegisterShortcode(sc); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	sc, _ = s.shortcode(sc.Code)
	writeJSON(w, http.StatusCreated, sc)
}

// handleTransactions serves GET /simulator/v1/transactions?phone=.
func (s *Simulator) handleTransactions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]Transaction{"data": s.transactions(r.URL.Query().Get("phone"), 0)})
}

// handleTransaction serves GET /simulator/v1/transactions/{id}.
func (s *Simulator) handleTransaction(w http.ResponseWriter, r *http.Request) {
	t, ok := s.Transaction(r.PathValue("id"))
	if !ok {
		writeControlError(w, http.StatusNotFound, ErrNotFound.Error())
		return
	}
	writeJSON(w, http.StatusOK, t)
}

type answerRequest struct {
	Action Action `json:"action"`
	PIN    string `json:"pin"`
}

// action is the answer the request stands for: a PIN of "0000" is a wrong
// PIN.
func (a answerRequest) action() Action {
	if a.Action == ActionPIN && a.PIN == wrongPIN {
		return ActionWrongPIN
	}
	return a.Action
}

// wrongPIN is the PIN the virtual phone treats as wrong.
const wrongPIN = "0000"

// handleAnswer serves POST /simulator/v1/transactions/{id}/answer, as JSON
// {"action":"pin|cancel|wrong_pin"} or as the virtual phone's form (which is
// redirected back to the phone page).
func (s *Simulator) handleAnswer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if isForm(r) {
		req := answerRequest{Action: Action(r.PostFormValue("action")), PIN: r.PostFormValue("pin")}
		err := s.Answer(id, req.action())
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidAction) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Already answered or resolved: the phone page shows how it ended.
		t, _ := s.Transaction(id)
		http.Redirect(w, r, s.url("/simulator/phone/"+t.Phone), http.StatusSeeOther)
		return
	}

	var req answerRequest
	if !decodeControl(w, r, &req) {
		return
	}
	switch err := s.Answer(id, req.action()); {
	case errors.Is(err, ErrNotFound):
		writeControlError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrInvalidAction):
		writeControlError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		writeControlError(w, http.StatusConflict, err.Error())
	default:
		t, _ := s.Transaction(id)
		writeJSON(w, http.StatusOK, t)
	}
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}
