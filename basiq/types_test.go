package basiq

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A transaction as Basiq sends it, with fields the Go type does not name.
const sentTransaction = `{"type":"transaction","id":"0b6ad1a5-3ae4-4b63-b8c6-6d1e1f8e3a10","status":"posted",
	"description":"WOOLWORTHS 1234 SYDNEY","reference":"REF 42","amount":"-82.35","currency":"AUD",
	"account":"14aa946c-0000-4000-8000-000000000001","balance":"1023.10","direction":"debit","class":"payment",
	"institution":"AU00000","connection":"64011b56-0000-4000-8000-000000000002","transactionDate":"","postDate":"2024-09-25T00:00:00Z",
	"subClass":{"code":"411","title":"Supermarket and Grocery Stores"},"paymentDetails":{"bpay":{"billerCode":"1","billerName":"B","crn":"2"}},
	"enrich":{"cleanDescription":"Woolworths","tags":["card:4615"],"category":null,"location":null,"merchant":null},
	"links":{"self":"https://au-api.basiq.io/users/u/transactions/0b6a","account":"https://au-api.basiq.io/users/u/accounts/14aa"}}`

func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, got)
	}
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func TestDecodedValuesMarshalEveryFieldBasiqSent(t *testing.T) {
	var txn Transaction
	if err := json.Unmarshal([]byte(sentTransaction), &txn); err != nil {
		t.Fatal(err)
	}
	if txn.Description != "WOOLWORTHS 1234 SYDNEY" || txn.Balance != "1023.10" {
		t.Fatalf("decoded %+v", txn)
	}
	out, err := json.Marshal(txn)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "a transaction as decoded", out, []byte(sentTransaction))
	if !strings.HasPrefix(string(out), `{"type":"transaction","id":"0b6ad1a5`) {
		t.Errorf("not in Basiq's order: %s", out)
	}

	// What the program changes is written; the rest stays as Basiq sent it.
	txn.Description = "Woolworths Sydney"
	txn.Connection = ""
	out, _ = json.Marshal(txn)
	want := strings.Replace(sentTransaction, `"WOOLWORTHS 1234 SYDNEY"`, `"Woolworths Sydney"`, 1)
	want = strings.Replace(want, `"connection":"64011b56-0000-4000-8000-000000000002",`, "", 1)
	sameJSON(t, "a transaction changed", out, []byte(want))

	// Inside other values too, as in the --json result document.
	var doc struct {
		Transactions []Transaction `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(`{"transactions":[`+sentTransaction+`]}`), &doc); err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(doc)
	sameJSON(t, "a transaction in a list", out, []byte(`{"transactions":[`+sentTransaction+`]}`))
}

func TestValuesMadeHereMarshalAsTheirFields(t *testing.T) {
	out, err := json.Marshal(Account{Type: "account", ID: "a-1", Name: "Savings", Class: AccountClass{Type: "savings"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"name":"Savings"`) || !strings.Contains(string(out), `"class":{"type":"savings","product":""}`) {
		t.Errorf("%s", out)
	}
	var back Account
	if err := json.Unmarshal(out, &back); err != nil || back.Name != "Savings" {
		t.Errorf("%v %+v", err, back)
	}
}

func TestFieldsBasiqDidNotSendStayOut(t *testing.T) {
	var u User
	_ = json.Unmarshal([]byte(`{"type":"user","id":"u-1","mobile":"+61410888999","isBusiness":false}`), &u)
	out, _ := json.Marshal(u)
	sameJSON(t, "a user without email or links", out, []byte(`{"type":"user","id":"u-1","mobile":"+61410888999","isBusiness":false}`))
	u.Email = "max@example.com"
	out, _ = json.Marshal(u)
	sameJSON(t, "a user given an email", out, []byte(`{"type":"user","id":"u-1","mobile":"+61410888999","isBusiness":false,"email":"max@example.com"}`))
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(sentTransaction))
	f.Add([]byte(`{"type":"job","id":"a","created":"2024-09-25T04:14:48Z","steps":[{"title":"verify-credentials","status":"pending","result":null,"extra":1}],"x":{"y":[1,2]}}`))
	f.Add([]byte(`{"isOwned":true,"class":{"type":"savings","product":"p"},"balance":null,"meta":{}}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Add([]byte(`{"type":"consent","id":"c","created":"2024-09-26T12:12:01Z","revoked":"2024-09-26T12:12:01Z","purpose":{"primary":{"title":"t"},"other":null}}`))
	f.Add([]byte(`{"type":"connection","id":"c","accounts":{"type":"list","data":[{"type":"account","id":"a"}]},"profile":{"fullName":"M"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{new(User), new(Job), new(Account), new(Transaction), new(Connection), new(Consent)} {
			if json.Unmarshal(body, v) != nil {
				continue
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T of %s: %v", v, body, err)
			}
			again := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := json.Unmarshal(out, again); err != nil {
				t.Fatalf("%T: %s does not decode again: %v", v, out, err)
			}
			first, _ := json.Marshal(v)
			second, _ := json.Marshal(again)
			if string(first) != string(second) {
				t.Errorf("%T: %s\nthen %s", v, first, second)
			}
		}
	})
}
