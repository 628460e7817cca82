// Package invoicepdf renders a billing.Invoice as a PDF document a
// merchant can send to its customer.
//
// The document is in Spanish when the customer's locale (or, when the
// customer has none, the merchant's) is Spanish and in English otherwise;
// amounts are formatted with money.Format and dates in the merchant's time
// zone. Text is set in an embedded DejaVu Sans, so any character of the
// Basic Multilingual Plane that DejaVu Sans draws (accents, "€", "Ł",
// Cyrillic, Greek…) shows as written.
//
// Rendering is deterministic: the same Input always gives the same bytes.
// Nothing is read from the clock or the file system, the document dates
// come from the invoice, and the PDF's internal catalogs are written in a
// fixed order.
package invoicepdf
