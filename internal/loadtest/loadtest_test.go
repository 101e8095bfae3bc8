package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSmokeRun drives a short run of every phase against an in-process
// stack and asserts only correctness: every order is in the state the
// simulator says, webhooks arrived signed, and the counts add up. Speed is
// never asserted.
func TestSmokeRun(t *testing.T) {
	rep, err := Run(context.Background(), Options{
		InProcess: true, DatabaseURL: os.Getenv("SOKOHUB_DATABASE_URL"), RedisURL: os.Getenv("SOKOHUB_REDIS_URL"),
		Stores: 3, Rate: 20, Duration: 2 * time.Second, CallbackRate: 30, PollSample: 0.5,
		Mix:    Mix{KindPaid: 70, KindInsufficient: 10, KindCancel: 10, KindNoAnswer: 10},
		Growth: []int{4}, GrowthRate: 10, GrowthDuration: time.Second,
		FairStores: 2, FairRate: 3, FairDuration: time.Second,
		WebhookBurst: 40, WebhookRate: 10, WebhookDuration: time.Second,
		Baselines: true, BaselineTime: time.Second,
	})
	require.NoError(t, err)
	var table bytes.Buffer
	rep.WriteTable(&table)
	t.Log("\n" + table.String())
	require.True(t, rep.OK, "%s", table.String())
	require.Len(t, rep.Phases, 4, "flow, growth-4, fair-base, fair-hot")
	for _, p := range rep.Phases {
		c := p.Check
		require.Zero(t, c.Lost, "%s: %v", p.Name, c.Problems)
		require.Positive(t, c.Paid, p.Name)
		require.Equal(t, c.Orders, c.Paid+c.Failed+c.TimedOut+c.Rejected, "%s: the outcomes add up", p.Name)
		require.Zero(t, c.BadSignatures, p.Name)
		require.Equal(t, c.Orders, p.Latency["checkout"].N+p.Latency["checkout_hot"].N, p.Name)
		require.LessOrEqual(t, p.Latency["paid_to_webhook"].N, c.Paid, p.Name)
		require.Equal(t, c.Paid, p.Latency["paid_to_webhook"].N, "%s: every paid order's webhook is timed", p.Name)
	}
	flow := rep.Phases[0]
	require.Positive(t, flow.Check.Failed+flow.Check.TimedOut+flow.Check.Rejected, "the mix has failures")
	require.Positive(t, flow.Latency["callback_ack"].N, "top-up callbacks were acknowledged")
	require.Equal(t, flow.Check.Paid-flow.Latency["callback_to_paid"].N, 0, "each paid order was paid by its callback")
	require.Contains(t, rep.Phases[3].Latency, "checkout_hot")
	require.NotNil(t, rep.Fairness)

	wh := rep.Webhooks
	require.NotNil(t, wh)
	require.Zero(t, wh.BurstMissing)
	require.Zero(t, wh.SteadyMissing)
	require.Equal(t, 40, wh.BurstLatency.N)
	require.Equal(t, 10, wh.SteadyLatency.N)

	require.NotNil(t, rep.Baselines)
	require.Positive(t, rep.Baselines.FiberRPS)
	if os.Getenv("SOKOHUB_DATABASE_URL") != "" {
		require.Positive(t, rep.Baselines.PgbenchTPS, "%v", rep.Baselines.Notes)
	}
	if os.Getenv("SOKOHUB_REDIS_URL") != "" {
		require.Len(t, rep.Baselines.Redis, 5, "%v", rep.Baselines.Notes)
	}
	_, err = json.Marshal(rep)
	require.NoError(t, err)
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("paid=8, cancel=2")
	require.NoError(t, err)
	require.Equal(t, Mix{KindPaid: 8, KindCancel: 2}, m)
	for _, bad := range []string{"", "paid", "paid=x", "refund=3", "paid=0", "paid=-1"} {
		_, err := ParseMix(bad)
		require.Error(t, err, bad)
	}
}

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	s := summarize(d)
	require.Equal(t, Summary{N: 100, P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5}, s)
	require.Equal(t, Summary{}, summarize(nil))
}
