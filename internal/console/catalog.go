package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// catalogPage is how many products or prices a catalog page lists.
const catalogPage = 50

// catalogView is the products list with the form of a new product.
type catalogView struct {
	Products []billing.Product
	NextURL  string
	Paged    bool
	Loc      *time.Location
	Form     url.Values // the new product's form after an error
}

func (h configArea) catalog(q *req) { h.showCatalog(q, http.StatusOK, "", nil) }

func (h configArea) showCatalog(q *req, status int, errMsg string, form url.Values) {
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Catalog.ListProducts(q.ctx, q.scope(), billing.ProductFilter{}, billing.Page{Limit: catalogPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := catalogView{Products: list.Data, Paged: after != "", Loc: merchantLoc(q), Form: form}
	if list.HasMore && len(list.Data) > 0 {
		view.NextURL = "/console/catalog?" + url.Values{"after": {list.Data[len(list.Data)-1].ID}}.Encode()
	}
	d := q.data(q.l.Cfg.CatalogTitle, "catalog")
	d.Sub, d.Error, d.D = "products", errMsg, view
	h.showStatus(q, "catalog", status, d)
}

func (h configArea) createProduct(q *req) {
	name, desc := formValue(q, "name"), formValue(q, "description")
	p, err := h.app.Catalog.CreateProduct(q.ctx, q.scope(), app.ProductParams{Name: &name, Description: &desc})
	if err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showCatalog(q, status, msg, q.r.PostForm) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(p.ID)+"?done=created", http.StatusSeeOther)
}

// productView is one product's page: its fields, its prices, the forms.
type productView struct {
	Product    billing.Product
	Prices     []billing.Price
	Loc        *time.Location
	Currencies []string
	Intervals  []string
	Form       url.Values // the new price's form after an error
}

// priceCurrencies are the currencies the new price form offers first; the
// field takes any ISO 4217 code.
var priceCurrencies = []string{"CLP", "USD", "EUR", "CLF"}

func (h configArea) product(q *req) { h.showProduct(q, http.StatusOK, "", nil) }

func (h configArea) showProduct(q *req, status int, errMsg string, form url.Values) {
	id := q.r.PathValue("id")
	p, err := h.app.Catalog.GetProduct(q.ctx, q.scope(), id)
	if err != nil {
		h.fail(q, err)
		return
	}
	prices, err := h.app.Catalog.ListPrices(q.ctx, q.scope(), billing.PriceFilter{ProductID: id}, billing.Page{Limit: catalogPage})
	if err != nil {
		h.fail(q, err)
		return
	}
	d := q.data(p.Name, "catalog")
	d.Sub, d.Error = "products", errMsg
	switch q.r.URL.Query().Get("done") {
	case "created":
		d.Notice = q.l.Cfg.ProductCreated
	case "saved":
		d.Notice = q.l.Cfg.Saved
	case "price":
		d.Notice = q.l.Cfg.PriceCreated
	case "archived":
		d.Notice = q.l.Cfg.Archived
	case "restored":
		d.Notice = q.l.Cfg.Restored
	}
	d.D = productView{Product: p, Prices: prices.Data, Loc: merchantLoc(q), Currencies: priceCurrencies,
		Intervals: []string{billing.IntervalMonth, billing.IntervalYear, billing.IntervalWeek, billing.IntervalDay}, Form: form}
	h.showStatus(q, "product", status, d)
}

func (h configArea) updateProduct(q *req) {
	name, desc := formValue(q, "name"), formValue(q, "description")
	_, err := h.app.Catalog.UpdateProduct(q.ctx, q.scope(), q.r.PathValue("id"), app.ProductParams{Name: &name, Description: &desc})
	if err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showProduct(q, status, msg, nil) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(q.r.PathValue("id"))+"?done=saved", http.StatusSeeOther)
}

// activeParam reads the archive and restore buttons' field: "false"
// archives, "true" restores; anything else is not a form of the console.
func activeParam(q *req) (bool, string, bool) {
	switch q.r.PostForm.Get("active") {
	case "true":
		return true, "restored", true
	case "false":
		return false, "archived", true
	}
	return false, "", false
}

