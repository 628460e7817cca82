package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// ufRetryInterval is how often the leader retries the invoices waiting
// for their UF value (docs/uf.md). Each waiting invoice has its own
// backoff (billing.UFRetryDelay); a value set by hand makes its invoices
// due at once, so they complete within about this long.
const ufRetryInterval = time.Minute

// RetryUFInvoicesArgs asks for the invoices waiting for their UF value to
// be tried again.
type RetryUFInvoicesArgs struct{}

// Kind implements river.JobArgs.
func (RetryUFInvoicesArgs) Kind() string { return "retry_uf_invoices" }

// RetryUFInvoicesWorker runs app.Invoicing.RetryUFWaits.
type RetryUFInvoicesWorker struct {
	river.WorkerDefaults[RetryUFInvoicesArgs]
	App UseCases
}

// Work implements river.Worker. A failed run is not retried: the next
// periodic run takes the same waits again.
func (w *RetryUFInvoicesWorker) Work(ctx context.Context, _ *river.Job[RetryUFInvoicesArgs]) error {
	if _, err := w.App.Invoicing.RetryUFWaits(ctx); err != nil {
		return river.JobCancel(fmt.Errorf("retry uf invoices: %w", err))
	}
	return nil
}
