package basiq

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
)

// againstSimulator is a client of a fresh simulator whose jobs finish at
// once, a user of it, and the simulator.
func againstSimulator(t testing.TB) (*Client, string, *simulator.Server) {
	t.Helper()
	srv := simulator.New(simulator.Options{})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	c, err := New(Config{APIKey: simulator.DemoAPIKey, BaseURL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return c, u.ID, srv
}

// consentAt completes consent at a bank as a sandbox login, as the consent page would.
func consentAt(t *testing.T, c *Client, srv *simulator.Server, userID, bank, login string, opts ...simulator.ConsentOption) string {
	t.Helper()
	ctx := context.Background()
	tok, _, err := c.ClientToken(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := simulator.Persona(login)
	ids, err := srv.CompleteConsent(ctx, tok, bank, login, password, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ids[0]
}

func TestConnectionsAndConsentsAgainstTheSimulator(t *testing.T) {
	c, user, srv := againstSimulator(t)
	ctx := context.Background()
	job := consentAt(t, c, srv, user, "AU00000", "Wentworth-Smith")
	consentAt(t, c, srv, user, "AU00004", "gavinBelson")
	conns, err := c.ListConnections(ctx, user)
	if err != nil || len(conns) != 2 {
		t.Fatalf("connections %+v, err %v", conns, err)
	}
	first, err := c.GetConnection(ctx, user, conns[0].ID)
	if err != nil || first.Status != ConnectionActive || first.Institution.ID != "AU00000" || len(first.Accounts.Data) != 4 ||
		first.Profile.FullName != "Max Wentworth-Smith" || first.CreatedAt().IsZero() || first.LastUsedAt().Before(first.CreatedAt()) {
		t.Fatalf("one connection %+v, err %v", first, err)
	}
	jobs, err := c.ListConnectionJobs(ctx, user, first.ID)
	if err != nil || len(jobs) != 1 || jobs[0].ID != job || jobs[0].ConnectionID() != first.ID {
		t.Errorf("the connection's jobs %+v, err %v", jobs, err)
	}
	refreshed, err := c.RefreshAllConnections(ctx, user)
	if err != nil || len(refreshed) != 2 {
		t.Fatalf("refresh all: %v, %v", refreshed, err)
	}
	for i, id := range refreshed {
		if j, err := c.GetJob(ctx, id); err != nil || j.ConnectionID() != conns[i].ID {
			t.Errorf("refresh job %d: %+v, %v", i, j, err)
		}
	}
	u, err := c.UpdateUser(ctx, user, UserUpdate{Mobile: "+61410888999", FirstName: "Max"})
	if err != nil || u.Email != "max@example.com" || u.Mobile != "+61410888999" || u.FirstName != "Max" {
		t.Errorf("updated user %+v, err %v", u, err)
	}
	if _, err := c.UpdateUser(ctx, "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", UserUpdate{FirstName: "Max"}); !IsNotFound(err) {
		t.Errorf("updating an unknown user: %v", err)
	}

	if err := c.DeleteConnection(ctx, user, conns[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConnection(ctx, user, conns[1].ID); !IsNotFound(err) {
		t.Errorf("a deleted connection: %v", err)
	}
	consents, err := c.ListConsents(ctx, user)
	if err != nil || len(consents) != 1 || consents[0].Status != ConsentActive || !consents[0].ExpiryDate.Equal(consents[0].Created.AddDate(1, 0, 0)) {
		t.Fatalf("consents %+v, err %v", consents, err)
	}
	if err := c.DeleteConsent(ctx, user, consents[0].ID); err != nil {
		t.Fatal(err)
	}
	consents, err = c.ListConsents(ctx, user)
	if err != nil || consents[0].Status != ConsentRevoked || consents[0].Revoked == nil {
		t.Errorf("after revoking: %+v, %v", consents, err)
	}
	if _, err := c.RefreshConnection(ctx, user, first.ID); !IsNotFound(err) {
		t.Errorf("refreshing after the consent was revoked: %v", err)
	}
	if ids, err := c.RefreshAllConnections(ctx, user); err != nil || len(ids) != 0 {
		t.Errorf("refreshing all after the consent was revoked: %v, %v", ids, err)
	}
	if err := c.DeleteUser(ctx, user); err != nil {
		t.Fatal(err)
	}
}

func TestMFAAgainstTheSimulator(t *testing.T) {
	c, user, srv := againstSimulator(t)
	ctx := context.Background()
	before := time.Now().UTC().Truncate(time.Second)
	id := consentAt(t, c, srv, user, "AU00002", "jared")
	job, err := c.GetJob(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	prompt, expires, ok := job.WaitingForMFA()
	if !ok || prompt.Method != "token" || len(prompt.Input) != 1 || expires.Before(before.Add(2*time.Minute)) || job.State() != JobRunning {
		t.Fatalf("a Pied Piper job: %+v, %v, %v", prompt, expires, ok)
	}
	tok, _, err := c.ClientToken(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	answers, _ := simulator.PersonaMFA("jared")
	if err := srv.AnswerMFA(ctx, tok, id, answers...); err != nil {
		t.Fatal(err)
	}
	if job, err = c.GetJob(ctx, id); err != nil || job.State() != JobSucceeded || !job.StepDone(StepMFAChallenge) {
		t.Errorf("after the answer: %+v, %v", job, err)
	}

	wrong := consentAt(t, c, srv, user, "AU00002", "jared", simulator.MFAResponse("0000"))
	job, err = c.GetJob(ctx, wrong)
	if failed := job.FailedStep(); err != nil || failed == nil || failed.Title != StepMFAChallenge || failed.Result.Code != "invalid-credentials" {
		t.Errorf("a wrong answer: %+v, %v", job, err)
	}
}
