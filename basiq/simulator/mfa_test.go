package simulator

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// mfaStep is a job's mfa-challenge step.
func mfaStep(a answer) map[string]any {
	for _, st := range a.body["steps"].([]any) {
		if m := st.(map[string]any); m["title"] == "mfa-challenge" {
			return m
		}
	}
	return nil
}

func TestPiedPiperWaitsForTheAnswer(t *testing.T) {
	s := newSim(t, Options{StepDelay: 2 * time.Second})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	job := s.connectAs(user, "AU00002", "Wentworth-Smith")
	steps := func() string { return strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " ") }
	if got := steps(); got != "pending pending pending pending" {
		t.Fatalf("a new Pied Piper job: %s", got)
	}
	s.clock.Advance(3 * time.Second) // the queue, then verify-credentials
	a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
	result, _ := mfaStep(a)["result"].(map[string]any)
	input, _ := result["input"].([]any)
	if got := strings.Join(stepStatuses(a), " "); got != "success in-progress pending pending" || result["type"] != "mfa" ||
		result["method"] != "security-questions" || len(input) != 2 || result["expiryMs"] != float64(120000) ||
		result["links"].(map[string]any)["response"] != s.http.URL+"/jobs/"+job+"/mfa" || a.body["updated"] != stamp(s.clock.Now()) {
		t.Fatalf("waiting for the answer: %s", a.raw)
	}
	s.clock.Advance(119 * time.Second) // still waiting, a second before it expires
	if got := steps(); got != "success in-progress pending pending" {
		t.Fatalf("119 s into the challenge: %s", got)
	}
	if status := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()[0]["status"]; status != "pending" {
		t.Errorf("the connection while the challenge waits: %v", status)
	}
	client := s.bearer(s.clientToken(user))
	if a := s.do("POST", "/jobs/"+job+"/mfa", client, `{"mfa-response":["Basiq","AU00000"]}`); a.status != 202 || a.body["id"] != job {
		t.Fatalf("the right answer: %d %s", a.status, a.raw)
	}
	a = s.do("GET", "/jobs/"+job, s.bearer(tok), "")
	if got := strings.Join(stepStatuses(a), " "); got != "success success in-progress pending" || mfaStep(a)["result"].(map[string]any)["type"] != "mfa" {
		t.Errorf("after the answer: %s", a.raw)
	}
	s.clock.Advance(4 * time.Second)
	if got := steps(); got != "success success success success" {
		t.Errorf("at the end: %s", got)
	}
	if n := len(s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()); n != 4 {
		t.Errorf("%d accounts at the end", n)
	}
	if a := s.do("POST", "/jobs/"+job+"/mfa", client, `{"mfa-response":["Basiq","AU00000"]}`); a.status != 400 || a.errorCode() != "parameter-not-valid" {
		t.Errorf("answering a job that no longer waits: %d %s", a.status, a.raw)
	}
}

func TestAWrongOrLateAnswerFailsTheChallenge(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	cases := []struct {
		name        string
		answer      func(user, job string) answer
		code, owner string
	}{
		{"wrong", func(user, job string) answer {
			return s.do("POST", "/jobs/"+job+"/mfa", s.bearer(s.clientToken(user)), `{"mfa-response":["4321"]}`)
		}, "invalid-credentials", "invalid-credentials"},
		{"late", func(user, job string) answer {
			s.clock.Advance(mfaExpiry)
			return s.do("POST", "/jobs/"+job+"/mfa", s.bearer(s.clientToken(user)), `{"mfa-response":["1234"]}`)
		}, "parameter-not-valid", "job-timed-out"},
	}
	for _, c := range cases {
		user := s.createUser(tok, "max@example.com")
		job := s.connectAs(user, "AU00002", "jared")
		a := c.answer(user, job)
		if a.status != 400 || a.errorCode() != c.code {
			t.Errorf("%s answer: %d %s", c.name, a.status, a.raw)
		}
		j := s.do("GET", "/jobs/"+job, s.bearer(s.serverToken()), "")
		result, _ := mfaStep(j)["result"].(map[string]any)
		if got := strings.Join(stepStatuses(j), " "); got != "success failed pending pending" || result["code"] != c.owner {
			t.Errorf("%s answer: the job %s", c.name, j.raw)
		}
		if status := s.do("GET", "/users/"+user+"/connections", s.bearer(s.serverToken()), "").items()[0]["status"]; status != "invalid" {
			t.Errorf("%s answer: the connection is %v", c.name, status)
		}
	}
	user := s.createUser(tok, "max@example.com")
	job := s.connectAs(user, "AU00002", "jared")
	for body, code := range map[string]string{`{}`: "parameter-not-supplied", `{"mfa-response":`: "invalid-content"} {
		if a := s.do("POST", "/jobs/"+job+"/mfa", s.bearer(s.clientToken(user)), body); a.status != 400 || a.errorCode() != code {
			t.Errorf("%s: %d %s", body, a.status, a.raw)
		}
	}
	other := s.createUser(tok, "other@example.com")
	if a := s.do("POST", "/jobs/"+job+"/mfa", s.bearer(s.clientToken(other)), `{"mfa-response":["1234"]}`); a.status != 401 {
		t.Errorf("another user's client token: %d %s", a.status, a.raw)
	}
}

