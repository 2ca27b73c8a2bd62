package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestParseFaultsReadsTheSpec(t *testing.T) {
	f, err := ParseFaults(" user.created#2=bad-signature, *#3+=stale-timestamp,consent.revoked#1-3=duplicate,connection.created#4=out-of-order ")
	if err != nil {
		t.Fatal(err)
	}
	want := []FaultRule{
		{EventType: "user.created", From: 2, To: 2, Kind: BadSignature},
		{EventType: "*", From: 3, To: 0, Kind: StaleTimestamp},
		{EventType: "consent.revoked", From: 1, To: 3, Kind: Duplicate},
		{EventType: "connection.created", From: 4, To: 4, Kind: OutOfOrder},
	}
	if !reflect.DeepEqual(f.Rules, want) {
		t.Errorf("ParseFaults = %+v, want %+v", f.Rules, want)
	}
	if s := f.String(); s != "user.created#2=bad-signature,*#3+=stale-timestamp,consent.revoked#1-3=duplicate,connection.created#4=out-of-order" {
		t.Errorf("String() = %q", s)
	}
	if f, err := ParseFaults("  "); err != nil || !f.None() {
		t.Errorf("an empty spec: %+v %v", f, err)
	}
}

func TestParseFaultsNamesTheBadPart(t *testing.T) {
	for spec, want := range map[string]string{
		"bad-signature":                     `webhook fault "bad-signature": want TYPE#N=KIND, e.g. user.created#2=bad-signature`,
		"user.created=bad-signature":        `webhook fault "user.created=bad-signature": want TYPE#N=KIND`,
		"user.create#2=bad-signature":       `unknown event type "user.create" (did you mean user.created?)`,
		"payment.made#2=duplicate":          `unknown event type "payment.made" (one of account.updated, `,
		"user.created#0=duplicate":          `the message number "0" is not N, N-M or N+ (counted from 1)`,
		"user.created#two=duplicate":        `the message number "two" is not N`,
		"user.created#5-3=duplicate":        `the messages "5-3" run backwards`,
		"user.created#1=late":               `unknown kind "late" (kinds: bad-signature, stale-timestamp, duplicate, out-of-order)`,
		"user.created#1=duplicate,,":        `webhook fault "": want TYPE#N=KIND`,
		"*#99999999999=duplicate":           `the message number "99999999999" is not N`,
		"user.created#1=duplicate,*#x=none": `webhook fault "*#x=none": the message number "x"`,
	} {
		_, err := ParseFaults(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFaults(%q) = %v, want %q", spec, err, want)
		}
	}
}

func FuzzParseFaults(f *testing.F) {
	for _, seed := range []string{"user.created#2=bad-signature", "*#3+=stale-timestamp", "consent.revoked#1-3=duplicate,*#1=out-of-order", "#=", "*#1-=x", ",", "user.created#1+2=duplicate"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		faults, err := ParseFaults(spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "webhook fault ") {
				t.Errorf("the error %q does not name the part", err)
			}
			return
		}
		// What was read writes back as a spec that reads the same.
		again, err := ParseFaults(faults.String())
		if err != nil || !reflect.DeepEqual(again.Rules, faults.Rules) {
			t.Errorf("%q read as %+v, written as %q, read again as %+v (%v)", spec, faults.Rules, faults.String(), again.Rules, err)
		}
		for _, r := range faults.Rules {
			if r.From < 1 || (r.To != 0 && r.To < r.From) {
				t.Errorf("%q gave the rule %+v", spec, r)
			}
		}
	})
}

// verdict is what the library said of one delivery: Verify, and its
// check without the timestamp.
type verdict struct{ strict, ignoringTime error }

// faultRun sends messages of the given types, one at a time, to a handler
// that verifies each with the library (401 when it fails).
func faultRun(t *testing.T, spec string, types ...string) (e *Engine, ids []string, h *handler, verdicts func() []verdict) {
	t.Helper()
	secret := mustSecret(t)
	wh, _ := standardwebhooks.NewWebhook(secret.Reveal())
	var mu sync.Mutex
	var seen []verdict
	h = &handler{answer: func(_ int, d delivery, w http.ResponseWriter, _ *http.Request) {
		v := verdict{wh.Verify(d.body, d.header), wh.VerifyIgnoringTimestamp(d.body, d.header)}
		mu.Lock()
		seen = append(seen, v)
		mu.Unlock()
		if v.strict != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}}
	_, tr := servePipe(t, h)
	e = newEngine(t, Options{Transport: tr, Faults: MustParseFaults(spec)})
	for i, typ := range types {
		id, err := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: typ, Payload: payload(typ, fmt.Sprint("ev", i+1))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		synctest.Wait()
	}
	return e, ids, h, func() []verdict {
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func idsOf(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.id())
	}
	return out
}

