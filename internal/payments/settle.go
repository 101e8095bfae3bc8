package payments

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
)

// result is what Daraja said about an attempt, from a callback or a query.
type result struct {
	Code, Desc string
	// Receipt, HasAmount/AmountCents and PayerPhone come only with a
	// success callback; a query answer carries none of them.
	Receipt     string
	AmountCents int64
	HasAmount   bool
	PayerPhone  string
	Source      string // "callback" or "query"
}

// settle applies r to attempt a inside tx and reports what it did. Every
// move is a conditional UPDATE: a duplicate or late result finds nothing
// to change, except filling in a receipt that an earlier query could not
// give.
func (s *Service) settle(ctx context.Context, tx bun.IDB, a *Attempt, r result) (string, error) {
	info := mpesa.Classify(r.Code)
	switch info.Kind {
	case mpesa.ResultSuccess:
		return s.settleSuccess(ctx, tx, a, r)
	case mpesa.ResultFailed, mpesa.ResultConfigError:
		return s.settleFailure(ctx, tx, a, r, info, StatusFailed)
	case mpesa.ResultTimedOut:
		return s.settleFailure(ctx, tx, a, r, info, StatusTimedOut)
	case mpesa.ResultPending:
		return "pending", nil
	default:
		// Never treat a code we do not know as a failure: money may have
		// moved. The attempt stays open and the sweeper keeps asking.
		s.log.ErrorContext(ctx, "ALERT unknown M-Pesa result code; attempt left unresolved",
			"attempt_id", a.ID, "store_id", a.StoreID, "result_code", r.Code, "source", r.Source)
		return "unknown_result_code", nil
	}
}

func (s *Service) settleSuccess(ctx context.Context, tx bun.IDB, a *Attempt, r result) (string, error) {
	// Daraja's success callback always carries the receipt and the amount;
	// one without them is not Daraja's, whoever learned the URL.
	if r.Source == "callback" && r.Receipt == "" {
		return "success_without_receipt", nil
	}
	if r.Source == "callback" && !r.HasAmount {
		s.log.ErrorContext(ctx, "ALERT success callback without an amount; quarantined", "attempt_id", a.ID, "store_id", a.StoreID)
		return "success_without_amount", nil
	}
	if r.HasAmount && r.AmountCents != a.Amount {
		s.log.ErrorContext(ctx, "ALERT callback amount differs from the prompt; order not paid",
			"attempt_id", a.ID, "store_id", a.StoreID, "prompted", a.Amount, "paid", r.AmountCents)
		return IssueAmountMismatch, recordIssue(ctx, tx, a, IssueAmountMismatch, r.AmountCents, r.Receipt, outbox.PaymentUnmatched)
	}
	now := db.Now()
	// Money moved: whatever we believed before (failed, timed out, even
	// rejected after a lost push answer), the attempt succeeded.
	cur, err := db.UpdateOne[Attempt](ctx, tx.NewUpdate().Set("status = ?", StatusSucceeded).
		Set("receipt = ?", nullable(r.Receipt)).Set("result_code = ?", r.Code).Set("result_desc = ?", r.Desc).
		Set("payer_phone = ?", nullable(r.PayerPhone)).Set("failure_reason = NULL").Set("merchant_reason = NULL").
		Set("resolved_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", a.ID).Where("status <> ?", StatusSucceeded))
	if err != nil {
		return "", err
	}
	if cur == nil {
		return s.fillReceipt(ctx, tx, a, r.Receipt)
	}
	return s.payOrder(ctx, tx, cur, r.Receipt)
}

// payOrder gives a successful attempt's money to its order: pending orders
// are paid; an expired or cancelled one is revived (its stock taken again,
// or, when sold meanwhile, paid and flagged for the merchant); a paid one
// records an overpayment.
func (s *Service) payOrder(ctx context.Context, tx bun.IDB, a *Attempt, receipt string) (string, error) {
	// Nearly every order is still pending: pay it in one statement, and
	// read it only when it was not.
	paid, err := orders.MarkPaid(ctx, tx, a.StoreID, a.OrderID, orders.StatusPending, receipt, "")
	if err != nil {
		return "", err
	}
	if paid != nil {
		return "paid", s.recordOrderEvent(ctx, tx, a, paid, outbox.OrderPaid)
	}
	o, err := orders.Get(ctx, tx, a.StoreID, a.OrderID)
	if err != nil {
		return "", err
	}
	outcome, attention := "paid", ""
	switch o.Status {
	case orders.StatusPending:
		// Paid by nobody a moment ago, pending again now: cannot happen
		// inside this transaction, so it is a bug to stop on.
		return "", errors.New("payments: order changed under the settle transaction")
	case orders.StatusExpired, orders.StatusCancelled:
		outcome = "revived"
		if ok, err := s.reserveAgain(ctx, tx, o); err != nil {
			return "", err
		} else if !ok {
			attention = orders.AttentionNoStock
			s.log.WarnContext(ctx, "ALERT late payment for an order whose stock is gone; merchant must refund or fulfil",
				"order_id", o.ID, "store_id", o.StoreID)
		}
	default:
		// Paid (or fulfilled) already: the customer paid twice.
		return IssueOverpaid, recordIssue(ctx, tx, a, IssueOverpaid, a.Amount, receipt, outbox.PaymentOverpaid)
	}
	paid, err = orders.MarkPaid(ctx, tx, a.StoreID, a.OrderID, o.Status, receipt, attention)
	if err != nil || paid == nil {
		return "", errors.Join(err, errors.New("payments: order changed under the settle transaction"))
	}
	return outcome, s.recordOrderEvent(ctx, tx, a, paid, outbox.OrderPaid)
}