func TestEachPersonaAnswersItsOwnChallenge(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	for _, p := range sandbox.Personas {
		if p.Failure != nil {
			continue
		}
		user := s.createUser(tok, "max@example.com")
		job := s.connectAs(user, "AU00002", p.Login)
		result := mfaStep(s.do("GET", "/jobs/"+job, s.bearer(tok), ""))["result"].(map[string]any)
		answers, _ := PersonaMFA(p.Login)
		if len(result["input"].([]any)) != len(answers) {
			t.Errorf("%s is asked %v and answers %v", p.Login, result["input"], answers)
		}
		if err := s.srv.AnswerMFA(context.Background(), s.clientToken(user), job, answers...); err != nil {
			t.Errorf("%s's answers %v: %v", p.Login, answers, err)
		}
		if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " "); got != "success success success success" {
			t.Errorf("%s: %s", p.Login, got)
		}
	}
	want := map[string]string{"jared": "token", "richard": "token", "Gilfoyle": "security-questions", "Wentworth-Smith": "security-questions"}
	for login, method := range want {
		if p, _ := findPersona(login); p.challenge().Method != method {
			t.Errorf("%s is asked by %s, Basiq's Testing page says %s", login, p.challenge().Method, method)
		}
	}
}

func TestAnswersGivenUpFrontPassTheChallenge(t *testing.T) {
	s := newSim(t, Options{StepDelay: time.Second})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	answers, _ := PersonaMFA("gavinBelson")
	job := s.connectAs(user, "AU00002", "gavinBelson", MFAResponse(answers...))
	s.clock.Advance(1500 * time.Millisecond) // the queue and verify-credentials: the challenge starts and ends at once
	if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " "); got != "success success in-progress pending" {
		t.Errorf("answered up front: %s", got)
	}
	wrong := s.connectAs(user, "AU00002", "gavinBelson", MFAResponse("Pied Piper"))
	s.clock.Advance(1500 * time.Millisecond)
	if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+wrong, s.bearer(tok), "")), " "); got != "success failed pending pending" {
		t.Errorf("a wrong answer up front: %s", got)
	}
	if err := s.srv.AnswerMFA(context.Background(), s.clientToken(user), wrong, answers...); err == nil {
		t.Error("answering a failed challenge again: no error")
	}
}

func TestAFailedLoginIsNeverChallenged(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	job := s.connectWith(user, "AU00002", "jared", "wrong")
	if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " "); got != "failed pending pending pending" {
		t.Errorf("a wrong password at Pied Piper: %s", got)
	}
}

func TestNucleusAsksAboutHalfTheTime(t *testing.T) {
	asks := func(seed int64) []bool {
		s := newSim(t, Options{Seed: seed})
		tok := s.serverToken()
		user := s.createUser(tok, "max@example.com")
		var out []bool
		for range 40 {
			job := s.connectAs(user, "AU00003", "richard")
			out = append(out, len(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), ""))) == 4)
		}
		return out
	}
	first := asks(7)
	n := 0
	for _, a := range first {
		if a {
			n++
		}
	}
	if n < 10 || n > 30 {
		t.Errorf("Nucleus asked %d times in 40", n)
	}
	if again := asks(7); fmtBools(again) != fmtBools(first) {
		t.Errorf("the same seed asked differently:\n%s\n%s", fmtBools(first), fmtBools(again))
	}
	for _, bank := range []string{"AU00000", "AU00004"} {
		s := newSim(t, Options{})
		tok := s.serverToken()
		user := s.createUser(tok, "max@example.com")
		if n := len(stepStatuses(s.do("GET", "/jobs/"+s.connectAs(user, bank, "gavinBelson"), s.bearer(tok), ""))); n != 3 {
			t.Errorf("%s asked a challenge (%d steps)", bank, n)
		}
	}
}

// fmtBools writes asks as 1s and 0s.
func fmtBools(bs []bool) string {
	var b strings.Builder
	for _, v := range bs {
		if v {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func TestRefreshingAPiedPiperConnectionAsksAgain(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	answers, _ := PersonaMFA("jared")
	conn := s.jobConnection(tok, s.connectAs(user, "AU00002", "jared", MFAResponse(answers...)))
	a := s.do("POST", "/users/"+user+"/connections/"+conn+"/refresh", s.bearer(tok), "")
	if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+a.body["id"].(string), s.bearer(tok), "")), " "); got != "success in-progress pending pending" {
		t.Errorf("a refresh at Pied Piper: %s", got)
	}
	if inst := s.do("GET", "/institutions/AU00002", s.bearer(tok), ""); inst.body["authorization"] != "user-mfa" {
		t.Errorf("Pied Piper's authorization: %v", inst.body["authorization"])
	}
}

// A job that asked a question brings its accounts' events once answered,
// as one that asked nothing does: the job view's lines under its steps.
func TestAnAnsweredChallengeStillRaisesTheAccountsEvents(t *testing.T) {
	for _, upFront := range []bool{false, true} {
		s := newSim(t, Options{StepDelay: 2 * time.Second})
		tok := s.serverToken()
		user := s.createUser(tok, "max@example.com")
		answers, _ := PersonaMFA("Wentworth-Smith")
		var job string
		if upFront {
			job = s.connectAs(user, "AU00002", "Wentworth-Smith", MFAResponse(answers...))
		} else {
			job = s.connectAs(user, "AU00002", "Wentworth-Smith")
			s.clock.Advance(4 * time.Second) // the queue, verify-credentials, and a second of the question
			if err := s.srv.AnswerMFA(context.Background(), s.clientToken(user), job, answers...); err != nil {
				t.Fatalf("answering: %v", err)
			}
		}
		s.clock.Advance(10 * time.Second)
		if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " "); got != "success success success success" {
			t.Fatalf("up front %v: the job %s", upFront, got)
		}
		got := types(s.eventsOf(tok, "user.id.eq('"+user+"')"))
		want := append([]string{"user.created", "consent.created", "connection.created", "connection.activated"},
			append(repeat("account.updated", 4), repeat("transactions.updated", 4)...)...)
		if !slices.Equal(got, want) {
			t.Errorf("up front %v: the events\n%v\nwant\n%v", upFront, got, want)
		}
	}
}
