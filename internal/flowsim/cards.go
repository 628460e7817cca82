package flowsim

import "strings"

// Test cards offered on the hosted enrolment page. A card's number decides
// whether enrolment succeeds and how customer/charge treats it (see
// README.md for the full table, including the amount rule).
const (
	// CardFlowSandbox is Flow's documented sandbox card (Visa); it enrols
	// and every charge is paid.
	CardFlowSandbox = "4051885600446623"
	// CardVisa enrols and every charge is paid.
	CardVisa = "4242424242424242"
	// CardMastercard enrols and every charge is paid.
	CardMastercard = "5555555555554444"
	// CardDeclined enrols; every charge is rejected (lastError -6, general
	// rejection).
	CardDeclined = "4000000000000002"
	// CardInsufficientFunds enrols; every charge is rejected (lastError -3,
	// exceeds the available amount).
	CardInsufficientFunds = "4000000000009995"
	// CardBlocked enrols; every charge is rejected (lastError -7, blocked
	// card: a hard decline).
	CardBlocked = "4000000000009987"
	// CardFailAfterFirst enrols; charges are paid until one has been paid
	// with it, then rejected (lastError -6).
	CardFailAfterFirst = "5100000000000341"
	// CardTimeoutAfterCharge enrols; each charge is recorded (paid) and its
	// answer is withheld until the client gives up (FaultHangAfterCommit).
	CardTimeoutAfterCharge = "4000000000000077"
	// CardEnrolFails is refused at enrolment: getRegisterStatus says "0".
	CardEnrolFails = "4000000000000119"
)

// InsufficientFundsSuffix: a charge whose amount ends in these two digits
// (…51) is rejected with lastError -3 on any card that would pay it.
const InsufficientFundsSuffix = 51

// behaviour is what a card does on customer/charge.
type behaviour int

const (
	payAlways behaviour = iota
	rejectGeneral
	rejectFunds
	rejectBlocked
	payFirstOnly
	hangAfterCommit
)

// TestCard describes one card of the hosted enrolment page.
type TestCard struct {
	Number      string
	Brand       string // creditCardType, e.g. "Visa"
	IssuerBank  string // uppercase, as Flow reports it
	Description string // what it does
	Enrols      bool
	behaviour   behaviour
}

// Last4 returns the last four digits.
func (c TestCard) Last4() string { return c.Number[len(c.Number)-4:] }

// masked returns the card number as Flow shows it: "405188 **** **** 6623".
func (c TestCard) masked() string { return c.Number[:6] + " **** **** " + c.Last4() }

var testCards = []TestCard{
	{CardFlowSandbox, "Visa", "BANCO DE PRUEBA", "Flow sandbox Visa: every charge is paid", true, payAlways},
	{CardVisa, "Visa", "BANCO DE PRUEBA", "Visa: every charge is paid", true, payAlways},
	{CardMastercard, "Mastercard", "BANCO DE PRUEBA", "Mastercard: every charge is paid", true, payAlways},
	{CardDeclined, "Visa", "BANCO DE PRUEBA", "Visa: every charge is rejected", true, rejectGeneral},
	{CardInsufficientFunds, "Visa", "BANCO DE PRUEBA", "Visa: every charge is rejected, insufficient funds", true, rejectFunds},
	{CardBlocked, "Visa", "BANCO DE PRUEBA", "Visa: every charge is rejected, blocked card", true, rejectBlocked},
	{CardFailAfterFirst, "Mastercard", "BANCO DE PRUEBA", "Mastercard: the first charge is paid, later ones are rejected", true, payFirstOnly},
	{CardTimeoutAfterCharge, "Visa", "BANCO DE PRUEBA", "Visa: charges are paid but the answer never arrives (timeout after charge)", true, hangAfterCommit},
	{CardEnrolFails, "Visa", "BANCO DE PRUEBA", "Visa: enrolment is refused", false, payAlways},
}

// TestCards returns the cards of the hosted enrolment page.
func TestCards() []TestCard { return append([]TestCard(nil), testCards...) }

// findCard returns the test card with the given number (spaces ignored).
func findCard(number string) (TestCard, bool) {
	number = strings.ReplaceAll(number, " ", "")
	for _, c := range testCards {
		if c.Number == number {
			return c, true
		}
	}
	return TestCard{}, false
}
