package simulator

import "errors"

// Errors of [Simulator.Answer].
var (
	// ErrNotFound: no transaction has that CheckoutRequestID.
	ErrNotFound = errors.New("simulator: transaction not found")
	// ErrNotWaiting: the transaction has already been answered or resolved.
	ErrNotWaiting = errors.New("simulator: transaction is not waiting for an answer")
	// ErrInvalidAction: the action is not pin, cancel or wrong_pin.
	ErrInvalidAction = errors.New("simulator: action must be pin, cancel or wrong_pin")
	// ErrClosed: the simulator has been closed.
	ErrClosed = errors.New("simulator: closed")
)

// startLocked schedules what happens to a freshly accepted push. The caller
// holds s.mu.
func (s *Simulator) startLocked(r *record) {
	if r.State != StatePending || s.closed {
		return
	}
	switch {
	case r.mismatch:
		// Refused by product assignment before any prompt is shown.
		r.autoTimer = s.after(0, func() { s.resolveLocked(r, resultNotPermitted) })
	case r.Behaviour.auto() == actionWait:
		// Shown until answered through the control API or the phone page.
	default:
		res := r.Behaviour.outcome(r.Behaviour.auto())
		r.autoTimer = s.after(*r.Behaviour.Delay, func() { s.resolveLocked(r, res) })
	}
}

// Answer answers the live prompt of a transaction as the customer would:
// ActionPIN (the right PIN: the number's outcome, usually paid), ActionCancel
// or ActionWrongPIN. Any pending prompt can be answered, not only those of
// PhoneWaits or OutcomeWait.
func (s *Simulator) Answer(checkoutRequestID string, a Action) error {
	if a != ActionPIN && a != ActionCancel && a != ActionWrongPIN {
		return ErrInvalidAction
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.txs[checkoutRequestID]
	if !ok {
		return ErrNotFound
	}
	if r.State != StatePending || r.mismatch {
		return ErrNotWaiting
	}
	if s.closed {
		return ErrClosed
	}
	s.resolveLocked(r, r.Behaviour.outcome(a))
	return nil
}

// resolveLocked moves a pending transaction to its outcome and sends the
// callbacks its behaviour says, as changed by the chaos fate it drew. The
// transaction resolves whatever happens to the callbacks, so the STK Query
// tells the truth. The caller holds s.mu.
func (s *Simulator) resolveLocked(r *record, res result) {
	if r.State != StatePending {
		return
	}
	now := s.now()
	r.State = res.state()
	r.ResultCode, r.ResultDesc = res.code, res.desc
	r.ResolvedAt = now
	if r.State == StateSucceeded {
		r.Receipt = s.newReceiptLocked()
	}
	if r.autoTimer != nil {
		r.autoTimer.Stop()
	}
	delete(s.live, r.Phone)
	s.log.Info("simulator: stk outcome", "checkout_request_id", r.CheckoutRequestID,
		"result_code", res.code, "receipt", r.Receipt)

	n := r.Behaviour.copies()
	if n > 0 {
		switch r.fate {
		case fateDrop:
			r.Chaos.CallbacksDropped = n
			s.log.Info("simulator: chaos dropped the callback", "checkout_request_id", r.CheckoutRequestID, "callbacks", n)
			return
		case fateDuplicate:
			r.Chaos.CallbacksDuplicated = 1
			n++
		}
	}
	if n == 0 {
		return
	}
	body := callbackBody(r, now)
	if r.Behaviour.Callback == CallbackLate {
		r.lateTimer = s.after(r.Behaviour.LateBy, func() { s.sendCallbacksLocked(r, body, n) })
		return
	}
	s.sendCallbacksLocked(r, body, n)
}
