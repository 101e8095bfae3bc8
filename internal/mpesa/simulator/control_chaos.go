package simulator

import "net/http"

// handleChaos serves GET /simulator/v1/chaos: the current knobs.
func (s *Simulator) handleChaos(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Chaos())
}

// handleSetChaos serves PUT /simulator/v1/chaos {"drop_callbacks",
// "duplicate_callbacks","spike_arrest","latency","seed"}: every knob left out
// is zero, so {} turns chaos off. It answers the knobs now in force.
func (s *Simulator) handleSetChaos(w http.ResponseWriter, r *http.Request) {
	var req chaosJSON
	if !decodeControl(w, r, &req) {
		return
	}
	c, err := req.chaos()
	if err == nil {
		err = s.SetChaos(c)
	}
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Chaos())
}
