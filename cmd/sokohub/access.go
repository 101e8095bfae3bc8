package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/secrets"
)

const adminUsage = `usage: sokohub admin create-user --email EMAIL --role platform_admin|platform_support [--password-stdin]

The password is read from standard input with --password-stdin; otherwise
one is generated and printed once.`

const secretsUsage = `usage: sokohub secrets rotate-key [--dry-run] | sokohub secrets new-key

Rotating the master key:
  1. sokohub secrets new-key prints a fresh key.
  2. On every process set SOKOHUB_MASTER_KEY to it and SOKOHUB_OLD_MASTER_KEYS
     to the old key (comma-separate several), and restart: new values are
     sealed with the new key, old ones still open with the old.
  3. sokohub secrets rotate-key rewraps every stored secret under the new key
     (--dry-run first: it opens every value and changes nothing).
  4. When a run reports 0 rewrapped, drop SOKOHUB_OLD_MASTER_KEYS.`

// cliApp builds the parts from the environment, like the servers do, for
// a one-off command; dev defaults fill the gaps (the dev data dir's key).
func cliApp(ctx context.Context, log *slog.Logger) (*app.App, error) {
	cfg, err := config.Load(config.ModeDev, os.Getenv)
	if err != nil {
		return nil, err
	}
	if cfg.MasterKey == nil {
		if cfg.MasterKey, err = devstack.MasterKey(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	return app.New(ctx, cfg, log, false)
}

func adminCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "create-user" {
		return errors.New(adminUsage)
	}
	fs := flag.NewFlagSet("admin create-user", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", policy.RolePlatformAdmin, "platform_admin or platform_support")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args[1:]); err != nil || *email == "" {
		return errors.New(adminUsage)
	}
	password := ""
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("no password on standard input")
		}
	}
	a, err := cliApp(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, generated, err := a.EnsurePlatformUser(ctx, *email, password, *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is %s (user %s).\n", u.Email, *role, u.ID)
	if generated != "" {
		fmt.Fprintf(stdout, "Password (shown once, store it now): %s\n", generated)
	}
	return nil
}

func secretsCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 1 && args[0] == "new-key" {
		k, err := secrets.GenerateMasterKey()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, k)
		return nil
	}
	if len(args) == 0 || args[0] != "rotate-key" {
		return errors.New(secretsUsage)
	}
	fs := flag.NewFlagSet("secrets rotate-key", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "open every value and report; change nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return errors.New(secretsUsage)
	}
	a, err := cliApp(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := secrets.NewKeyring(a.Config.MasterKey, a.Config.OldMasterKeys...)
	if err != nil {
		return err
	}
	r, err := admin.Rewrap(ctx, a.DB, keys, *dryRun)
	if err != nil {
		return err
	}
	verb := "rewrapped"
	if *dryRun {
		verb = "would rewrap"
	}
	fmt.Fprintf(stdout, "%d sealed values: %d already under key %s, %s %d.\n", r.Values, r.Current, keys.KeyID(), verb, r.Rewrapped)
	return nil
}
