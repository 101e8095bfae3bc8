// Package simulator is a Daraja (M-Pesa Express / STK Push) simulator served
// as a plain net/http handler.
//
// It is an independent implementation of the wire format described in
// shared/reference/daraja.md (it deliberately does not import the client in
// internal/mpesa), so the client's tests can catch their own bugs against it:
// routes, HTTP status codes, error codes and messages, field names and JSON
// types (expires_in as a string, ResultCode a number in callbacks and a string
// in queries, Amount written as 1.00) follow what was seen on the live sandbox.
//
// The customer's phone is simulated from the PhoneNumber of the push (see the
// Phone* constants): any other valid number approves after [Config.Delay].
// A [Behaviour] set for a number overrides that table, and [Chaos] injects
// faults on top of every number's behaviour.
//
// Two deliberate choices differ from, or go beyond, the real gateway:
//   - A Timestamp more than 30 minutes away from the current Africa/Nairobi
//     wall time is rejected as "Invalid Timestamp", to catch clients that
//     format the timestamp in UTC.
//   - A push to a phone that already shows a live (unanswered) prompt is
//     refused with 500.001.1001 "Unable to lock subscriber, …". The real
//     gateway sometimes times the first prompt out instead; the simulator
//     always takes the lock behaviour, so the client's retry path is
//     exercised deterministically.
//
// Callbacks are only ever POSTed to loopback hosts (127.0.0.0/8, ::1,
// localhost) unless [Config.AllowAnyCallbackHost] is set; a refusal is
// recorded on the transaction like any other failed delivery. Redirects are
// never followed.
//
// Besides the Daraja routes the handler serves a JSON control API under
// /simulator/v1, an index page at /simulator and a virtual phone page at
// /simulator/phone/{msisdn}. All links it renders are prefixed with
// [Config.BasePath], so the handler can be mounted with http.StripPrefix.
//
// # Control API
//
// Bodies and answers are snake_case JSON, durations are Go duration strings
// ("2s", "1m30s"), errors are {"error":"…"} with 400 for bad input and 404
// for an unknown id. Each route has a Go method for tests in other packages.
//
//   - POST /simulator/v1/apps {"consumer_key","consumer_secret"} registers an
//     app ([Simulator.RegisterApp]); GET /simulator/v1/apps/{key}/mints
//     counts its tokens ([Simulator.Mints]).
//   - GET and POST /simulator/v1/shortcodes {"shortcode","passkey",
//     "type":"paybill|till","till_number","name"} ([Simulator.RegisterShortcode]).
//   - GET /simulator/v1/transactions[?phone=] and
//     /simulator/v1/transactions/{CheckoutRequestID}: the push as received,
//     state, result, receipt, every callback sent, the behaviour it was
//     played with and what chaos did to it ([Simulator.Transactions]).
//   - POST /simulator/v1/transactions/{id}/answer {"action":"pin|cancel|wrong_pin"}
//     answers a live prompt ([Simulator.Answer]).
//   - PUT /simulator/v1/behaviours/{msisdn} {"outcome","delay","callback","late_by"}
//     sets how any number is played, overriding the test-number table, for
//     pushes accepted from then on ([Simulator.SetBehaviour]). outcome is
//     success (default), insufficient_funds, cancel, wrong_pin, no_answer,
//     operator_error, wait (until answered) or locked (push refused with
//     "Unable to lock subscriber"); delay defaults to [Config.Delay];
//     callback is normal (default), drop, duplicate, late or legacy (the
//     five-item shape); late_by, only with late, defaults to
//     [Config.LateCallback]. It answers the behaviour with its defaults
//     filled in. GET /simulator/v1/behaviours/{msisdn} shows how any number
//     is played and whether by "override", "builtin" or "default";
//     GET /simulator/v1/behaviours lists the overrides; DELETE removes one
//     ([Simulator.ClearBehaviour]).
//   - PUT /simulator/v1/chaos {"drop_callbacks","duplicate_callbacks",
//     "spike_arrest","latency","seed"} replaces the fault-injection knobs
//     ([Simulator.SetChaos]); GET shows them; {} turns chaos off. Fractions
//     are 0 to 1. A dropped callback is never sent but the transaction still
//     resolves, so the STK Query tells the truth; a duplicated one is sent
//     once more; spike arrest answers a push or query that would have
//     worked with HTTP 500 500.003.02 "Spike Arrest Violation"; latency is
//     added to OAuth, push and query. The draws come from streams seeded with
//     seed and restarted by each PUT, one draw per accepted push and one per
//     answered query, so a run repeats exactly. Each transaction records
//     what chaos did to it under "chaos" (callbacks_dropped,
//     callbacks_duplicated, queries_spike_arrested).
package simulator
