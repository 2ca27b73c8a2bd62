package connect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var hooli = basiq.Institution{ID: "AU00000", Name: "Hooli Bank"}

func init() { hooli.Stats.AverageDurationMs.Total = 32000 }

func TestMain(m *testing.M) { uitest.MainInUTC(m) }

func job(id string, statuses ...string) basiq.Job {
	titles := []string{basiq.StepVerifyCredentials, basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions, basiq.StepRetrieveStatements}
	j := basiq.Job{ID: id, Institution: &basiq.Ref{ID: "AU00000"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, basiq.Step{Title: titles[i], Status: s})
	}
	return j
}

func failed(id, code, title, detail string) basiq.Job {
	j := job(id, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	j.Steps[0].Result = &basiq.StepResult{Type: "error", Code: code, Title: title, Detail: detail}
	return j
}

// jobAt is a job as flow describes it: steps over ran a second each, the
// running one for half a second so far.
func jobAt(j basiq.Job, bank string) Job {
	v := Job{Job: j, Seen: true, Bank: bank, Took: map[string]time.Duration{}}
	if bank == "Hooli Bank" {
		v.Usual = 32 * time.Second
	}
	for _, s := range j.Steps {
		switch {
		case s.Done() || s.Status == basiq.StepFailed:
			v.Took[s.Title] = time.Second
		case s.Status == basiq.StepInProgress:
			v.Took[s.Title] = 500 * time.Millisecond
		}
	}
	if f := j.FailedStep(); f != nil {
		advice := basiq.AdviceFor(f.Result.Code)
		v.Failure = &theme.Problem{What: "Basiq could not connect to " + bank + ": " + f.Result.Title + " " + f.Result.Detail + " (" + f.Result.Code + ")",
			Meaning: advice.Meaning, Next: advice.Next}
	}
	return v
}

// show is the screen drawing jobs, elapsed into the wait; the remedies
// follow Basiq's advice for a failure, as flow decides them.
func show(m Model, elapsed time.Duration, jobs ...Job) Model {
	s := State{Jobs: jobs, Elapsed: elapsed, AllOver: true, AccountsReady: true}
	total, over := 0, 0
	for _, j := range jobs {
		st := j.Job.State()
		s.AllOver = s.AllOver && (st == basiq.JobSucceeded || st == basiq.JobFailed)
		s.AccountsReady = s.AccountsReady && (st == basiq.JobSucceeded || j.Job.StepDone(basiq.StepRetrieveAccounts))
		if f := j.Job.FailedStep(); f != nil {
			s.Failed++
			s.Retry, s.RetryWords = true, "consent again"
			r := basiq.AdviceFor(f.Result.Code).Remedy
			s.Refresh = r == basiq.RemedyRetry || r == basiq.RemedyWaitRetry
		}
		for _, step := range j.Job.Steps {
			total++
			if step.Done() || step.Status == basiq.StepFailed {
				over++
			}
		}
	}
	if total > 0 {
		s.Progress = float64(over) / float64(total)
	}
	m.SetState(s)
	return m
}

func sized(w, h int) Model {
	m := New(theme.New(true))
	bw, bh := frame.BodySize(w, h)
	m.SetSize(bw, bh)
	return m
}

const id1 = "a03e4df4-0000-4000-8000-000000000001"
const id2 = "b03e4df4-0000-4000-8000-000000000002"

func hooliJob(j basiq.Job) Job { return jobAt(j, "Hooli Bank") }

var states = map[string]func(Model) Model{
	"pending": func(m Model) Model { return show(m, 0, hooliJob(job(id1, "pending", "pending", "pending"))) },
	"in_progress": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "in-progress", "pending")))
	},
	"accounts_ready": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "success", "in-progress")))
	},
	"done": func(m Model) Model {
		return show(m, 2*time.Second, hooliJob(job(id1, "success", "success", "success")))
	},
	"failed_bighead": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "invalid-credentials", "Cannot login to target institution using supplied credentials.", "Account is locked")))
	},
	"failed_erlich": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "account-not-accessible-requires-user-action", "Account not accessible.", "An action is required from end-user before account details can be returned.")))
	},
	"failed_jianyang": func(m Model) Model {
		return show(m, time.Second, hooliJob(failed(id1, "service-unavailable", "Service Unavailable", "Service is currently unavailable. Please try again later.")))
	},
	"several": func(m Model) Model {
		other := job(id2, "in-progress", "pending", "pending")
		other.Institution = &basiq.Ref{ID: "AU00001"}
		return show(m, time.Second, hooliJob(job(id1, "success", "in-progress", "pending")), jobAt(other, "Hooli Credit Union"))
	},
	"several_one_failed": func(m Model) Model {
		return show(m, time.Second, hooliJob(job(id1, "success", "success", "success")),
			hooliJob(failed(id2, "service-unavailable", "Service Unavailable", "Try again later.")))
	},
	"slow": func(m Model) Model {
		return show(m, 50*time.Second, hooliJob(job(id1, "in-progress", "pending", "pending")))
	},
	"unknown_step": func(m Model) Model {
		j := job(id1, "success")
		j.Steps = append(j.Steps, basiq.Step{Title: "retrieve-meta", Status: "in-progress"})
		return show(m, time.Second, hooliJob(j))
	},
	"mfa_waiting": func(m Model) Model {
		j := piedPiperWaiting()
		j.MFA = &MFA{Token: true, Questions: []string{"OTP Password"}, Description: "Enter the one-time password sent to your device.", Left: 112 * time.Second}
		return show(m, 8*time.Second, j)
	},
	"mfa_questions_time_up": func(m Model) Model {
		j := piedPiperWaiting()
		j.MFA = &MFA{Questions: twoQuestions}
		return show(m, 2*time.Minute, j)
	},
	"mfa_questions_typed": typed,
	"mfa_sending": func(m Model) Model {
		return questions(typed(m), func(q *MFA) { q.Sending = true })
	},
	"mfa_sent": func(m Model) Model { return questions(m, func(q *MFA) { q.Sent = true }) },
	"mfa_refused": func(m Model) Model {
		return questions(m, func(q *MFA) {
			q.Refused = "Cannot login to target institution, check credentials. The answer to the multi-factor challenge is not correct. (400 invalid-credentials)"
		})
	},
	"mfa_left": func(m Model) Model {
		m = questions(m, nil)
		m, _ = uitest.Keys(m, "esc")
		return m
	},
	"mfa_tall": func(m Model) Model {
		var js []Job
		for i := range 4 {
			js = append(js, hooliJob(job(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), "success", "in-progress", "pending", "pending")))
		}
		q := piedPiperWaiting()
		q.MFA = &MFA{Questions: twoQuestions, Left: 100 * time.Second}
		return show(m, time.Second, append(js, q)...)
	},
	"back_to_accounts": func(m Model) Model {
		m = show(m, time.Second, hooliJob(failed(id1, "service-unavailable", "Service Unavailable", "Try again later.")))
		s := m.state
		s.BackToAccounts = true
		m.SetState(s)
		return m
	},
	"events": func(m Model) Model {
		j := hooliJob(job(id1, "success", "success", "in-progress"))
		at := time.Date(2026, 11, 24, 14, 5, 2, 0, time.UTC)
		j.Events = map[string][]Event{
			basiq.StepVerifyCredentials: {{Time: at, Type: "connection.created", Handler: "✓ 200"}, {Time: at.Add(2 * time.Second), Type: "connection.activated", Handler: "✗ 500"}},
			basiq.StepRetrieveAccounts:  {{Time: at.Add(3 * time.Second), Type: "account.updated", Handler: "…"}, {Time: at.Add(3 * time.Second), Type: "account.updated"}},
		}
		return show(m, 4*time.Second, j)
	},
	"events_folded": func(m Model) Model { // too tall: a type's events in a row share a line
		var js []Job
		at := time.Date(2026, 11, 24, 14, 5, 2, 0, time.UTC)
		for i := range 3 {
			j := hooliJob(job(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), "success", "success", "success"))
			if i == 2 {
				j = hooliJob(job(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), "success", "in-progress", "pending"))
			}
			j.Events = map[string][]Event{basiq.StepRetrieveAccounts: {}}
			for range 4 {
				j.Events[basiq.StepRetrieveAccounts] = append(j.Events[basiq.StepRetrieveAccounts], Event{Time: at, Type: "account.updated", Handler: "✓ 200"})
			}
			js = append(js, j)
		}
		return show(m, 4*time.Second, js...)
	},
	"not_answered_yet": func(m Model) Model {
		return show(m, 0, Job{Job: basiq.Job{ID: id1}, Bank: "your bank"})
	},
}

