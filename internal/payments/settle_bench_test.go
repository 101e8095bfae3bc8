package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/queue/queuetest"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/orders"
)

// BenchmarkHandleCallback is the reconcile transaction: a stored success
// callback for a prompted attempt, matched and settled (attempt succeeded,
// order paid, order.paid in the outbox, callback marked processed). Each
// iteration prepares a fresh order outside the timer.
func BenchmarkHandleCallback(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b)
	jobs := &queuetest.Recorder{}
	svc := NewService(Config{DB: d, Queue: jobs, PublicURL: "http://127.0.0.1", Tokens: tokens.NewDeriver([]byte("k")),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	now := db.Now()
	sid, uid := db.NewID("sto"), db.NewID("usr")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id,email,name,password_hash,created_at) VALUES (?,?,'A','x',?)`, []any{uid, uid + "@x", now}},
		{`INSERT INTO stores (id,slug,name,owner_id,status,currency,order_seq,created_at) VALUES (?,?,'S',?,'active','KES',0,?)`,
			[]any{sid, "bench", uid, now}},
	} {
		if _, err := d.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	var last string
	b.ReportAllocs()
	b.StopTimer()
	for i := range b.N {
		o := &orders.Order{ID: db.NewID("ord"), StoreID: sid, Number: int64(1001 + i), Status: orders.StatusPending, Total: 10000,
			Currency: "KES", Phone: "254712345678", TokenHash: "h", Sequence: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := d.NewInsert().Model(o).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		a, err := svc.Start(ctx, d, sid, o.ID, o.Phone, o.Total, "KES")
		if err != nil {
			b.Fatal(err)
		}
		cid := fmt.Sprintf("ws_CO_%012d", i)
		if _, err := d.NewUpdate().Model((*Attempt)(nil)).Set("status = ?", StatusPrompted).Set("checkout_request_id = ?", cid).
			Where("id = ?", a.ID).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		token := strings.TrimPrefix(svc.CallbackURL(a.ID), "http://127.0.0.1/callbacks/stk/")
		body := fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":"1-1-1","CheckoutRequestID":%q,"ResultCode":0,`+
			`"ResultDesc":"ok","CallbackMetadata":{"Item":[{"Name":"Amount","Value":100.00},{"Name":"MpesaReceiptNumber",`+
			`"Value":"QK%08d"},{"Name":"TransactionDate","Value":20261203120000},{"Name":"PhoneNumber","Value":254712345678}]}}}}`, cid, i)
		if err := svc.Receive(ctx, token, []byte(body), "127.0.0.1", false); err != nil {
			b.Fatal(err)
		}
		payload, _ := json.Marshal(queue.Payload{ID: jobs.Jobs()[len(jobs.Jobs())-1].ID})
		task := asynq.NewTask(queue.TypeCallback, payload)
		b.StartTimer()
		if err := svc.HandleCallback(ctx, task); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		last = o.ID
	}
	if o, err := orders.Get(ctx, d, sid, last); err != nil || o.Status != orders.StatusPaid {
		b.Fatalf("the last order is not paid: %v %v", o.Status, err)
	}
}
