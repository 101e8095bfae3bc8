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
package simulator
