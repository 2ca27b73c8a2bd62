package flowtest

import (
	"context"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// ConsentedUser makes a user of sim (client is its API) who has consented
// at the sandbox institution as the sandbox persona, as the demo's
// onboarding does: the user's id, and the one job the consent started.
func ConsentedUser(t testing.TB, ctx context.Context, client *basiq.Client, sim *simulator.Server, email string) (userID, jobID string) {
	t.Helper()
	u, err := client.CreateUser(ctx, basiq.NewUser{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := client.ClientToken(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	password, _ := simulator.Persona(qs.SandboxPersona)
	jobs, err := sim.CompleteConsent(ctx, token, qs.SandboxInstitution, qs.SandboxPersona, password)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("consent: %v, %v", jobs, err)
	}
	return u.ID, jobs[0]
}
