// Package jobs holds cuota's River job arguments and workers. Workers are
// registered once here and run on either store, because river.Workers does
// not depend on the database driver.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
)

// PruneIdempotencyArgs asks for stored Idempotency-Key responses older than
// 24 hours to be deleted.
type PruneIdempotencyArgs struct{}

// Kind implements river.JobArgs.
func (PruneIdempotencyArgs) Kind() string { return "prune_idempotency_keys" }

// PruneIdempotencyWorker deletes expired idempotency records.
type PruneIdempotencyWorker struct {
	river.WorkerDefaults[PruneIdempotencyArgs]
	App UseCases
}

// Work implements river.Worker.
func (w *PruneIdempotencyWorker) Work(ctx context.Context, _ *river.Job[PruneIdempotencyArgs]) error {
	if _, err := w.App.Merchants.PruneIdempotencyKeys(ctx); err != nil {
		return fmt.Errorf("prune idempotency keys: %w", err)
	}
	return nil
}

// SweepArgs asks for the real-time renewal sweep: every subscription on no
// test clock whose next action is due gets it done.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "renewal_sweep" }

// SweepChunk is how many due subscriptions one sweep job handles; the next
// run picks up the rest.
const SweepChunk = 500

// SweepWorker runs the renewal sweep. River runs periodic jobs on the
// elected leader only, so two processes never sweep at once; each
// subscription update is also guarded by its version.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	App UseCases
}

// sweepBudget bounds one sweep job; what is left waits for the next run
// (the periodic job runs again every sweepInterval).
const sweepBudget = time.Minute

// sweepInterval is how often the leader enqueues a sweep.
const sweepInterval = 15 * time.Second

// Timeout gives a sweep job room for its budget plus the chunk in flight.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if _, err := w.App.Renewals.SweepAll(ctx, SweepChunk, app.SweepLanes, time.Now().Add(sweepBudget)); err != nil {
		return fmt.Errorf("renewal sweep: %w", err)
	}
	return nil
}

// ReconcileArgs runs the gateway reconcilers.
type ReconcileArgs struct{}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return "gateway_reconcile" }

// ReconcileChunk is how many refunds and how many payments one reconcile
// job asks the gateways about; the next run picks up the rest.
const ReconcileChunk = 200

// reconcileInterval is how often the leader enqueues a reconcile.
const reconcileInterval = 5 * time.Minute

// ReconcileWorker asks the gateways about refunds and payments whose
// notification may have been lost (pending refunds, pay-page attempts,
// one-off invoices' charges) and records what they say.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	App UseCases
}

// Work implements river.Worker.
func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	_, rerr := w.App.Collection.ReconcileRefunds(ctx, ReconcileChunk)
	_, perr := w.App.PayPages.ReconcilePayments(ctx, ReconcileChunk)
	if err := errors.Join(rerr, perr); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	return nil
}

// RecoverClocksArgs asks for test clocks left advancing by a process that
// is gone (their advance's lease ended) to be resumed or released.
type RecoverClocksArgs struct{}

// Kind implements river.JobArgs.
func (RecoverClocksArgs) Kind() string { return "test_clock_recover" }

// RecoverClocksWorker runs app.Renewals.RecoverTestClocks. serve runs it once at
// start too; this catches a process that dies while the others live on
// (several processes sharing one PostgreSQL database).
type RecoverClocksWorker struct {
	river.WorkerDefaults[RecoverClocksArgs]
	App UseCases
}

// Work implements river.Worker. The advances it resumes run in the
// background, beyond the job.
func (w *RecoverClocksWorker) Work(ctx context.Context, _ *river.Job[RecoverClocksArgs]) error {
	if _, err := w.App.Renewals.RecoverTestClocks(ctx); err != nil {
		return fmt.Errorf("recover test clocks: %w", err)
	}
	return nil
}

// Workers returns every worker cuota runs.
func Workers(a UseCases) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &PruneIdempotencyWorker{App: a})
	river.AddWorker(w, &SweepWorker{App: a})
	river.AddWorker(w, &ReconcileWorker{App: a})
	river.AddWorker(w, &RecoverClocksWorker{App: a})
	river.AddWorker(w, &DispatchWorker{App: a})
	river.AddWorker(w, &SealAuditWorker{App: a})
	river.AddWorker(w, &DeliverWebhookWorker{App: a, Render: apiobj.EventObject})
	river.AddWorker(w, &SendEmailWorker{App: a})
	river.AddWorker(w, &CheckAlertsWorker{App: a})
	river.AddWorker(w, &AlertDigestsWorker{App: a})
	river.AddWorker(w, &EmitTaxDocumentWorker{App: a})
	river.AddWorker(w, &ResumeTaxDocumentsWorker{App: a})
	river.AddWorker(w, &RetryUFInvoicesWorker{App: a})
	river.AddWorker(w, &KeepMRRMonthsWorker{App: a})
	return w
}

