package simulator

// Test numbers: the PhoneNumber of a push decides how the simulated customer
// and gateway behave. Any other valid number approves after Config.Delay.
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

// callbackMode says how the outcome's callback is delivered.
type callbackMode int

const (
	callbackOnce callbackMode = iota
	callbackNever
	callbackTwice
	callbackLate
)

// scenario is the behaviour of one test number.
type scenario struct {
	phone    string
	legend   string
	auto     Action // what the customer does after Config.Delay
	onPIN    result // the outcome once the right PIN is entered
	callback callbackMode
	legacy   bool // five-item callback with a Balance item without Value
	refuse   bool // push refused: Unable to lock subscriber
}

var defaultScenario = scenario{legend: "approves after the delay", auto: ActionPIN, onPIN: resultPaid}

// scenarios lists the test numbers, in legend order.
var scenarios = []scenario{
	{phone: PhoneNoAnswer, legend: "never answers: 1037 after the delay", auto: actionIgnore, onPIN: resultPaid},
	{phone: PhoneInsufficientFunds, legend: "insufficient funds: 1", auto: ActionPIN, onPIN: resultInsufficient},
	{phone: PhoneCancels, legend: "cancels: 1032", auto: ActionCancel, onPIN: resultPaid},
	{phone: PhoneWrongPIN, legend: "wrong PIN: 2001", auto: ActionWrongPIN, onPIN: resultPaid},
	{phone: PhoneNoCallback, legend: "pays, callback never sent", auto: ActionPIN, onPIN: resultPaid, callback: callbackNever},
	{phone: PhoneDuplicateCallback, legend: "pays, callback sent twice", auto: ActionPIN, onPIN: resultPaid, callback: callbackTwice},
	{phone: PhoneLateCallback, legend: "pays, callback late", auto: ActionPIN, onPIN: resultPaid, callback: callbackLate},
	{phone: PhoneWaits, legend: "waits for you to answer here", auto: actionWait, onPIN: resultPaid},
	{phone: PhoneLocked, legend: "push refused: Unable to lock subscriber", refuse: true},
	{phone: PhoneLegacyCallback, legend: "pays, old five-item callback", auto: ActionPIN, onPIN: resultPaid, legacy: true},
	{phone: PhoneOperatorError, legend: "fails with ResultCode SFC_IC0003", auto: ActionPIN, onPIN: resultNoOperator},
}

// scenarioFor returns the behaviour of phone.
func scenarioFor(phone string) scenario {
	for _, sc := range scenarios {
		if sc.phone == phone {
			return sc
		}
	}
	sc := defaultScenario
	sc.phone = phone
	return sc
}

// outcome is the result of the customer taking action a.
func (sc scenario) outcome(a Action) result {
	switch a {
	case ActionPIN:
		return sc.onPIN
	case ActionCancel:
		return resultCancelled
	case ActionWrongPIN:
		return resultWrongPIN
	}
	return resultTimeout
}
