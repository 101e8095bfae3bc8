// Package contract is the Daraja wire contract as tests: the status codes,
// JSON types, error codes and messages, and quirks of
// shared/reference/daraja.md, asserted over raw HTTP (net/http, never our
// client), so the same suite judges the simulator and the real gateway.
//
// By default it starts the simulator in-process. With
// SOKOHUB_DARAJA_CONTRACT_URL (a Daraja base URL) and
// SOKOHUB_DARAJA_CONTRACT_KEY, _SECRET, _SHORTCODE (a paybill), _PASSKEY
// and _MSISDN set, TestContractLive also runs the subset that makes sense
// against that gateway (no limits that were only documented, no customer
// scenarios); SOKOHUB_DARAJA_CONTRACT_CALLBACK_URL optionally names where
// its one real push asks Daraja to post the callback. Simulator-only
// behaviour (test numbers, the control API) is in TestSimulatorScenarios.
package contract
