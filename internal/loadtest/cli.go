package loadtest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Main is "sokohub loadtest [flags]" (and "sokohub loadtest stack", the
// child it starts). Database and Redis come from SOKOHUB_DATABASE_URL and
// SOKOHUB_REDIS_URL; unset, the run is on SQLite and an embedded Redis.
func Main(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) > 0 && args[0] == "stack" {
		role := RoleAll
		if len(args) > 1 {
			role = args[1]
		}
		return ServeStack(ctx, role, log)
	}
	o := Options{DatabaseURL: os.Getenv("SOKOHUB_DATABASE_URL"), RedisURL: os.Getenv("SOKOHUB_REDIS_URL"), Log: log}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&o.URL, "url", "", "a running stack (its SOKOHUB_DATABASE_URL and SOKOHUB_MASTER_KEY in the environment)")
	fs.IntVar(&o.PID, "pid", 0, "with --url: the stack's process id, for RSS")
	fs.BoolVar(&o.InProcess, "inprocess", false, "run the stack in this process (its RSS then includes the load client)")
	fs.StringVar(&o.StoreLimits, "store-limits", "off", "SOKOHUB_STORE_DARAJA_LIMITS of the stack")
	fs.IntVar(&o.Stores, "stores", 100, "stores taking the main run's customers")
	fs.Float64Var(&o.Rate, "rate", 300, "customers per second (open loop)")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "concurrent customers (closed loop, instead of --rate)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "length of the main run")
	mix := fs.String("mix", "paid=90,insufficient=4,cancel=3,wrong_pin=3", "outcomes: paid, insufficient, cancel, wrong_pin, no_answer")
	fs.Float64Var(&o.CallbackRate, "callback-rate", 500, "callbacks per second the gateway gets in all (the harness tops up)")
	fs.Float64Var(&o.PollSample, "poll-sample", 0.1, "share of customers who watch their order page")
	fs.DurationVar(&o.PollEvery, "poll-every", 100*time.Millisecond, "how often a watching customer looks")
	growth := fs.String("growth", "", "store counts for the growth runs, e.g. 1,100,10000")
	fs.Float64Var(&o.GrowthRate, "growth-rate", 200, "customers per second in each growth run")
	fs.DurationVar(&o.GrowthDuration, "growth-duration", 15*time.Second, "length of each growth run")
	fs.IntVar(&o.FairStores, "fair-stores", 0, "stores of the fairness runs (0: skip)")
	fs.Float64Var(&o.FairRate, "fair-rate", 15, "customers per second of each fair store; the hot one gets 10×")
	fs.DurationVar(&o.FairDuration, "fair-duration", 15*time.Second, "length of each fairness run")
	fs.IntVar(&o.WebhookBurst, "webhook-burst", 0, "events committed at once for the delivery-only run (0: skip)")
	fs.Float64Var(&o.WebhookRate, "webhook-rate", 60, "events per second of the steady delivery-only run")
	fs.DurationVar(&o.WebhookDuration, "webhook-duration", 20*time.Second, "length of the steady delivery-only run")
	fs.BoolVar(&o.Baselines, "baselines", false, "measure pgbench, redis-benchmark and an empty Fiber handler too")
	fs.DurationVar(&o.BaselineTime, "baseline-time", 5*time.Second, "length of each baseline")
	all := fs.Bool("all", false, "everything: baselines, growth 1,100,10000, fairness (10 stores), webhooks (3000 burst)")
	jsonPath := fs.String("json", "", "also write the report as JSON to this file")
	fs.StringVar(&o.ProfileDir, "profile", "", "directory for the stack's CPU and heap profiles of the main run and the webhook burst")
	fs.StringVar(&o.StackLog, "stack-log", "", "write the child stack's logs to `PATH`.gateway and PATH.worker (PATH.all for the one-process SQLite stack)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.Mix, err = ParseMix(*mix); err != nil {
		return err
	}
	if o.Growth, err = parseCounts(*growth); err != nil {
		return err
	}
	if *all {
		o.Baselines = true
		if o.Growth == nil {
			o.Growth = []int{1, 100, 10000}
		}
		o.FairStores = max(o.FairStores, 10)
		o.WebhookBurst = max(o.WebhookBurst, 3000)
	}
	rep, err := Run(ctx, o)
	if err != nil {
		return err
	}
	rep.WriteTable(stdout)
	if *jsonPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonPath, b, 0o644); err != nil {
			return err
		}
	}
	if !rep.OK {
		return fmt.Errorf("loadtest: the end check failed")
	}
	return nil
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' }) {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("loadtest: --growth %q: want store counts such as 1,100,10000", s)
		}
		out = append(out, n)
	}
	return out, nil
}
