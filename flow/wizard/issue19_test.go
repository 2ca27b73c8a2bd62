package wizard

import (
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var twoQuestions = &basiq.StepResult{Type: basiq.ResultMFA, Method: "security-questions",
	Input: []string{"What's your favourite company?", "What's the ID of this institution?"}, ExpiryMs: 120000}

// refreshOfPiedPiper is Pied Piper's connection's refresh as GET /jobs/{id}
// answers it: no bank named, the connection in links.source.
func refreshOfPiedPiper(j basiq.Job) basiq.Job {
	j.Institution = nil
	j.Links.Source = "https://au-api.basiq.io/users/" + flowtest.UserID + "/connections/" + secondConn
	return j
}

// withPiedPiper adds a connection at Pied Piper to the fake Basiq's lists.
func (r *rig) withPiedPiper() {
	r.api.Connections = append(r.api.Connections, basiq.Connection{Type: "connection", ID: secondConn, Method: "web",
		Status: basiq.ConnectionActive, Institution: basiq.Ref{ID: flowtest.PiedPiper}})
}

// refreshingPiedPiper runs the demo to its accounts, then u on Pied
// Piper's connection, until the job view shows the bank's questions.
func (r *rig) refreshingPiedPiper(t *testing.T) *runner {
	t.Helper()
	r.withLists()
	r.withPiedPiper()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab", "down")
	r.api.Refreshed = secondJob
	r.api.Jobs[secondJob] = []basiq.Job{refreshOfPiedPiper(piedPiperJob(basiq.StepInProgress, twoQuestions, r.clock.Now(), basiq.StepPending, basiq.StepPending))}
	return w.send(uitest.Press("u")).until("saw the question", func(m Model) bool {
		j := m.session.Jobs.ByID[secondJob]
		return j != nil && j.MFA != nil && m.session.Institutions[flowtest.PiedPiper].Name != ""
	})
}

// typeIn types text, key by key, without running what the keys start (the
// job is polled meanwhile: settling would never end).
func (w *runner) typeIn(text string) {
	w.t.Helper()
	w.send(uitest.Type(text)...)
}

func TestItem1TheBanksQuestionsAreAnsweredInTheJobViewAndTheAccountsComeAgain(t *testing.T) {
	r := newRig()
	w := r.refreshingPiedPiper(t)
	// Item 13: the refresh keeps its bank's name.
	w.sees("Connecting Pied Piper Bank", "Pied Piper Bank asks", "What's your favourite company?", "What's the ID of this institution?")
	if h := w.helpLine(); !strings.HasPrefix(strings.TrimSpace(h), "enter send · tab next field · esc answer later") {
		t.Errorf("help line %q", h)
	}
	// Letters are answers here: i and q type, they do not open the inspector or quit.
	w.typeIn("Basiq")
	w.send(uitest.Press("tab"))
	w.typeIn("AU00000")
	if w.quit || w.m.showInspector {
		t.Fatal("typing an answer acted as a key")
	}
	w.sees("Basiq", "AU00000")
	w.send(uitest.Press("enter")).until("sent the answers", func(m Model) bool { return len(r.api.MFAAnswers) == 1 })
	if got := strings.Join(r.api.MFAAnswers[0], "|"); got != "Basiq|AU00000" {
		t.Errorf("sent %q", got)
	}
	r.api.Jobs[secondJob] = []basiq.Job{refreshOfPiedPiper(piedPiperJob(basiq.StepSuccess, twoQuestions, r.clock.Now(), basiq.StepSuccess, basiq.StepSuccess))}
	w.againToAccounts()
	w.sees("Hooli Bank · 4 accounts")
}

func TestItem1EscLeavesTheQuestionsAndTheJobRunsOnToItsEnd(t *testing.T) {
	r := newRig()
	w := r.refreshingPiedPiper(t)
	w.send(uitest.Press("esc"))
	if w.stage() != qs.StageConnect || w.m.capturing() {
		t.Fatalf("esc: on %v, a field focused %v", w.stage(), w.m.capturing())
	}
	if h := w.helpLine(); !strings.Contains(h, "enter answer the bank") || !strings.Contains(h, "q quit") {
		t.Errorf("help line after esc %q", h)
	}
	w.sees("then fails the job")
	// The bank's time runs out: the failure, and consent again for that connection.
	r.api.Jobs[secondJob] = []basiq.Job{refreshOfPiedPiper(piedPiperJob(basiq.StepFailed, &basiq.StepResult{Type: "error", Code: "job-timed-out", Title: "Job timed out"},
		r.clock.Now(), basiq.StepPending, basiq.StepPending))}
	w.until("saw the job fail", func(m Model) bool { return m.session.Jobs.ByID[secondJob].Job.State() == basiq.JobFailed }).settle()
	w.send(uitest.Press("r")).until("showed the link", func(m Model) bool { return m.session.Consent.Waiting })
	if l := w.m.session.Link; l.ConnectionID != secondConn || w.m.session.AutoConsentBank() != flowtest.PiedPiper {
		t.Errorf("consent again after the time ran out: connection %q at %s", l.ConnectionID, w.m.session.AutoConsentBank())
	}
	w.sees("Sandbox bank: Pied Piper Bank")
}

func TestItem12AfterARevokeTheViewsSayWhatIsTrueAndWhichKeysWork(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab", "tab", "x")
	// Basiq deletes the connections, their accounts and transactions.
	r.api.Connections, r.api.Accounts, r.api.Transactions = nil, nil, nil
	r.api.Consents[0].Status = basiq.ConsentRevoked
	w.keys("y")
	w.sees("Consent revoked", "deleted the user's connections")
	w.keys("shift+tab")
	w.sees("the consent was revoked", "Press b to consent again")
	if h := w.helpLine(); !strings.Contains(h, "b consent again") || strings.Contains(h, "u refresh") {
		t.Errorf("Connections' help line after a revoke: %q", h)
	}
	w.keys("shift+tab")
	w.sees("No transactions: the consent was revoked")
	w.keys("shift+tab")
	w.sees("No accounts: the consent was revoked")
	w.keys("tab", "tab")
	w.send(uitest.Press("b")).until("showed the link", func(m Model) bool { return m.session.Consent.Waiting })
	if l := w.m.session.Link; l.Action != "" || w.stage() != qs.StageConsent {
		t.Errorf("b after a revoke: on %v with action %q, want a first consent", w.stage(), l.Action)
	}
	w.sees("Consent in the browser")
}
