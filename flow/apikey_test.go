package flow

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

type answering struct{ key string }

func (a answering) Line(context.Context, string) (string, error)   { return "", errors.New("not asked") }
func (a answering) Secret(context.Context, string) (string, error) { return a.key, nil }

func TestKeyForLooksWhereTheWizardLooks(t *testing.T) {
	noKeyring(t)
	s := &Store{Dir: filepath.Join(t.TempDir(), "basiq-onboard")}
	ctx := context.Background()
	if err := s.Save(simulatorA, storeKey); err != nil {
		t.Fatal(err)
	}
	if k, err := KeyFor(ctx, simulatorA, " env-key ", s, nil); err != nil || k != "env-key" {
		t.Errorf("BASIQ_API_KEY first: %q, %v", k, err)
	}
	if k, err := KeyFor(ctx, simulatorA+"/", "", s, nil); err != nil || k != storeKey {
		t.Errorf("then the key saved for the API: %q, %v", k, err)
	}
	if k, err := KeyFor(ctx, simulatorB, "", s, answering{"typed"}); err != nil || k != "typed" {
		t.Errorf("then asked, for another API: %q, %v", k, err)
	}
	if _, err := KeyFor(ctx, simulatorB, "", s, nil); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("with nobody to ask: %v", err)
	}
	if _, err := KeyFor(ctx, simulatorB, "", s, answering{"  "}); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("an empty answer: %v", err)
	}
}