// Options tune the periodic jobs; zero fields take the defaults.
type Options struct {
	// DispatchInterval is how often new events are turned into webhook
	// deliveries and emails (default DefaultDispatchInterval). Tests
	// shorten it.
	DispatchInterval time.Duration
	// ClockRecoveryInterval is how often test clocks abandoned mid-advance
	// are looked for (default app.DefaultTestClockLease: a dead process's
	// clock then waits at most about two leases).
	ClockRecoveryInterval time.Duration
	// AuditSealInterval is how often committed audit entries are sealed
	// (default DefaultAuditSealInterval).
	AuditSealInterval time.Duration
	// AlertCheckInterval is how often the alert conditions are checked
	// (default DefaultAlertCheckInterval).
	AlertCheckInterval time.Duration
}

// Periodic returns the periodic jobs with the default options; River runs
// each on its leader only.
func Periodic() []*river.PeriodicJob { return PeriodicWith(Options{}) }

// PeriodicWith returns the periodic jobs tuned by o.
func PeriodicWith(o Options) []*river.PeriodicJob {
	if o.DispatchInterval <= 0 {
		o.DispatchInterval = DefaultDispatchInterval
	}
	if o.AuditSealInterval <= 0 {
		o.AuditSealInterval = DefaultAuditSealInterval
	}
	if o.AlertCheckInterval <= 0 {
		o.AlertCheckInterval = DefaultAlertCheckInterval
	}
	if o.ClockRecoveryInterval <= 0 {
		o.ClockRecoveryInterval = app.DefaultTestClockLease
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PruneIdempotencyArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not unique: after a crash the dead process's sweep stays
		// "running" until River rescues it, and a unique sweep would block
		// every new one until then. Concurrent sweeps are safe: they claim
		// different subscriptions (row locks, version checks, one invoice
		// per period).
		river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(reconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not on start: serve recovers at start already.
		river.NewPeriodicJob(river.PeriodicInterval(o.ClockRecoveryInterval),
			func() (river.JobArgs, *river.InsertOpts) { return RecoverClocksArgs{}, nil }, nil),
		// Not unique either, for the same reason; concurrent dispatchers
		// take turns on each scope's cursor.
		river.NewPeriodicJob(river.PeriodicInterval(o.DispatchInterval),
			func() (river.JobArgs, *river.InsertOpts) { return DispatchArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not unique either: concurrent sealers take turns on each
		// merchant's chain head. On start, so that entries committed
		// before a crash are sealed at once.
		river.NewPeriodicJob(river.PeriodicInterval(o.AuditSealInterval),
			func() (river.JobArgs, *river.InsertOpts) { return SealAuditArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not unique either: two concurrent checks raise the same
		// conditions, and the store keeps one unresolved alert per
		// condition (the second bumps it).
		river.NewPeriodicJob(river.PeriodicInterval(o.AlertCheckInterval),
			func() (river.JobArgs, *river.InsertOpts) { return CheckAlertsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not unique either: a digest is keyed by its scope and day, so two
		// concurrent runs record it once.
		river.NewPeriodicJob(river.PeriodicInterval(AlertDigestInterval),
			func() (river.JobArgs, *river.InsertOpts) { return AlertDigestsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Tax document emissions whose job is gone (docs/dte.md).
		river.NewPeriodicJob(river.PeriodicInterval(resumeTaxDocumentsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ResumeTaxDocumentsArgs{}, nil }, nil),
		// Invoices waiting for their UF value (docs/uf.md).
		river.NewPeriodicJob(river.PeriodicInterval(ufRetryInterval),
			func() (river.JobArgs, *river.InsertOpts) { return RetryUFInvoicesArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Not unique either: two runs keep the same months once (docs/analytics.md).
		river.NewPeriodicJob(river.PeriodicInterval(KeepMRRMonthsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return KeepMRRMonthsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