// reserveAgain takes a revived order's items out of stock again, all or
// nothing (a savepoint undoes a partial reservation).
func (s *Service) reserveAgain(ctx context.Context, tx bun.IDB, o *orders.Order) (bool, error) {
	items, err := orders.Items(ctx, tx, o.StoreID, o.ID)
	if err != nil {
		return false, err
	}
	err = db.RunInTx(ctx, tx, func(ctx context.Context, sp bun.IDB) error {
		for _, it := range items {
			if err := catalog.Reserve(ctx, sp, o.StoreID, it.ProductID, it.Quantity); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, catalog.ErrOutOfStock) {
		return false, nil
	}
	return err == nil, err
}

// fillReceipt handles a success for an attempt already settled as a
// success (by a query, or by this same callback delivered twice).
func (s *Service) fillReceipt(ctx context.Context, tx bun.IDB, a *Attempt, receipt string) (string, error) {
	if receipt == "" {
		return "duplicate", nil
	}
	res, err := tx.NewUpdate().Model((*Attempt)(nil)).Set("receipt = ?", receipt).Set("updated_at = ?", db.Now()).
		Where("id = ?", a.ID).Where("receipt IS NULL").Exec(ctx)
	if err != nil || db.Affected(res) == 0 {
		return "duplicate", err
	}
	return "receipt_filled", orders.FillReceipt(ctx, tx, a.StoreID, a.OrderID, receipt)
}

func (s *Service) settleFailure(ctx context.Context, tx bun.IDB, a *Attempt, r result, info mpesa.ResultInfo, status string) (string, error) {
	now := db.Now()
	cur, err := db.UpdateOne[Attempt](ctx, tx.NewUpdate().Set("status = ?", status).
		Set("result_code = ?", r.Code).Set("result_desc = ?", r.Desc).
		Set("failure_reason = ?", info.CustomerReason).Set("merchant_reason = ?", info.MerchantReason).
		Set("resolved_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", a.ID).Where("status IN (?)", bun.In([]string{StatusQueued, StatusPrompted})))
	if err != nil {
		return "", err
	}
	if cur == nil {
		if cur, err := get(ctx, tx, a.ID); err == nil && cur.Status == StatusSucceeded {
			// Money cannot un-move: a failure after a success is either a
			// forgery or Daraja contradicting itself. Keep the success.
			s.log.ErrorContext(ctx, "ALERT failure result for an attempt already succeeded; ignored",
				"attempt_id", a.ID, "store_id", a.StoreID, "result_code", r.Code, "source", r.Source)
		}
		return "duplicate", nil
	}
	return status, s.recordFailure(ctx, tx, cur)
}

// recordFailure tells the seller and the customer that attempt a (as it
// now is) failed; the order stays pending and can be paid with a new
// attempt.
func (s *Service) recordFailure(ctx context.Context, tx bun.IDB, a *Attempt) error {
	o, err := orders.Touch(ctx, tx, a.StoreID, a.OrderID)
	if err != nil {
		return err
	}
	return s.recordOrderEvent(ctx, tx, a, o, outbox.OrderPaymentFailed)
}

// PaymentView is the payment part of an event payload.
type PaymentView struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Receipt       string `json:"receipt,omitempty"`
	ResultCode    string `json:"result_code,omitempty"`
	FailureReason string `json:"failure_reason,omitempty"`
	Phone         string `json:"phone"`
}

// recordOrderEvent records event typ about order o and attempt a, both as
// this transaction just left them.
func (s *Service) recordOrderEvent(ctx context.Context, tx bun.IDB, a *Attempt, o *orders.Order, typ string) error {
	items, err := orders.Items(ctx, tx, o.StoreID, o.ID)
	if err != nil {
		return err
	}
	pay := PaymentView{ID: a.ID, Status: a.Status, Amount: a.Amount, Currency: a.Currency, Receipt: a.Receipt,
		ResultCode: a.ResultCode, FailureReason: a.FailureReason, Phone: mpesa.MaskPhone(a.Phone)}
	_, err = outbox.Record(ctx, tx, a.StoreID, typ, a.OrderID, map[string]any{"order": orders.SnapshotOf(o, items), "payment": pay})
	return err
}

// scheduleQuery enqueues the nth STK Query of a prompted attempt, each
// later than the one before.
func (s *Service) scheduleQuery(ctx context.Context, a *Attempt, n int64) {
	delay := s.queryDelay << min(n, 5)
	if n > 0 && delay < 5*time.Second {
		delay = 5 * time.Second
	}
	j := queueQuery(a, n, delay)
	if err := s.queue.Enqueue(ctx, j); err != nil {
		s.log.ErrorContext(ctx, "enqueue stk query; the sweeper will retry", "attempt_id", a.ID, "err", err)
	}
}
