package main_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/faults/cluster"
)

func TestMain(m *testing.M) { cluster.Main(m) }

// halfSentRequest opens a connection to addr and sends a login request
// without the last byte of its body: the server holds it as a request in
// progress. finish sends the rest, reads the answer and tells whether the
// server closed the connection after it.
func halfSentRequest(t *testing.T, addr string) (finish func() (*http.Response, bool)) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	body := `{"email":"nobody@example.com","password":"not this one"}`
	_, err = conn.Write([]byte("POST /api/v1/login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:len(body)-1]))
	require.NoError(t, err)
	return func() (*http.Response, bool) {
		_, err := conn.Write([]byte(body[len(body)-1:]))
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		rd := bufio.NewReader(conn)
		res, err := http.ReadResponse(rd, nil)
		require.NoError(t, err, "the request under way is answered")
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		_, err = rd.ReadByte()
		return res, errors.Is(err, io.EOF)
	}
}

// waitRefused waits until nothing accepts connections on addr.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, 15*time.Second, 50*time.Millisecond, "the listener closes")
}

func TestGatewayDrainsAndFinishesRequestsOnSIGTERM(t *testing.T) {
	t.Parallel()
	c := cluster.Start(t, cluster.Options{Gateways: 1,
		Env: map[string]string{"SOKOHUB_DRAIN_DELAY": "1s", "SOKOHUB_SHUTDOWN_GRACE": "10s"}})
	gw := c.Gateways[0]
	finish := halfSentRequest(t, gw.Addr)
	time.Sleep(200 * time.Millisecond) // the gateway has the headers

	gw.Signal(syscall.SIGTERM)
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + gw.Addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable
	}, 5*time.Second, 20*time.Millisecond, "readiness fails while draining, and the gateway still serves")
	live, err := http.Get("http://" + gw.Addr + "/healthz")
	require.NoError(t, err, "still serving during the drain delay")
	live.Body.Close()
	require.Equal(t, http.StatusOK, live.StatusCode, "liveness stays ok: draining is not dying")

	waitRefused(t, gw.Addr)
	require.False(t, gw.Exited(), "the request under way holds the shutdown")
	res, closed := finish()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "answered as usual: wrong password")
	require.True(t, closed, "and the connection is closed after it")
	require.NoError(t, gw.Wait(15*time.Second), "exit status 0")
	require.Contains(t, gw.Logs(), `"msg":"gateway stopped"`)
}

func TestWorkerHandsBackTasksOnSIGTERM(t *testing.T) {
	t.Parallel()
	c := cluster.Start(t, cluster.Options{Gateways: 1, Workers: 1, Env: map[string]string{"SOKOHUB_SHUTDOWN_GRACE": "1s"}})
	c.Hooks.Delay.Store(int64(time.Minute)) // every webhook delivery hangs
	shop := c.NewShop(t, "handback")
	st, err := shop.Checkout(context.Background(), cluster.Phone(1, 1))
	require.NoError(t, err)
	require.Equal(t, 201, st)
	require.Eventually(t, func() bool { return c.Hooks.InFlight.Load() > 0 }, 30*time.Second, 20*time.Millisecond,
		"a delivery is under way")

	w := c.Workers[0]
	start := time.Now()
	w.Signal(syscall.SIGTERM)
	require.NoError(t, w.Wait(15*time.Second), "exit status 0 within the grace period (and Asynq's margin)")
	t.Logf("worker stopped %s after SIGTERM with a task in flight", time.Since(start).Round(time.Millisecond))
	require.Contains(t, w.Logs(), `"msg":"worker stopped"`)

	insp := c.Inspector()
	tasks, err := insp.ListPendingTasks(c.Names().Queue("webhooks"))
	require.NoError(t, err)
	require.NotEmpty(t, tasks, "the unfinished delivery went back to its queue")
	require.Equal(t, "webhook:deliver", tasks[0].Type)

	// A new worker finishes it (once the lost run's lease lapses).
	c.Hooks.Delay.Store(0)
	c.Restart(w)
	require.Eventually(t, func() bool {
		for _, d := range c.Hooks.Accepted() {
			if d.Type == "order.created" {
				return true
			}
		}
		return false
	}, 3*time.Minute, 200*time.Millisecond, "the handed-back delivery is delivered")
}

func TestDevStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	addr := cluster.FreeAddr(t)
	p := cluster.StartProc(t, "dev", cluster.Binary(t), addr, map[string]string{
		// dev's embedded Redis, on SQLite or a fresh PostgreSQL database.
		"SOKOHUB_HTTP_ADDR": addr, "SOKOHUB_DATA_DIR": t.TempDir(), "SOKOHUB_DATABASE_URL": dbtest.URL(t),
		"SOKOHUB_SHUTDOWN_GRACE": "10s"}, "dev")
	p.WaitReady("/readyz", 3*time.Minute)
	finish := halfSentRequest(t, addr)
	time.Sleep(200 * time.Millisecond)
	p.Signal(syscall.SIGTERM)
	waitRefused(t, addr)
	res, _ := finish()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.NoError(t, p.Wait(15*time.Second))
	require.Contains(t, p.Logs(), `"msg":"stopped"`)
}
