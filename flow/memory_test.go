package flow

import (
	"os"
	"path/filepath"
	"testing"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

func TestMemoryKeepsEachAPIsLastSessionOwnerOnly(t *testing.T) {
	m := &FileMemory{Path: filepath.Join(t.TempDir(), "conf", "state.json")}
	if got, err := m.Recall("https://au-api.basiq.io"); err != nil || got.UserID != "" {
		t.Fatalf("nothing kept yet: %+v, %v", got, err)
	}
	kept := qs.Memory{UserID: "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", Created: true, Jobs: []string{"a03e4df4-0000-4000-8000-000000000001"}}
	if err := m.Remember("https://au-api.basiq.io", kept); err != nil {
		t.Fatal(err)
	}
	if err := m.Remember("http://127.0.0.1:8080", qs.Memory{UserID: "other"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Recall("https://au-api.basiq.io"); got.UserID != kept.UserID || len(got.Jobs) != 1 || !got.Created {
		t.Errorf("recalled %+v", got)
	}
	if info, err := os.Stat(m.Path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state.json: %v, mode %o", err, info.Mode().Perm())
	}
	if err := m.Remember("https://au-api.basiq.io", qs.Memory{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Recall("https://au-api.basiq.io"); got.UserID != "" {
		t.Errorf("forgotten, yet %+v", got)
	}
	if got, _ := m.Recall("http://127.0.0.1:8080"); got.UserID != "other" {
		t.Errorf("another API's session went too: %+v", got)
	}
	// A file others may read is not trusted (nor used).
	if err := os.Chmod(m.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Recall("http://127.0.0.1:8080"); err == nil {
		t.Error("a world-readable state.json was used")
	}
}
