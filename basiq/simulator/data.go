package simulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	ShortName string             `json:"shortName"`
	AverageMs map[string]float64 `json:"averageMs"`
}

type personaData struct {
	Login    string        `json:"login"`
	Password string        `json:"password"`
	Name     string        `json:"name"`
	Accounts []accountData `json:"accounts"`
	Failure  *failure      `json:"failure"`
}

type accountData struct {
	AccountNo   string `json:"accountNo"`
	Name        string `json:"name"`
	Class       string `json:"class"`
	Product     string `json:"product"`
	Balance     string `json:"balance"`
	Available   string `json:"available"`
	CreditLimit string `json:"creditLimit"`
	Holder      string `json:"holder"`
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

// transactionsPerAccount is how many transactions each account gets: enough
// to page through (the default page is 500) without being slow.
const transactionsPerAccount = 120

var merchants = []struct {
	desc, class string
	sub         subClass
	cents       int
}{
	{"WOOLWORTHS 1234 SYDNEY", "payment", subClass{"411", "Supermarket and Grocery Stores"}, -8235},
	{"COLES 0456 NEWTOWN", "payment", subClass{"411", "Supermarket and Grocery Stores"}, -6410},
	{"SALARY HOOLI PTY LTD", "direct-credit", subClass{"", ""}, 425000},
	{"TRANSFER TO SAVINGS", "transfer", subClass{"", ""}, -100000},
	{"UBER *TRIP", "payment", subClass{"461", "Road Passenger Transport"}, -2390},
	{"NETFLIX.COM", "payment", subClass{"552", "Motion Picture and Video Activities"}, -1699},
	{"ATM WITHDRAWAL", "cash-withdrawal", subClass{"", ""}, -5000},
	{"INTEREST", "interest", subClass{"", ""}, 312},
	{"AGL ENERGY", "payment", subClass{"261", "Electricity Generation"}, -18744},
	{"MORTGAGE REPAYMENT", "loan-repayment", subClass{"", ""}, -265000},
}

// transactionsFor makes an account's transactions: the same every time for
// the same account number, newest first, one or two days apart.
func transactionsFor(acct accountData, accountID, connID, institution string, end time.Time) []transaction {
	seed, _ := strconv.ParseUint(strings.TrimLeft(acct.AccountNo, "0")+"7", 10, 64)
	rng := rand.New(rand.NewPCG(seed, 42))
	out := make([]transaction, 0, transactionsPerAccount)
	day := end.UTC().Truncate(24 * time.Hour)
	for i := range transactionsPerAccount {
		m := merchants[rng.IntN(len(merchants))]
		cents := m.cents + rng.IntN(500) - 250
		direction := "debit"
		if cents > 0 {
			direction = "credit"
		}
		day = day.Add(-time.Duration(1+rng.IntN(2)) * 24 * time.Hour)
		out = append(out, transaction{
			Type: "transaction", ID: fmt.Sprintf("%s-t%03d", accountID[:8], i), Status: "posted",
			Description: m.desc, Amount: centsString(cents), Currency: "AUD", Account: accountID,
			Direction: direction, Class: m.class, Institution: institution, Connection: connID,
			TransactionDate: "", PostDate: day.Format(time.RFC3339),
			SubClass: m.sub, Enrich: enrich{CleanDescription: m.desc, Tags: []string{}},
		})
	}
	return out
}

func centsString(c int) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}
