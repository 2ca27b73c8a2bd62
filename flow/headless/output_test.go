package headless

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

// consentRun is a headless run that mints a link and sees its job done;
// the redactor knows the client token, as the real client tells it.
func consentRun() (*headlessRig, string) {
	r := newHeadless()
	token := "client-token-for-" + flowtest.UserID
	r.cfg.Redactor = basiq.NewRedactor()
	r.cfg.Redactor.Remember(token)
	r.api.UserJobs = [][]basiq.Job{nil, {flowtest.Job(flowtest.JobID, basiq.StepPending, basiq.StepPending, basiq.StepPending)}}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	return r, token
}

// secretOf is the fake client token without the user's id in it, which
// is no secret: what must not show.
func secretOf(token string) string { return strings.TrimSuffix(token, flowtest.UserID) }

// TestTheConsentLinkIsTheOneSecretShown: its token is on stderr in plain
// mode and in the consent_link event, and in no other line or document.
func TestTheConsentLinkIsTheOneSecretShown(t *testing.T) {
	r, token := consentRun()
	if code := r.run(t, OutputTable); code != 0 {
		t.Fatalf("exit %d\n%s", code, &r.stderr)
	}
	if !strings.Contains(r.stderr.String(), "token="+token) || len(basiqtest.Leaks(r.stdout.String(), secretOf(token))) > 0 {
		t.Errorf("plain: the link, token and all, belongs on stderr (and nothing on stdout):\n%s\n%s", &r.stderr, &r.stdout)
	}

	r, token = consentRun()
	if code := r.run(t, OutputEvents); code != 0 {
		t.Fatalf("exit %d\n%s", code, &r.stdout)
	}
	links := 0
	sc := bufio.NewScanner(&r.stdout)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		leaks := len(basiqtest.Leaks(sc.Text(), secretOf(token))) > 0
		switch {
		case e["event"] == "consent_link":
			links++
			if u, _ := e["url"].(string); !strings.Contains(u, "token="+token) || !strings.Contains(u, "state="+flowtest.UserID) {
				t.Errorf("the consent_link event lacks the whole link: %s", sc.Text())
			}
		case leaks:
			t.Errorf("a %s event holds the client token: %s", e["event"], sc.Text())
		}
	}
	if links != 1 {
		t.Errorf("%d consent_link events, want 1", links)
	}

	r, token = consentRun()
	if code := r.run(t, OutputJSON); code != 0 || len(basiqtest.Leaks(r.stdout.String(), secretOf(token))) > 0 || !strings.Contains(r.stdout.String(), flowtest.UserID) {
		t.Errorf("--json (exit %d) holds the client token, or lost the user's id:\n%s", code, &r.stdout)
	}
}

// TestAHugeValueIsCutWithItsLength: 2 MiB in an account's name is 64 KiB
// in --json and --events, with a marker of its length, and a field of 200
// cells in the plain table.
func TestAHugeValueIsCutWithItsLength(t *testing.T) {
	huge := strings.Repeat("日本", 1<<18) + "the end" // 2 MiB of wide characters, then an ASCII tail
	setup := func() *headlessRig {
		r := newHeadless()
		r.api.Accounts[0].Name = huge
		r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
		return r
	}
	marker := "… (cut: 1572871 bytes in all, the first 65536 kept)"

	r := setup()
	if code := r.run(t, OutputJSON); code != 0 {
		t.Fatalf("exit %d\n%s", code, &r.stderr)
	}
	var doc struct{ Accounts []basiq.Account }
	if err := json.Unmarshal(r.stdout.Bytes(), &doc); err != nil {
		t.Fatalf("--json is no longer JSON: %v", err)
	}
	name := doc.Accounts[0].Name
	if !strings.HasSuffix(name, marker) || !strings.HasPrefix(huge, strings.TrimSuffix(name, marker)) || len(name) > ValueLimit+len(marker) {
		t.Errorf("--json keeps %d bytes of the name, ending %q; want its first 64 KiB and %q", len(name), name[max(len(name)-80, 0):], marker)
	}
	if doc.Accounts[1].Name != "Credit Card 13000" || r.stdout.Len() > 2*ValueLimit {
		t.Errorf("--json is %d bytes; the other account %q", r.stdout.Len(), doc.Accounts[1].Name)
	}

	r = setup()
	if code := r.run(t, OutputEvents); code != 0 || r.stdout.Len() > 3*ValueLimit || strings.Count(r.stdout.String(), marker) != 2 {
		t.Errorf("--events: exit %d, %d bytes, %d markers; want the accounts and the result each cut once",
			code, r.stdout.Len(), strings.Count(r.stdout.String(), marker))
	}

	r = setup()
	if code := r.run(t, OutputTable); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	cell := strings.Fields(lines[1])[0]
	// 199 cells: the last wide character does not fit in the one cell left beside the ellipsis.
	if w := ansi.StringWidth(cell); w != 199 || !strings.HasSuffix(cell, "本日…") || r.stdout.Len() > 4096 {
		t.Errorf("the plain table: a name of %d cells (ends %q), %d bytes in all; want 199 cells ending in …", w, cell[max(len(cell)-9, 0):], r.stdout.Len())
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 300 {
			t.Errorf("a line of %d cells: %.80q…", w, l)
		}
	}
}

func TestCutLongStringsLeavesShortOnesAndKeysAlone(t *testing.T) {
	doc := []byte(`{"a":"short","b":["` + strings.Repeat(`\"x`, ValueLimit) + `"],"c":1}`)
	out := cutLongStrings(doc)
	var v struct {
		A string
		B []string
		C int
	}
	if err := json.Unmarshal(out, &v); err != nil || v.A != "short" || v.C != 1 || !strings.HasSuffix(v.B[0], "… (cut: 131072 bytes in all, the first 65536 kept)") {
		t.Errorf("%v: %+v", err, v)
	}
	if short := []byte(`{"a":"b"}`); string(cutLongStrings(short)) != string(short) {
		t.Error("a short document changed")
	}
}