// typed is Pied Piper's two questions answered, not yet sent.
func typed(m Model) Model {
	m = questions(m, nil)
	m = feed(m, uitest.Type("Basiq")...)
	m, _ = uitest.Keys(m, "tab")
	return feed(m, uitest.Type("AU00000")...)
}

// feed gives the screen messages, keeping none of what they send back.
func feed(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		m, _ = m.Update(msg)
	}
	return m
}

var twoQuestions = []string{"What's your favourite company?", "What's the ID of this institution?"}

// questions is Pied Piper's two questions waiting, as change leaves them.
func questions(m Model, change func(*MFA)) Model {
	j := piedPiperWaiting()
	j.MFA = &MFA{Questions: twoQuestions, Left: 100 * time.Second}
	if change != nil {
		change(j.MFA)
	}
	return show(m, 8*time.Second, j)
}

// piedPiperWaiting is a job at Pied Piper whose security question waits
// for its code.
func piedPiperWaiting() Job {
	j := job(id1, "success", "pending", "pending")
	j.Steps = slices.Insert(j.Steps, 1, basiq.Step{Title: basiq.StepMFAChallenge, Status: basiq.StepInProgress,
		Result: &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}})
	return jobAt(j, "Pied Piper Bank")
}

func TestGoldens(t *testing.T) {
	uitest.Goldens(t, uitest.Windows, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		return state(sized(w, h)).View()
	})
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, states["failed_bighead"](sized(100, 30)).View()) })
	t.Run("color_light", func(t *testing.T) {
		m := New(theme.New(false))
		m.SetSize(frame.BodySize(100, 30))
		uitest.GoldenColor(t, states["accounts_ready"](m).View())
	})
}

