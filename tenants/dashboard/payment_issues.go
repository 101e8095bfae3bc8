package dashboard

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/orders"
)

type issuesPage struct {
	Issues  []payments.Issue
	Problem string
}

// issues lists money that arrived but could not simply pay its order
// (a second payment, or another amount than asked), open ones first.
func (d *Dashboard) issues(c *fiber.Ctx) error { return d.renderIssues(c, fiber.StatusOK, "") }

func (d *Dashboard) renderIssues(c *fiber.Ctx, status int, problem string) error {
	is, err := payments.Issues(c.UserContext(), d.DB, current(c).ID, payments.IssueOpen)
	if err != nil {
		return err
	}
	return render(c, status, "issues", d.view(c, "Payment problems", "issues", issuesPage{Issues: is, Problem: problem}))
}

// resolveIssue records a refund made outside SokoHub, or uses the money
// to pay another pending order, named by its number.
func (d *Dashboard) resolveIssue(c *fiber.Ctx) error {
	action, orderID := c.FormValue("action"), ""
	if action == payments.ResolveMatch {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(c.FormValue("order")), "#"), 10, 64)
		if err != nil {
			return d.renderIssues(c, fiber.StatusBadRequest, "Type the number of the pending order this money pays, like 1004.")
		}
		os, err := orders.Search(c.UserContext(), d.DB, current(c).ID, orders.Filter{Query: strconv.FormatInt(n, 10),
			Status: orders.StatusPending, Limit: 20})
		if err != nil {
			return err
		}
		for _, o := range os {
			if o.Number == n {
				orderID = o.ID
			}
		}
		if orderID == "" {
			return d.renderIssues(c, fiber.StatusBadRequest, "There is no pending order #"+strconv.FormatInt(n, 10)+".")
		}
	}
	_, err := d.Payments.Resolve(c.UserContext(), current(c).ID, c.Params("id"), action, orderID)
	if errors.Is(err, payments.ErrIssueResolved) {
		return c.Redirect(base(c)+"/payments", fiber.StatusSeeOther)
	}
	if bad, err := problems(err); err != nil {
		return err
	} else if bad != nil {
		for _, msg := range bad {
			return d.renderIssues(c, fiber.StatusBadRequest, msg)
		}
	}
	return c.Redirect(base(c)+"/payments?done=resolved", fiber.StatusSeeOther)
}
