package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/basiqspec"
)

func TestTheEventTypesAreBasiqs15(t *testing.T) {
	if len(EventTypes) != 15 {
		t.Fatalf("%d event types, want Basiq's 15", len(EventTypes))
	}
	for _, et := range EventTypes {
		if et.Entity+"."+et.EventType != et.ID || et.Description == "" {
			t.Errorf("%+v: the id is not entity.eventType, or no description", et)
		}
		if got, ok := LookupEventType(et.ID); !ok || got != et {
			t.Errorf("LookupEventType(%q) = %+v %v", et.ID, got, ok)
		}
	}
	ids := EventTypeIDs()
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 15 {
		t.Errorf("EventTypeIDs() = %v, want 15 distinct, sorted", ids)
	}
	if _, ok := LookupEventType("consent.archived"); ok {
		t.Error("consent.archived is on the consent-events page, not in the types list")
	}
}

// The table is GET /events/types's example in Basiq's spec, ids and words.
func TestTheEventTypesMatchTheSpec(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(basiqspec.Dir(t), "core.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct{ Paths map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	var types struct {
		Get struct {
			Responses map[string]struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value struct {
							Data []struct{ ID, Description string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(spec.Paths["/events/types"], &types); err != nil {
		t.Fatal(err)
	}
	example := types.Get.Responses["200"].Content["application/json"].Examples["Success"].Value.Data
	if len(example) != len(EventTypes) {
		t.Fatalf("the spec lists %d event types, the table %d", len(example), len(EventTypes))
	}
	for i, want := range example {
		if got := EventTypes[i]; got.ID != want.ID || got.Description != want.Description {
			t.Errorf("event type %d: %q %q, the spec %q %q", i, got.ID, got.Description, want.ID, want.Description)
		}
	}
}

func TestSuggestEventTypeNamesANearMiss(t *testing.T) {
	for name, want := range map[string]string{
		"user.create":          "user.created",
		"users.created":        "user.created",
		"User_Created":         "user.created",
		"created.user":         "user.created",
		"conset.revoked":       "consent.revoked",
		"consent.revokde":      "consent.revoked",
		"transaction.updated":  "transactions.updated",
		"connection.invalided": "connection.invalidated",
		"account-updated":      "account.updated",
		"":                     "",
		"payment.settled":      "",
		"user":                 "",
		"user.created":         "", // not a miss
	} {
		got, ok := SuggestEventType(name)
		if got != want || ok != (want != "") {
			t.Errorf("SuggestEventType(%q) = %q %v, want %q", name, got, ok, want)
		}
	}
}
