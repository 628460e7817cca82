package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// DefaultAuditSealInterval is how often the leader seals new audit
// entries (app.Merchants.SealAuditLog).
const DefaultAuditSealInterval = time.Second

// SealAuditArgs asks for the committed audit entries to be sealed.
type SealAuditArgs struct{}

// Kind implements river.JobArgs.
func (SealAuditArgs) Kind() string { return "seal_audit_log" }

// SealAuditWorker runs the audit log's sealer.
type SealAuditWorker struct {
	river.WorkerDefaults[SealAuditArgs]
	App UseCases
}

// Timeout implements river.Worker: a large backlog (after an outage) is
// sealed in batches, each its own transaction.
func (w *SealAuditWorker) Timeout(*river.Job[SealAuditArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker. A failed run is not retried: the next
// periodic run seals from the same heads.
func (w *SealAuditWorker) Work(ctx context.Context, _ *river.Job[SealAuditArgs]) error {
	if _, err := w.App.Merchants.SealAuditLog(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("seal audit log: %w", err))
	}
	return nil
}
