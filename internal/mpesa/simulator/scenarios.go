package simulator

// Test numbers: the PhoneNumber of a push decides how the simulated customer
// and gateway behave. Any other valid number approves after Config.Delay.
// A [Behaviour] set for a number overrides this table.
const (
	// PhoneNoAnswer is the Daraja sandbox test MSISDN: it never answers, so
	// after Config.Delay the result is 1037 (DS timeout).
	PhoneNoAnswer = "254708374149"
	// PhoneInsufficientFunds enters the PIN but lacks funds: ResultCode 1.
	PhoneInsufficientFunds = "254700000001"
	// PhoneCancels dismisses the prompt: ResultCode 1032.
	PhoneCancels = "254700000002"
	// PhoneWrongPIN enters a wrong PIN: ResultCode 2001.
	PhoneWrongPIN = "254700000003"
	// PhoneNoCallback pays, but the callback is never sent: only the query
	// tells.
	PhoneNoCallback = "254700000004"
	// PhoneDuplicateCallback pays, and the callback is sent twice.
	PhoneDuplicateCallback = "254700000005"
	// PhoneLateCallback pays at once (the query says so), but the callback
	// comes Config.LateCallback later.
	PhoneLateCallback = "254700000006"
	// PhoneWaits shows the prompt until it is answered through the control
	// API or the virtual phone page.
	PhoneWaits = "254700000007"
	// PhoneLocked is refused at push time with "Unable to lock subscriber".
	PhoneLocked = "254700000008"
	// PhoneLegacyCallback pays, with the older five-item callback that has
	// {"Name":"Balance"} without a Value.
	PhoneLegacyCallback = "254700000009"
	// PhoneOperatorError fails with the string ResultCode "SFC_IC0003".
	PhoneOperatorError = "254700000010"
)

// result is a ResultCode and its ResultDesc.
type result struct {
	code string
	desc string
}

// Results the simulator produces.
var (
	resultPaid         = result{"0", "The service request is processed successfully."}
	resultInsufficient = result{"1", "The balance is insufficient for the transaction."}
	resultCancelled    = result{"1032", "Request cancelled by user"}
	resultTimeout      = result{"1037", "DS timeout user cannot be reached"}
	resultWrongPIN     = result{"2001", "The initiator information is invalid."}
	resultNotPermitted = result{"2028", "The request is not permitted according to product assignment"}
	resultNoOperator   = result{"SFC_IC0003", "The operator does not exist"}
)

func (r result) state() State {
	switch r.code {
	case resultPaid.code:
		return StateSucceeded
	case resultTimeout.code:
		return StateTimedOut
	}
	return StateFailed
}

// Action is a customer's answer to a prompt.
type Action string

// Actions accepted by [Simulator.Answer] and the answer route.
const (
	ActionPIN      Action = "pin"       // the right PIN
	ActionCancel   Action = "cancel"    // dismisses the prompt
	ActionWrongPIN Action = "wrong_pin" // a wrong PIN
	actionIgnore   Action = "ignore"    // never answers (internal)
	actionWait     Action = "wait"      // waits for a human (internal)
)

// builtin is one number of the built-in test-number table.
type builtin struct {
	phone     string
	legend    string
	behaviour Behaviour
}

// builtins lists the test numbers, in legend order. Their Delay and LateBy
// are left to Config.
var builtins = []builtin{
	{PhoneNoAnswer, "never answers: 1037 after the delay", Behaviour{Outcome: OutcomeNoAnswer}},
	{PhoneInsufficientFunds, "insufficient funds: 1", Behaviour{Outcome: OutcomeInsufficientFunds}},
	{PhoneCancels, "cancels: 1032", Behaviour{Outcome: OutcomeCancel}},
	{PhoneWrongPIN, "wrong PIN: 2001", Behaviour{Outcome: OutcomeWrongPIN}},
	{PhoneNoCallback, "pays, callback never sent", Behaviour{Callback: CallbackDrop}},
	{PhoneDuplicateCallback, "pays, callback sent twice", Behaviour{Callback: CallbackDuplicate}},
	{PhoneLateCallback, "pays, callback late", Behaviour{Callback: CallbackLate}},
	{PhoneWaits, "waits for you to answer here", Behaviour{Outcome: OutcomeWait}},
	{PhoneLocked, "push refused: Unable to lock subscriber", Behaviour{Outcome: OutcomeLocked}},
	{PhoneLegacyCallback, "pays, old five-item callback", Behaviour{Callback: CallbackLegacy}},
	{PhoneOperatorError, "fails with ResultCode SFC_IC0003", Behaviour{Outcome: OutcomeOperatorError}},
}

// defaultLegend describes every number without an override or a built-in
// behaviour.
const defaultLegend = "approves after the delay"

// Sources of a number's behaviour, as GET /simulator/v1/behaviours/{msisdn}
// names them.
const (
	sourceOverride = "override" // set through SetBehaviour or the control API
	sourceBuiltin  = "builtin"  // the built-in test-number table
	sourceDefault  = "default"  // any other number: success
)

// behaviourLocked returns the behaviour of phone with every default filled
// in, where it comes from, and a legend for the pages. The caller holds s.mu.
func (s *Simulator) behaviourLocked(phone string) (b Behaviour, source, legend string) {
	if set, ok := s.behaviours[phone]; ok {
		return set.clone(), sourceOverride, "set through the control API: " + set.describe()
	}
	for _, bi := range builtins {
		if bi.phone == phone {
			return bi.behaviour.withDefaults(s.cfg), sourceBuiltin, bi.legend
		}
	}
	return Behaviour{}.withDefaults(s.cfg), sourceDefault, defaultLegend
}