func TestStepTimesAreShownBesideTheirSteps(t *testing.T) {
	j := hooliJob(job(id1, "success", "in-progress"))
	j.Took = map[string]time.Duration{basiq.StepVerifyCredentials: 2100 * time.Millisecond, basiq.StepRetrieveAccounts: 1300 * time.Millisecond}
	v := show(sized(100, 30), 3400*time.Millisecond, j).View()
	if !strings.Contains(v, "2.1s") || !strings.Contains(v, "1.3s") {
		t.Errorf("want 2.1s for the finished step and 1.3s so far for the running one:\n%s", v)
	}
}

func TestAStepsTimeStaysBesideItsNameOnAWideScreen(t *testing.T) {
	j := hooliJob(job(id1, "success", "in-progress"))
	j.Took = map[string]time.Duration{basiq.StepVerifyCredentials: 2100 * time.Millisecond, basiq.StepRetrieveAccounts: 1300 * time.Millisecond}
	v := uitest.Render(show(sized(200, 60), 3400*time.Millisecond, j).View(), colorprofile.NoTTY)
	for _, want := range []string{"✓ Verifying credentials    2.1s", "Retrieving accounts      1.3s"} {
		if !strings.Contains(v, want) {
			t.Errorf("want %q: the time just after the longest step name:\n%s", want, v)
		}
	}
}

func TestTheSpinnerTurnsOnlyWhileAStepRuns(t *testing.T) {
	m := sized(100, 30)
	start := m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "in-progress", "pending"))}})
	if start == nil {
		t.Fatal("a running step did not start the spinner")
	}
	tick, ok := start().(spinner.TickMsg)
	if !ok {
		t.Fatalf("the spinner's start is %T", tick)
	}
	if m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "in-progress", "pending"))}}) != nil {
		t.Error("a second state started a second spinner")
	}
	if _, next := m.Update(tick); next == nil {
		t.Error("the spinner stopped while the step runs")
	}
	m.SetState(State{Jobs: []Job{hooliJob(job(id1, "success", "success", "success"))}, AllOver: true})
	m, next := m.Update(tick)
	if next != nil {
		t.Error("with nothing running the spinner still turns: a frame a tick for nothing")
	}
	if m.SetState(State{Jobs: []Job{hooliJob(job(id1, "in-progress"))}}) == nil {
		t.Error("a new running step did not start the spinner again")
	}
}

func TestFailureOffersTheRemedyBasiqAdvises(t *testing.T) {
	cases := []struct {
		state string
		key   rune
		want  tea.Msg
	}{
		{"failed_bighead", 'r', keys.IntentMsg{Intent: keys.TryAgain}},
		{"failed_bighead", 't', nil}, // a wrong login is not fixed by retrying
		{"failed_erlich", 'u', keys.IntentMsg{Intent: keys.Refresh}},
		{"failed_jianyang", 'u', keys.IntentMsg{Intent: keys.Refresh}},
		{"in_progress", 'r', nil},
		{"in_progress", 'q', nil}, // q is the wizard's, everywhere
		{"accounts_ready", tea.KeyEnter, AccountsAskedMsg{}},
	}
	for _, c := range cases {
		m := states[c.state](sized(100, 30))
		press := tea.KeyPressMsg{Code: c.key}
		if c.key != tea.KeyEnter {
			press.Text = string(c.key)
		}
		_, cmd := m.Update(press)
		var got tea.Msg
		if cmd != nil {
			got = cmd()
		}
		if got != c.want {
			t.Errorf("%s, key %q: sent %#v, want %#v", c.state, c.key, got, c.want)
		}
	}
	if v := states["failed_bighead"](sized(100, 30)).View(); !strings.Contains(v, "Account is locked") || !strings.Contains(v, "consent again") {
		t.Errorf("bighead's failure is not explained:\n%s", v)
	}
}