// bad-signature: the chosen message's first attempt fails the library's
// verification; its retry, and every other message, passes.
func TestFaultBadSignature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, ids, h, verdicts := faultRun(t, "user.created#2=bad-signature", "user.created", "user.updated", "user.created", "user.created")
		got := h.deliveries()
		if len(got) != 4 {
			t.Fatalf("%d deliveries before the retry, want 4", len(got))
		}
		for i, v := range verdicts() {
			if bad := got[i].id() == ids[2]; bad != errors.Is(v.strict, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("delivery %d (%s): the library says %v", i+1, got[i].id(), v.strict)
			}
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		r, _ := e.Message(ids[2])
		if r.State != Delivered || len(r.Attempts) != 2 || r.Attempts[0].Fault != BadSignature || r.Attempts[0].Status != 401 || r.Attempts[1].Fault != "" {
			t.Errorf("the faulty message: %s, %+v; want refused once, then delivered on the retry", r.State, r.Attempts)
		}
		if r.Fault != BadSignature {
			t.Errorf("the record's fault is %q", r.Fault)
		}
	})
}

// stale-timestamp: signed correctly, but 10 minutes old: the library's
// Verify refuses it as too old, its check without the timestamp accepts it.
func TestFaultStaleTimestamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, h, verdicts := faultRun(t, "*#2+=stale-timestamp", "user.created", "consent.created", "account.updated")
		got, vs := h.deliveries(), verdicts()
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3", len(got))
		}
		for i, stale := range []bool{false, true, true} {
			if v := vs[i]; v.ignoringTime != nil || stale != errors.Is(v.strict, standardwebhooks.ErrMessageTooOld) || (!stale && v.strict != nil) {
				t.Errorf("delivery %d: the library says %v (%v without the time), want stale %v", i+1, v.strict, v.ignoringTime, stale)
			}
		}
		if ts := got[1].header.Get(HeaderTimestamp); ts != fmt.Sprint(got[1].at.Add(-10*time.Minute).Unix()) {
			t.Errorf("the stale timestamp is %s, want 10 minutes before %v", ts, got[1].at)
		}
	})
}

// duplicate: the same webhook-id twice, back to back; one message.
func TestFaultDuplicate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, ids, h, verdicts := faultRun(t, "consent.revoked#1=duplicate", "consent.revoked", "consent.revoked")
		got := h.deliveries()
		if want := []string{ids[0], ids[0], ids[1]}; !reflect.DeepEqual(idsOf(got), want) || string(got[0].body) != string(got[1].body) {
			t.Errorf("deliveries %v, want %v, the first twice with the same body", idsOf(got), want)
		}
		for i, v := range verdicts() {
			if v.strict != nil {
				t.Errorf("delivery %d does not verify: %v", i+1, v.strict)
			}
		}
		r, _ := e.Message(ids[0])
		if r.State != Delivered || r.Tried != 2 || r.Attempts[1].Fault != Duplicate {
			t.Errorf("the duplicated message: %s after %d attempts", r.State, r.Tried)
		}
	})
}

// out-of-order: the message goes after the next one to its URL; aimed at
// every message, they swap in pairs; alone, it goes after the schedule's
// second delay.
func TestFaultOutOfOrder(t *testing.T) {
	for spec, want := range map[string][]int{
		"user.created#1=out-of-order": {1, 0, 2, 3, 4},
		"*#1+=out-of-order":           {1, 0, 3, 2, 4}, // the last, held, has none to go after
	} {
		held := 0
		if spec == "*#1+=out-of-order" {
			held = 1
		}
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			_, ids, h, verdicts := faultRun(t, spec, "user.created", "user.updated", "user.deleted", "consent.created", "consent.revoked")
			if n := len(h.deliveries()); n != 5-held {
				t.Errorf("%s: %d delivered at once, want %d", spec, n, 5-held)
			}
			time.Sleep(time.Minute)
			synctest.Wait()
			var wantIDs []string
			for _, i := range want {
				wantIDs = append(wantIDs, ids[i])
			}
			got := h.deliveries()
			if !reflect.DeepEqual(idsOf(got), wantIDs) {
				t.Errorf("%s: order %v, want %v", spec, idsOf(got), wantIDs)
			}
			if held == 1 && got[len(got)-1].at.Sub(start) != 5*time.Second {
				t.Errorf("%s: the last, held with nothing after it, went at %v, want 5s", spec, got[len(got)-1].at.Sub(start))
			}
			for i, v := range verdicts() {
				if v.strict != nil {
					t.Errorf("%s: delivery %d does not verify: %v", spec, i+1, v.strict)
				}
			}
		})
	}
}
