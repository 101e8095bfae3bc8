package simulator

import (
	"net/http"
	"slices"
	"strings"
)

// behaviourView is the behaviour of one number as the behaviour routes show
// it.
func behaviourView(msisdn, source string, b Behaviour) behaviourJSON {
	w := b.wire()
	w.MSISDN, w.Source = msisdn, source
	return w
}

// handleBehaviours serves GET /simulator/v1/behaviours: the behaviours set
// through the control API (or SetBehaviour), ordered by number.
func (s *Simulator) handleBehaviours(w http.ResponseWriter, _ *http.Request) {
	set := s.Behaviours()
	out := make([]behaviourJSON, 0, len(set))
	for phone, b := range set {
		out = append(out, behaviourView(phone, sourceOverride, b))
	}
	slices.SortFunc(out, func(a, b behaviourJSON) int { return strings.Compare(a.MSISDN, b.MSISDN) })
	writeJSON(w, http.StatusOK, map[string][]behaviourJSON{"data": out})
}

// handleBehaviour serves GET /simulator/v1/behaviours/{msisdn}: how any
// valid number is played, and whether that is an override, the built-in
// table or the default.
func (s *Simulator) handleBehaviour(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("msisdn")
	if !isMSISDN(phone) {
		writeControlError(w, http.StatusNotFound, "not a 12-digit 2547…/2541… number")
		return
	}
	s.mu.Lock()
	b, source, _ := s.behaviourLocked(phone)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, behaviourView(phone, source, b))
}

// handleSetBehaviour serves PUT /simulator/v1/behaviours/{msisdn}
// {"outcome","delay","callback","late_by"} and answers the behaviour with
// its defaults filled in.
func (s *Simulator) handleSetBehaviour(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("msisdn")
	var req behaviourRequest
	if !decodeControl(w, r, &req) {
		return
	}
	b, err := req.behaviour()
	if err == nil {
		err = s.SetBehaviour(phone, b)
	}
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, behaviourView(phone, sourceOverride, b.withDefaults(s.cfg)))
}

// handleClearBehaviour serves DELETE /simulator/v1/behaviours/{msisdn}: 204,
// or 404 when no behaviour was set for the number.
func (s *Simulator) handleClearBehaviour(w http.ResponseWriter, r *http.Request) {
	if !s.ClearBehaviour(r.PathValue("msisdn")) {
		writeControlError(w, http.StatusNotFound, "no behaviour is set for this number")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