func TestSlowJobSaysSo(t *testing.T) {
	if v := states["slow"](sized(100, 30)).View(); !strings.Contains(v, "longer than usual") {
		t.Errorf("past 1.5 times the average nothing says so:\n%s", v)
	}
}

func BenchmarkJobView(b *testing.B) {
	m := states["several"](sized(200, 60))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func TestAQuestionWaitingSaysForWhatAndHowLong(t *testing.T) {
	v := uitest.Render(states["mfa_waiting"](sized(80, 24)).View(), colorprofile.NoTTY)
	if !strings.Contains(v, "Pied Piper Bank sent a code · 1m52s left") || !strings.Contains(v, "Code (OTP Password)") {
		t.Errorf("a code waited for:\n%s", v)
	}
	v = uitest.Render(states["mfa_questions_time_up"](sized(80, 24)).View(), colorprofile.NoTTY)
	if !strings.Contains(v, "The time to answer Pied Piper Bank's question is up") || strings.Contains(v, "left") {
		t.Errorf("a question past its time:\n%s", v)
	}
}

func TestAfterAFailedJobEnterGoesBackToTheAccountsFromBefore(t *testing.T) {
	m := states["back_to_accounts"](sized(80, 24))
	if !strings.Contains(m.View(), "The accounts from before are still there") {
		t.Errorf("the way back is not said:\n%s", m.View())
	}
	var help []string
	for _, k := range m.ShortHelp() {
		help = append(help, k.Help().Key+" "+k.Help().Desc)
	}
	if !slices.Contains(help, "enter back to the accounts") {
		t.Errorf("keys %q", help)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); cmd == nil || cmd() != (AccountsAskedMsg{}) {
		t.Error("enter does not go back to the accounts")
	}
}

// help is the screen's help line as words.
func help(m Model) string {
	var ks []string
	for _, k := range m.ShortHelp() {
		ks = append(ks, k.Help().Key+" "+k.Help().Desc)
	}
	return strings.Join(ks, " · ")
}

func TestItem1TheBanksQuestionsAreFieldsTheFirstFocusedAtOnce(t *testing.T) {
	m := questions(sized(100, 30), nil)
	if !m.Capturing() {
		t.Fatal("the first field has no focus")
	}
	if h := help(m); h != "enter send · tab next field · esc answer later" {
		t.Errorf("help line %q", h)
	}
	// q is an answer's letter here, not quit.
	m, msg := uitest.Keys(m, "q")
	if msg != nil {
		t.Errorf("q in a field sent %#v", msg)
	}
	m = feed(m, uitest.Press("backspace"))
	m = feed(m, uitest.Type("Basiq")...)
	// enter with the second empty: its field, not a send.
	m, msg = uitest.Keys(m, "enter")
	if msg != nil || m.focusField != 1 {
		t.Fatalf("enter with an answer missing sent %#v, focus on field %d", msg, m.focusField)
	}
	m = feed(m, uitest.Type("AU00000")...)
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "Basiq") || !strings.Contains(v, "AU00000") {
		t.Errorf("the answers do not show as typed:\n%s", v)
	}
	_, msg = uitest.Keys(m, "enter")
	if a, ok := msg.(TypedMsg); !ok || a.JobID != id1 || strings.Join(a.Answers, "|") != "Basiq|AU00000" {
		t.Errorf("enter sent %#v, want both answers", msg)
	}
	// shift+tab goes back; tab wraps.
	m, _ = uitest.Keys(m, "shift+tab")
	if m.focusField != 0 {
		t.Errorf("shift+tab: field %d", m.focusField)
	}
	m, _ = uitest.Keys(m, "tab", "tab")
	if m.focusField != 0 {
		t.Errorf("tab twice from the first of two: field %d", m.focusField)
	}
}

