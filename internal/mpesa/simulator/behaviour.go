package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Outcome is what the simulated customer (or gateway) does with a push.
type Outcome string

// Outcomes of a [Behaviour].
const (
	// OutcomeSuccess: the customer enters the right PIN; ResultCode 0.
	OutcomeSuccess Outcome = "success"
	// OutcomeInsufficientFunds: the PIN is right but the balance is not;
	// ResultCode 1.
	OutcomeInsufficientFunds Outcome = "insufficient_funds"
	// OutcomeCancel: the customer dismisses the prompt; ResultCode 1032.
	OutcomeCancel Outcome = "cancel"
	// OutcomeWrongPIN: the customer enters a wrong PIN; ResultCode 2001.
	OutcomeWrongPIN Outcome = "wrong_pin"
	// OutcomeNoAnswer: the customer never answers; ResultCode 1037 after
	// the delay.
	OutcomeNoAnswer Outcome = "no_answer"
	// OutcomeOperatorError: the string ResultCode "SFC_IC0003".
	OutcomeOperatorError Outcome = "operator_error"
	// OutcomeWait: the prompt waits until it is answered through the
	// control API or the virtual phone page; the delay does not apply.
	OutcomeWait Outcome = "wait"
	// OutcomeLocked: the push itself is refused with 500.001.1001 "Unable to
	// lock subscriber"; delay and callback do not apply.
	OutcomeLocked Outcome = "locked"
)

var outcomes = []Outcome{OutcomeSuccess, OutcomeInsufficientFunds, OutcomeCancel, OutcomeWrongPIN,
	OutcomeNoAnswer, OutcomeOperatorError, OutcomeWait, OutcomeLocked}

// CallbackMode is how the callback of an outcome is delivered.
type CallbackMode string

// Callback modes of a [Behaviour].
const (
	// CallbackNormal: sent once, when the outcome happens.
	CallbackNormal CallbackMode = "normal"
	// CallbackDrop: never sent; only the STK Query tells.
	CallbackDrop CallbackMode = "drop"
	// CallbackDuplicate: sent twice in a row.
	CallbackDuplicate CallbackMode = "duplicate"
	// CallbackLate: sent once, Behaviour.LateBy after the outcome (the
	// query knows at once).
	CallbackLate CallbackMode = "late"
	// CallbackLegacy: sent once in the older five-item shape, with a
	// {"Name":"Balance"} item without Value.
	CallbackLegacy CallbackMode = "legacy"
)

var callbackModes = []CallbackMode{CallbackNormal, CallbackDrop, CallbackDuplicate, CallbackLate, CallbackLegacy}

// MaxBehaviourDelay bounds Behaviour.Delay and Behaviour.LateBy.
const MaxBehaviourDelay = 24 * time.Hour

// Behaviour is how the simulator plays one phone number. Set one for any
// number with [Simulator.SetBehaviour] (or PUT /simulator/v1/behaviours/{msisdn})
// to override the built-in test-number table; it applies to pushes accepted
// from then on.
type Behaviour struct {
	// Outcome defaults to OutcomeSuccess.
	Outcome Outcome
	// Delay is how long the customer takes to act (for OutcomeNoAnswer,
	// how long until the 1037). Nil means Config.Delay; a pointer so that
	// an explicit zero ("answer at once") differs from "the default".
	Delay *time.Duration
	// Callback defaults to CallbackNormal.
	Callback CallbackMode
	// LateBy is how late a CallbackLate callback comes; zero means
	// Config.LateCallback. Only valid with CallbackLate.
	LateBy time.Duration
}

// validate checks the values a caller gave, before defaults are filled in.
func (b Behaviour) validate() error {
	var errs []error
	if b.Outcome != "" && !slices.Contains(outcomes, b.Outcome) {
		errs = append(errs, fmt.Errorf("outcome must be one of %v", outcomes))
	}
	if b.Callback != "" && !slices.Contains(callbackModes, b.Callback) {
		errs = append(errs, fmt.Errorf("callback must be one of %v", callbackModes))
	}
	if b.Delay != nil && (*b.Delay < 0 || *b.Delay > MaxBehaviourDelay) {
		errs = append(errs, fmt.Errorf("delay must be between 0s and %s", MaxBehaviourDelay))
	}
	if b.LateBy < 0 || b.LateBy > MaxBehaviourDelay {
		errs = append(errs, fmt.Errorf("late_by must be between 0s and %s", MaxBehaviourDelay))
	}
	if b.LateBy != 0 && b.Callback != CallbackLate {
		errs = append(errs, errors.New(`late_by is only for callback "late"`))
	}
	return errors.Join(errs...)
}

