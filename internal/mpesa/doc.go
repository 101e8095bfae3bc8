// Package mpesa is SokoHub's client for Safaricom Daraja M-Pesa Express
// (STK Push) and the rules that surround it: phone numbers, amounts,
// timestamps, credentials, result codes and callback parsing.
//
// Everything here follows shared/reference/daraja.md. Where the live
// gateway and Safaricom's documentation disagree, the client accepts both
// (for example expires_in and ResultCode arrive as strings or numbers).
//
// The client never decides whether an order is paid. It reports what
// Daraja said: [Client.Push] returns an [Outcome], [Client.Query] a
// [QueryState], [ParseCallback] a [Callback], and [Classify] turns a
// ResultCode into a [ResultKind]. The payments package owns the state
// machine built on top.
package mpesa
