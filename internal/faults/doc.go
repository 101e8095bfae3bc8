// Package faults is the fault-injection suite: SokoHub deployed as two
// gateways and two workers (separate processes of the real binary) with the
// Daraja simulator, under checkout load, while in turn a worker is
// SIGKILLed mid-task, a gateway is killed mid-request, the deployment's
// Redis keys are wiped, its PostgreSQL database refuses connections, the
// simulator loses 30% of callbacks and the sellers' webhook receiver is
// down for a (simulated) day. After each fault settles, the database, the
// webhook receiver, the notification outbox and the queues are checked
// against the simulator's record of the money (cluster.Check), and the
// recovery time is printed. It needs real PostgreSQL and Redis
// (SOKOHUB_DATABASE_URL, SOKOHUB_REDIS_URL) and skips without them.
//
// The shared Redis is never restarted or flushed: the "Redis lost its data"
// fault deletes only the cluster's own namespace. PostgreSQL is not
// restarted either: only the cluster's database is closed to connections
// and its sessions terminated.
package faults
