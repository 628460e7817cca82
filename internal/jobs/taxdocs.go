package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/app"
)

// EmitTaxDocumentWorker carries one Chilean tax document emission to its
// end (docs/dte.md): each run is one step (issue, look up, or ask the
// SII's decision); while the emission is open the job snoozes for the
// step's backoff, so a provider that is down is retried without end and
// never holds anything else up.
type EmitTaxDocumentWorker struct {
	river.WorkerDefaults[app.EmitTaxDocumentArgs]
	App UseCases
}

// Timeout bounds one step: at most two provider calls of 30 s.
func (w *EmitTaxDocumentWorker) Timeout(*river.Job[app.EmitTaxDocumentArgs]) time.Duration {
	return 2 * time.Minute
}

// Work implements river.Worker.
func (w *EmitTaxDocumentWorker) Work(ctx context.Context, job *river.Job[app.EmitTaxDocumentArgs]) error {
	step, err := w.App.Invoicing.EmitTaxDocument(ctx, job.Args)
	if err != nil {
		return err
	}
	if step.Done {
		return nil
	}
	return river.JobSnooze(step.Retry)
}

// ResumeTaxDocumentsArgs asks for emissions whose job is gone.
type ResumeTaxDocumentsArgs struct{}

// Kind implements river.JobArgs.
func (ResumeTaxDocumentsArgs) Kind() string { return "resume_tax_documents" }

// resumeTaxDocumentsInterval is how often stalled emissions are looked
// for; resumeTaxDocumentsBatch bounds one run.
const (
	resumeTaxDocumentsInterval = 15 * time.Minute
	resumeTaxDocumentsBatch    = 500
)

// ResumeTaxDocumentsWorker runs app.Invoicing.ResumeTaxDocuments.
type ResumeTaxDocumentsWorker struct {
	river.WorkerDefaults[ResumeTaxDocumentsArgs]
	App UseCases
}

// Work implements river.Worker.
func (w *ResumeTaxDocumentsWorker) Work(ctx context.Context, _ *river.Job[ResumeTaxDocumentsArgs]) error {
	_, err := w.App.Invoicing.ResumeTaxDocuments(ctx, resumeTaxDocumentsBatch)
	return err
}
