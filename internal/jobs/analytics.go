package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// KeepMRRMonthsInterval is how often the leader keeps the MRR of the
// months that closed (app.Analytics.KeepClosedMonths): a month may be kept
// two hours after it ends, so the first overview of a month finds last
// month kept within about three.
const KeepMRRMonthsInterval = time.Hour

// KeepMRRMonthsArgs asks for the closed months to be kept.
type KeepMRRMonthsArgs struct{}

// Kind implements river.JobArgs.
func (KeepMRRMonthsArgs) Kind() string { return "keep_mrr_months" }

// KeepMRRMonthsWorker runs app.Analytics.KeepClosedMonths.
type KeepMRRMonthsWorker struct {
	river.WorkerDefaults[KeepMRRMonthsArgs]
	App UseCases
}

// Work implements river.Worker. A failed run is not retried: the next
// hourly run keeps what is still missing, and a report computes it
// meanwhile.
func (w *KeepMRRMonthsWorker) Work(ctx context.Context, _ *river.Job[KeepMRRMonthsArgs]) error {
	if _, err := w.App.Analytics.KeepClosedMonths(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("keep closed mrr months: %w", err))
	}
	return nil
}
