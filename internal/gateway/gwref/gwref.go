// Package gwref keeps the local references from cuota's customers to their
// customers on a gateway (the gateway_customers table), so that each
// cuota customer gets exactly one customer on each gateway, however many
// requests ask for it at once and whatever crashes in between.
//
// The rule (docs/architecture.md, "Gateways"; record before you act): a row is
// reserved in the store before the gateway is called. The request that inserted
// the reservation creates the gateway customer and records its id; concurrent
// requests wait for it. A creator whose create fails releases its reservation
// at once, so the next request does not wait for it; a reservation older than
// the TTL is taken to belong to a crashed creator and is taken over (compare
// and set on Updated).
package gwref

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// DefaultTTL is how long a reservation keeps others waiting for its
// creator before they take it over.
const DefaultTTL = 45 * time.Second

// Store is what a gateway adapter needs of cuota's store: transactions (a
// billing.Store is one). A gateway never pings, migrates or closes the
// store, and gwref itself only touches the Gateways area of a transaction.
type Store interface {
	InTx(ctx context.Context, fn func(tx billing.Tx) error) error
}

// Customers reserves and records one gateway's customers.
type Customers struct {
	Store   Store
	Gateway string // billing.GatewayFlow, billing.GatewayStripe…
	// TTL is DefaultTTL when 0.
	TTL    time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// CreateFunc creates the gateway customer of a reservation the caller owns
// and returns the gateway's id for it.
type CreateFunc func(ctx context.Context) (string, error)

func (c *Customers) now() time.Time {
	if c.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return c.Now().UTC().Truncate(time.Microsecond)
}

// inTx runs fn in a transaction of its own that sees only the Gateways
// area: the gateway_customers rows are all gwref reads and writes.
func (c *Customers) inTx(ctx context.Context, fn func(gw billing.GatewayTx) error) error {
	return c.Store.InTx(ctx, func(tx billing.Tx) error { return fn(tx.Gateways) })
}

func (c *Customers) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Ensure returns the gateway customer id of cuota customer customerID,
// calling create at most once per reservation: the local row is reserved
// before the gateway is called, so concurrent callers wait for the one
// that reserved it instead of creating a second customer.
func (c *Customers) Ensure(ctx context.Context, s billing.Scope, customerID string, create CreateFunc) (string, error) {
	ttl := c.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	wait := 50 * time.Millisecond
	for {
		now := c.now()
		var row billing.GatewayCustomer
		mine := false
		err := c.inTx(ctx, func(gw billing.GatewayTx) error {
			var inserted bool
			var err error
			row, inserted, err = gw.ReserveGatewayCustomer(ctx, billing.GatewayCustomer{Scope: s, CustomerID: customerID,
				Gateway: c.Gateway, Created: now, Updated: now})
			if err != nil || row.GatewayCustomerID != "" || inserted {
				mine = inserted
				return err
			}
			if now.Sub(row.Updated) < ttl {
				return nil // someone else is creating it: wait below
			}
			// The reservation's owner is gone: take it over.
			taken := row
			taken.Updated = now
			if mine, err = gw.UpdateGatewayCustomer(ctx, taken, row.Updated); mine {
				row = taken
			}
			return err
		})
		if err != nil {
			return "", fmt.Errorf("%s: reserve customer of %s: %w", c.Gateway, customerID, err)
		}
		if row.GatewayCustomerID != "" {
			return row.GatewayCustomerID, nil
		}
		if mine {
			return c.record(ctx, row, create)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s: wait for the customer of %s: %w", c.Gateway, customerID, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// record creates the gateway customer of a reservation we own and records
// its id. When the reservation was taken over meanwhile, the other
// request's customer wins.
//
// When create fails (the gateway refused or did not answer, or the caller
// refused before sending anything), the reservation is released at once:
// the next request for this customer reserves afresh instead of waiting
// out the TTL for a creator that has given up.
func (c *Customers) record(ctx context.Context, row billing.GatewayCustomer, create CreateFunc) (id string, err error) {
	created := false
	defer func() {
		if !created {
			c.release(ctx, row)
		}
	}()
	id, err = create(ctx)
	if err != nil {
		return "", err
	}
	created = true
	set := row
	set.GatewayCustomerID, set.Updated = id, c.now()
	var got billing.GatewayCustomer
	err = c.inTx(ctx, func(gw billing.GatewayTx) error {
		ok, err := gw.UpdateGatewayCustomer(ctx, set, row.Updated)
		if err != nil || ok {
			got = set
			return err
		}
		// Our reservation was taken over while the gateway was slow: the
		// other request's customer wins; ours stays unused at the gateway.
		got, err = gw.GetGatewayCustomer(ctx, row.Scope, row.CustomerID, c.Gateway)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%s: record customer of %s: %w", c.Gateway, row.CustomerID, err)
	}
	if got.GatewayCustomerID == "" {
		return "", fmt.Errorf("%s: customer of %s is still being created elsewhere", c.Gateway, row.CustomerID)
	}
	if got.GatewayCustomerID != set.GatewayCustomerID {
		c.logger().WarnContext(ctx, "gateway customer created twice; the other one is kept", "gateway", c.Gateway,
			"customer", row.CustomerID, "kept", got.GatewayCustomerID, "unused", set.GatewayCustomerID)
	}
	return got.GatewayCustomerID, nil
}

// release deletes a reservation whose creator gave up, if it is still
// that reservation; it runs even when ctx is done (a cancelled request is
// a creator that gave up too).
func (c *Customers) release(ctx context.Context, row billing.GatewayCustomer) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := c.inTx(ctx, func(gw billing.GatewayTx) error {
		_, err := gw.ReleaseGatewayCustomer(ctx, row)
		return err
	})
	if err != nil {
		c.logger().WarnContext(ctx, "releasing a gateway customer reservation failed; it expires on its own", "gateway", c.Gateway,
			"customer", row.CustomerID, "ttl", c.TTL, "error", err)
	}
}

// Stored returns the recorded gateway customer id of a customer ("" while
// it is only reserved). A customer without a row is billing.ErrNotFound.
func (c *Customers) Stored(ctx context.Context, s billing.Scope, customerID string) (string, error) {
	var id string
	err := c.inTx(ctx, func(gw billing.GatewayTx) error {
		gc, err := gw.GetGatewayCustomer(ctx, s, customerID, c.Gateway)
		id = gc.GatewayCustomerID
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%s: customer of %s: %w", c.Gateway, customerID, err)
	}
	return id, nil
}