func TestItem1EscLeavesTheQuestionsAndEnterComesBack(t *testing.T) {
	m := questions(sized(100, 30), nil)
	m, _ = uitest.Keys(m, "esc")
	if m.Capturing() {
		t.Fatal("esc did not leave the fields")
	}
	if h := help(m); !strings.HasPrefix(h, "enter answer the bank") {
		t.Errorf("help line after esc %q", h)
	}
	if v := m.View(); !strings.Contains(v, "waits 1m40s more, then fails the job") {
		t.Errorf("after esc the screen does not say the job waits on:\n%s", v)
	}
	m, _ = uitest.Keys(m, "enter")
	if !m.Capturing() {
		t.Error("enter did not go back to the fields")
	}
	// A question sent, taken or refused has no fields to type in.
	for _, change := range []func(*MFA){func(q *MFA) { q.Sending = true }, func(q *MFA) { q.Sent = true }, func(q *MFA) { q.Refused = "wrong" }, func(q *MFA) { q.Left = 0 }} {
		if m := questions(sized(100, 30), change); m.Capturing() {
			t.Errorf("%+v: a field has focus", m.state.Jobs[0].MFA)
		}
	}
}

func TestItem10TheJobViewScrollsWhenItDoesNotFitAndKeepsTheFieldInView(t *testing.T) {
	m := states["mfa_tall"](sized(80, 24))
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "more lines above") || !strings.Contains(v, "What's your favourite company?") {
		t.Fatalf("too tall: no sign of what is above, or the field with the cursor is out of view:\n%s", v)
	}
	if h := help(m); !strings.Contains(h, "↑/↓ scroll") {
		t.Errorf("help line %q lacks the scroll", h)
	}
	// Without a field: the end stays in view, ↑ goes up, and back at the end it follows it again.
	m = show(sized(80, 24), time.Second, states["mfa_tall"](sized(80, 24)).state.Jobs[:4]...)
	if v := m.View(); !strings.Contains(v, "more lines above") || !strings.Contains(v, "%") {
		t.Fatalf("the end is not in view:\n%s", v)
	}
	m, _ = uitest.Keys(m, "up", "up", "up")
	v = uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "more lines below") {
		t.Errorf("↑ did not scroll:\n%s", v)
	}
	m, _ = uitest.Keys(m, "pgdown", "pgdown", "pgdown")
	if !m.pinned || strings.Contains(m.View(), "more lines below") {
		t.Errorf("pgdn to the end does not follow the end again:\n%s", m.View())
	}
	// Four done jobs and a failure fold to a line each and fit.
	var done []Job
	for i := range 4 {
		done = append(done, hooliJob(job(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), "success", "success", "success", "success")))
	}
	done = append(done, hooliJob(failed(id2, "service-unavailable", "Service Unavailable", "Try again later.")))
	v = uitest.Render(show(sized(80, 24), time.Second, done...).View(), colorprofile.NoTTY)
	if !strings.Contains(v, "✓ Connected Hooli Bank · 4 steps done in 4.0s") || !strings.Contains(v, "Service Unavailable") || strings.Contains(v, "more lines") {
		t.Errorf("done jobs did not fold to make room for the failure:\n%s", v)
	}
}

// BenchmarkJobViewTooTall is a frame where the jobs do not fit: folded,
// then scrolled, and the help line that asks whether it scrolls.
func BenchmarkJobViewTooTall(b *testing.B) {
	m := states["mfa_tall"](sized(80, 24))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
		_ = m.ShortHelp()
	}
}

func TestAPastedAnswerGoesInTrimmedAndOneTooLongIsRefusedWhole(t *testing.T) {
	m := questions(sized(100, 30), nil)
	// A code copied from a message carries its newline: it goes in without it.
	m = feed(m, tea.PasteMsg{Content: " Basiq\n"})
	if got := m.fields[id1][0].Value(); got != "Basiq" {
		t.Fatalf("pasted answer %q, want Basiq", got)
	}
	// A page pasted by mistake is refused whole, said under the fields, and
	// what was typed stays.
	m = feed(m, tea.PasteMsg{Content: strings.Repeat("x", answerLimit)})
	if got := m.fields[id1][0].Value(); got != "Basiq" {
		t.Errorf("after a paste too long the answer is %q, want Basiq kept", got)
	}
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "Nothing pasted: that would be 205 characters, and this field takes at most 200.") {
		t.Errorf("a paste too long is not explained:\n%s", v)
	}
	// The next key is an answer again, and the note goes.
	m = feed(m, uitest.Type("!")...)
	if v := uitest.Render(m.View(), colorprofile.NoTTY); strings.Contains(v, "Nothing pasted") || m.fields[id1][0].Value() != "Basiq!" {
		t.Errorf("after a key the field holds %q and the view:\n%s", m.fields[id1][0].Value(), v)
	}
}