func (h configArea) setProductActive(q *req) {
	active, done, ok := activeParam(q)
	if !ok {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	id := q.r.PathValue("id")
	if _, err := h.app.Catalog.UpdateProduct(q.ctx, q.scope(), id, app.ProductParams{Active: &active}); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showProduct(q, status, msg, nil) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

// createPrice makes a price of the product from the form: the amount is
// typed in major units and read exactly in the currency's decimals.
func (h configArea) createPrice(q *req) {
	productID := q.r.PathValue("id")
	redo := func(status int, msg string) { h.showProduct(q, status, msg, q.r.PostForm) }
	currency, ok := money.NormalizeCurrency(formValue(q, "currency"))
	if !ok {
		redo(http.StatusBadRequest, q.l.Cfg.BadCurrency)
		return
	}
	amount, ok := parseAmount(q.l, formValue(q, "amount"), currency)
	if !ok {
		redo(http.StatusBadRequest, q.l.Cfg.BadAmount)
		return
	}
	p := app.CreatePriceParams{Product: productID, Nickname: formValue(q, "nickname"), UnitAmount: &amount,
		Currency: currency, LookupKey: formValue(q, "lookup_key")}
	if formValue(q, "type") != billing.PriceOneTime {
		count, ok := smallNumber(formValue(q, "interval_count"), 1)
		if !ok {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("recurring.interval_count", billing.CodeParameterInvalid, "")))
			return
		}
		p.Recurring = &billing.Recurring{Interval: formValue(q, "interval"), IntervalCount: count}
	}
	trial, ok := smallNumber(formValue(q, "trial_period_days"), 0)
	if !ok {
		redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("trial_period_days", billing.CodeParameterInvalid, "")))
		return
	}
	p.TrialPeriodDays = trial
	if _, err := h.app.Catalog.CreatePrice(q.ctx, q.scope(), p); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(productID)+"?done=price", http.StatusSeeOther)
}

// smallNumber reads a whole number typed in a form ("" is def); ok is
// false for anything else, including numbers beyond a million, which no
// field of the catalog takes.
func smallNumber(s string, def int64) (int64, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && n <= 1_000_000
}

// priceProduct returns the product a price belongs to, for the page to go
// back to.
func (h configArea) priceProduct(q *req) (billing.Price, bool) {
	p, err := h.app.Catalog.GetPrice(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return p, false
	}
	q.r.SetPathValue("id", p.ProductID)
	return p, true
}

// updatePrice changes what may change of a price: its nickname, lookup
// key and trial days (amount, currency and recurrence never change).
func (h configArea) updatePrice(q *req) {
	price, ok := h.priceProduct(q)
	if !ok {
		return
	}
	redo := func(status int, msg string) { h.showProduct(q, status, msg, nil) }
	nickname, lookup := formValue(q, "nickname"), formValue(q, "lookup_key")
	p := app.UpdatePriceParams{Nickname: &nickname, LookupKey: &lookup}
	if price.Recurring != nil {
		trial, ok := smallNumber(formValue(q, "trial_period_days"), 0)
		if !ok {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("trial_period_days", billing.CodeParameterInvalid, "")))
			return
		}
		p.TrialPeriodDays = &trial
	}
	if _, err := h.app.Catalog.UpdatePrice(q.ctx, q.scope(), price.ID, p); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(price.ProductID)+"?done=saved", http.StatusSeeOther)
}

// setPriceActive archives a price (no new subscriptions to it; the ones it
// has go on) or restores it.
func (h configArea) setPriceActive(q *req) {
	active, done, ok := activeParam(q)
	if !ok {
		h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
		return
	}
	price, ok := h.priceProduct(q)
	if !ok {
		return
	}
	if _, err := h.app.Catalog.UpdatePrice(q.ctx, q.scope(), price.ID, app.UpdatePriceParams{Active: &active}); err != nil {
		h.formFailed(q, err, func(status int, msg string) { h.showProduct(q, status, msg, nil) })
		return
	}
	http.Redirect(q.w, q.r, "/console/catalog/products/"+url.PathEscape(price.ProductID)+"?done="+done, http.StatusSeeOther)
}
