package loadtest

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "machine: %d CPUs, %.1f GiB, load %.2f at start, %s, %s, %s; stack: %s\n\n",
		m.CPUs, m.MemoryGiB, m.Load1, m.Go, m.Database, m.Redis, r.Stack)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tstores\tmode\torders/s\tpaid+hook/s\tcheckout p50/p99\tcb ack p99\tcb→paid p50/p99\t"+
		"paid→hook p50/p99\tseen paid p50/p99\tdrain s\tRSS MiB\tCPU ms/order stack+db\tcheck\t")
	for _, p := range r.Phases {
		l := p.Latency
		mode := p.Mode
		if p.Concurrency == 0 {
			mode = fmt.Sprintf("%s %g/s", mode, p.Rate+p.HotRate)
		}
		orders := float64(max(p.Created, 1))
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.0f\t%.1f+%.1f\t%s\t\n", p.Name, p.Stores, mode,
			p.CreatedPerS, p.PaidPerS, pair(l["checkout"]), p99(l["callback_ack"]), pair(l["callback_to_paid"]),
			pair(l["paid_to_webhook"]), pair(l["checkout_to_seen_paid"]), p.DrainS, p.RSS.PeakMiB,
			1000*p.RSS.CPUSeconds/orders, 1000*p.RSS.DBCPUSeconds/orders, checkWord(p.Check))
	}
	_ = tw.Flush()
	for _, p := range r.Phases {
		c := p.Check
		fmt.Fprintf(w, "\n%s: %d orders = %d paid + %d failed + %d timed out + %d rejected (%d on a busy test number); "+
			"lost %d, unsettled %d, mismatched %d, missing webhooks %d, bad signatures %d, duplicate deliveries %d, "+
			"orders the client never heard of %d, client drops %d\n", p.Name, c.Orders, c.Paid, c.Failed, c.TimedOut, c.Rejected,
			c.BusyPhone, c.Lost, c.Unsettled, c.Mismatched, c.NoWebhook, c.BadSignatures, c.Duplicates, c.Unanswered, p.Dropped)
		if !p.BacklogAtStart.idle() {
			fmt.Fprintf(w, "  started behind the previous phase's backlog: %+v\n", p.BacklogAtStart)
		}
		for _, pr := range c.Problems {
			fmt.Fprintf(w, "  problem: %s\n", pr)
		}
		for _, k := range sortedKeys(p.Errors) {
			fmt.Fprintf(w, "  error ×%d: %s\n", p.Errors[k], k)
		}
		fmt.Fprintf(w, "  paid→hook split: event→relayed p50/p99 %s ms, relayed→delivered p50/p99 %s ms\n",
			pair(p.Latency["event_to_relayed"]), pair(p.Latency["relayed_to_delivered"]))
		if len(p.RSS.RowWrites) > 0 {
			fmt.Fprintf(w, "  rows written per order: %s\n", perOrder(p.RSS.RowWrites, p.Created))
		}
		if hot, ok := p.Latency["checkout_hot"]; ok {
			fmt.Fprintf(w, "  hot store checkout p50/p99 %s ms\n", pair(hot))
		}
	}
	if f := r.Fairness; f != nil {
		fmt.Fprintf(w, "\nfairness: other stores' checkout p99 %.1f ms alone, %.1f ms next to a store at 10× their rate (%+.0f%%)\n",
			f.BaseP99, f.HotP99, 100*f.Slowdown)
	}
	if wh := r.Webhooks; wh != nil {
		fmt.Fprintf(w, "\nwebhooks alone (%d stores): %d committed events delivered at %.0f/s (committed→received p50/p99 %s ms, %d missing); "+
			"at %g/s steady: p50/p99 %s ms, max %.1f ms, %d missing; RSS peak %.0f MiB\n", wh.Stores, wh.Burst, wh.BurstPerS,
			pair(wh.BurstLatency), wh.BurstMissing, wh.SteadyRate, pair(wh.SteadyLatency), wh.SteadyLatency.Max, wh.SteadyMissing,
			wh.RSS.PeakMiB)
	}
	if b := r.Baselines; b != nil {
		fmt.Fprintf(w, "\nmachine limits: pgbench checkout-shaped tx %.0f tps; empty Fiber handler %.0f req/s (p50 %.2f ms)",
			b.PgbenchTPS, b.FiberRPS, b.FiberLatency.P50)
		for _, k := range sortedKeys(b.Redis) {
			fmt.Fprintf(w, "; redis %s %.0f/s", k, b.Redis[k])
		}
		fmt.Fprintln(w)
		for _, n := range b.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	for _, k := range sortedKeys(r.Ratios) {
		fmt.Fprintf(w, "ratio %s = %.3f\n", k, r.Ratios[k])
	}
	if r.Phases != nil && r.Phases[0].RSS.SharesHarness {
		fmt.Fprintln(w, "\nRSS is this process's: the stack ran in-process, so it includes the load client.")
	}
	fmt.Fprintf(w, "\nend check: %s\n", map[bool]string{true: "every order matches the simulator, nothing lost", false: "FAILED"}[r.OK])
}

func pair(s Summary) string { return fmt.Sprintf("%.1f/%.1f", s.P50, s.P99) }

// p99 is s's p99, or "–" when nothing was timed (the simulator's own
// callbacks are not: a run without top-up callbacks has no cb ack).
func p99(s Summary) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", s.P99)
}

func checkWord(c Check) string {
	if c.OK {
		return "ok"
	}
	return fmt.Sprintf("LOST %d", c.Lost)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// perOrder reads a count by table as "total N: table n, …" per order,
// biggest first.
func perOrder(counts map[string]int64, orders int) string {
	n := float64(max(orders, 1))
	tables := make([]string, 0, len(counts))
	var total int64
	for t, c := range counts {
		tables = append(tables, t)
		total += c
	}
	sort.Slice(tables, func(i, j int) bool { return counts[tables[i]] > counts[tables[j]] })
	out := fmt.Sprintf("total %.1f:", float64(total)/n)
	for _, t := range tables {
		out += fmt.Sprintf(" %s %.2f", t, float64(counts[t])/n)
	}
	return out
}
