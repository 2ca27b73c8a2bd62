package simulator

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/assets"
)

// personaFile is assets/personas.json.
type personaFile struct {
	Institutions []institutionData `json:"institutions"`
	Personas     []personaData     `json:"personas"`
}

type institutionData struct {
	ID            string             `json:"id"`
	Authorization string             `json:"authorization"` // user, user-mfa (always a challenge), user-mfa-intermittent (sometimes)
	Name          string             `json:"name"`
	ShortName     string             `json:"shortName"`
	AverageMs     map[string]float64 `json:"averageMs"`
}

type personaData struct {
	Login    string        `json:"login"`
	Password string        `json:"password"`
	Name     string        `json:"name"`
	MFA      *challenge    `json:"mfa"` // nil: the Testing page gives none (defaultChallenge)
	Accounts []accountData `json:"accounts"`
	Failure  *failure      `json:"failure"`
}

type accountData struct {
	AccountNo   string     `json:"accountNo"`
	Name        string     `json:"name"`
	Class       string     `json:"class"`
	Product     string     `json:"product"`
	Balance     string     `json:"balance"`
	Available   string     `json:"available"`
	CreditLimit string     `json:"creditLimit"`
	Holder      string     `json:"holder"`
	Activity    []activity `json:"activity"`
}

// failure is how a job step fails: Basiq's code, title and detail.
type failure struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// wrongLogin is what the sandbox says to a login it does not know, or a
// password that does not match.
var wrongLogin = &failure{
	Code:   "invalid-credentials",
	Title:  "Cannot login to target institution, check credentials.",
	Detail: "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
}

var sandbox = loadSandbox()

func loadSandbox() personaFile {
	var f personaFile
	if err := json.Unmarshal(assets.Personas, &f); err != nil {
		panic("assets/personas.json: " + err.Error()) // embedded at build time: a broken file is a build bug
	}
	return f
}

func findPersona(login string) (personaData, bool) {
	for _, p := range sandbox.Personas {
		if p.Login == login {
			return p, true
		}
	}
	return personaData{}, false
}

func findInstitution(id string) (institutionData, bool) {
	for _, i := range sandbox.Institutions {
		if i.ID == id {
			return i, true
		}
	}
	return institutionData{}, false
}

// Persona returns a sandbox login's password.
func Persona(login string) (password string, ok bool) {
	p, ok := findPersona(login)
	return p.Password, ok
}

// historyDays is how far back an account's transactions go.
const historyDays = 180

// activity is something that recurs on an account (assets/personas.json says how).
type activity struct {
	Description string    `json:"description"`
	Class       string    `json:"class"`
	Amount      string    `json:"amount"` // signed: negative for money going out
	Every       string    `json:"every"`  // day, week, fortnight, month or quarter
	Vary        float64   `json:"vary"`   // how far an amount strays: 0.2 is up to 20% either way
	Chance      float64   `json:"chance"` // the share of its days it happens on; 0 means every one
	Since       int       `json:"since"`  // days before the connection it starts; 0 means always
	Until       int       `json:"until"`  // days before the connection it stops; 0 means never
	SubClass    *subClass `json:"subClass"`
	BPAY        *bpay     `json:"bpay"`
}

// days are the days before end (1 = the day before) on which a activity falls;
// rng places it in the week, fortnight or month.
func (a activity) days(end time.Time, rng *rand.Rand) []int {
	var out []int
	add := func(d int) {
		if d >= 1 && d <= historyDays && (a.Since == 0 || d <= a.Since) && d >= a.Until {
			out = append(out, d)
		}
	}
	switch a.Every {
	case "day", "week", "fortnight":
		period := map[string]int{"day": 1, "week": 7, "fortnight": 14}[a.Every]
		for d := 1 + rng.IntN(period); d <= historyDays; d += period {
			add(d)
		}
	case "month", "quarter":
		months := map[string]int{"month": 1, "quarter": 3}[a.Every]
		dom := 1 + rng.IntN(28)
		for m := 0; ; m += months {
			date := time.Date(end.Year(), end.Month()-time.Month(m), dom, 0, 0, 0, 0, time.UTC)
			d := int(end.Sub(date).Hours() / 24)
			if d > historyDays {
				break
			}
			add(d)
		}
	}
	return out
}

// transactionsFor makes an account's transactions from its activity: the
// same every time for the same account, newest first, each with the
// account's balance after it.
func transactionsFor(acct accountData, accountID, connID, institution string, connected time.Time) []transaction {
	seed := fnv.New64a()
	seed.Write([]byte(acct.AccountNo))
	rng := rand.New(rand.NewPCG(seed.Sum64(), 42))
	end := connected.UTC().Truncate(24 * time.Hour)
	type dated struct {
		day   int
		cents int64
		act   activity
	}
	var all []dated
	for _, a := range acct.Activity {
		cents := mustCents(a.Amount)
		for _, d := range a.days(end, rng) {
			if a.Chance > 0 && rng.Float64() >= a.Chance {
				continue
			}
			c := cents
			if a.Vary > 0 {
				c = int64(math.Round(float64(cents) * (1 + a.Vary*(2*rng.Float64()-1))))
			}
			all = append(all, dated{d, c, a})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].day < all[j].day }) // newest first
	balance := mustCents(acct.Balance)
	out := make([]transaction, 0, len(all))
	for i, x := range all {
		t := transaction{
			Type: "transaction", ID: uuidOf(accountID, strconv.Itoa(i)), Status: "posted",
			Description: x.act.Description, Amount: centsString(x.cents), Currency: "AUD", Account: accountID,
			Balance: centsString(balance), Direction: "debit", Class: x.act.Class,
			Institution: institution, Connection: connID, TransactionDate: "",
			PostDate: end.AddDate(0, 0, -x.day).Format(time.RFC3339),
			SubClass: x.act.SubClass, Enrich: enrich{CleanDescription: x.act.Description, Tags: []string{}},
		}
		if x.cents > 0 {
			t.Direction = "credit"
		}
		if x.act.BPAY != nil {
			t.PaymentDetails = &paymentDetails{BPAY: x.act.BPAY}
		}
		out = append(out, t)
		balance -= x.cents // the balance before this transaction is the one after the older one
	}
	return out
}

// mustCents reads a decimal amount from assets/personas.json, where a bad
// one is a build bug.
func mustCents(amount string) int64 {
	whole, frac, _ := strings.Cut(strings.TrimPrefix(amount, "-"), ".")
	n, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil || len(frac) > 2 {
		panic("assets/personas.json: the amount " + amount + " is not a decimal with at most two places")
	}
	if strings.HasPrefix(amount, "-") {
		return -(n*100 + f)
	}
	return n*100 + f
}

func centsString(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}