// withDefaults fills in every value left to the defaults, so the result says
// exactly what will happen.
func (b Behaviour) withDefaults(cfg Config) Behaviour {
	if b.Outcome == "" {
		b.Outcome = OutcomeSuccess
	}
	if b.Callback == "" {
		b.Callback = CallbackNormal
	}
	if b.Delay == nil {
		b.Delay = &cfg.Delay
	}
	b = b.clone()
	if b.Callback == CallbackLate && b.LateBy == 0 {
		b.LateBy = cfg.LateCallback
	}
	return b
}

// clone returns a copy that does not share Delay with b.
func (b Behaviour) clone() Behaviour {
	if b.Delay != nil {
		d := *b.Delay
		b.Delay = &d
	}
	return b
}

// auto is what the customer does after the delay.
func (b Behaviour) auto() Action {
	switch b.Outcome {
	case OutcomeCancel:
		return ActionCancel
	case OutcomeWrongPIN:
		return ActionWrongPIN
	case OutcomeNoAnswer:
		return actionIgnore
	case OutcomeWait:
		return actionWait
	}
	return ActionPIN
}

// outcome is the result of the customer taking action a: the right PIN gives
// the number's outcome where it is decided after the PIN (funds, operator),
// and a payment otherwise.
func (b Behaviour) outcome(a Action) result {
	switch a {
	case ActionPIN:
		switch b.Outcome {
		case OutcomeInsufficientFunds:
			return resultInsufficient
		case OutcomeOperatorError:
			return resultNoOperator
		}
		return resultPaid
	case ActionCancel:
		return resultCancelled
	case ActionWrongPIN:
		return resultWrongPIN
	}
	return resultTimeout
}

// copies is how many callbacks the behaviour sends for one outcome.
func (b Behaviour) copies() int {
	switch b.Callback {
	case CallbackDrop:
		return 0
	case CallbackDuplicate:
		return 2
	}
	return 1
}

// describe says in a few words what a behaviour does, for the pages.
func (b Behaviour) describe() string {
	var what string
	switch b.Outcome {
	case OutcomeLocked:
		return "push refused: Unable to lock subscriber"
	case OutcomeWait:
		what = "waits for you to answer here"
	default:
		what = fmt.Sprintf("%s after %s", b.Outcome, *b.Delay)
	}
	if b.Callback == CallbackLate {
		return fmt.Sprintf("%s, callback late by %s", what, b.LateBy)
	}
	return fmt.Sprintf("%s, callback %s", what, b.Callback)
}

// behaviourJSON is a Behaviour on the control API: durations as Go duration
// strings ("2s"), and on the behaviour routes the number and where its
// behaviour comes from.
type behaviourJSON struct {
	MSISDN   string       `json:"msisdn,omitempty"`
	Source   string       `json:"source,omitempty"`
	Outcome  Outcome      `json:"outcome"`
	Delay    string       `json:"delay,omitempty"`
	Callback CallbackMode `json:"callback"`
	LateBy   string       `json:"late_by,omitempty"`
}

func (b Behaviour) wire() behaviourJSON {
	w := behaviourJSON{Outcome: b.Outcome, Callback: b.Callback}
	if b.Delay != nil {
		w.Delay = b.Delay.String()
	}
	if b.LateBy != 0 {
		w.LateBy = b.LateBy.String()
	}
	return w
}

// MarshalJSON writes {"outcome","delay","callback","late_by"} with
// durations as strings such as "2s".
func (b Behaviour) MarshalJSON() ([]byte, error) { return json.Marshal(b.wire()) }

// behaviourRequest is the body of PUT /simulator/v1/behaviours/{msisdn}.
// Every field is optional; an empty one takes its default.
type behaviourRequest struct {
	Outcome  Outcome      `json:"outcome"`
	Delay    string       `json:"delay"`
	Callback CallbackMode `json:"callback"`
	LateBy   string       `json:"late_by"`
}

// UnmarshalJSON reads what MarshalJSON writes (and the body of the PUT
// route), ignoring msisdn and source.
func (b *Behaviour) UnmarshalJSON(data []byte) error {
	var r behaviourRequest
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	var err error
	*b, err = r.behaviour()
	return err
}

func (r behaviourRequest) behaviour() (Behaviour, error) {
	b := Behaviour{Outcome: r.Outcome, Callback: r.Callback}
	if r.Delay != "" {
		d, err := time.ParseDuration(r.Delay)
		if err != nil {
			return Behaviour{}, errors.New("delay must be a Go duration such as 2s or 500ms")
		}
		b.Delay = &d
	}
	if r.LateBy != "" {
		d, err := time.ParseDuration(r.LateBy)
		if err != nil {
			return Behaviour{}, errors.New("late_by must be a Go duration such as 90s")
		}
		b.LateBy = d
	}
	return b, nil
}
