package flow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

const (
	storeKey      = "dGVzdC1hcHAtaWQ6dGVzdC1zZWNyZXQta2V5LTEyMzQ1"
	simulatorA    = "http://127.0.0.1:8080"
	simulatorB    = "http://127.0.0.1:9090"
	defaultOrigin = "https://au-api.basiq.io"
)

// noKeyring makes the store fall back to its files.
func noKeyring(t *testing.T) { keyring.MockInitWithError(errors.New("no secret service")) }

func TestOriginIsSchemeHostAndPortWhateverTheURLSays(t *testing.T) {
	for in, want := range map[string]string{
		"https://au-api.basiq.io":           defaultOrigin,
		"https://AU-API.basiq.io/":          defaultOrigin,
		"https://au-api.basiq.io:443/x?y=1": defaultOrigin,
		"https://au-api.basiq.io:8443":      "https://au-api.basiq.io:8443",
		"http://127.0.0.1:8080/":            simulatorA,
		"http://localhost:8080":             simulatorA,
		"http://LOCALHOST:8080/x":           simulatorA,
		"http://127.0.0.1:80":               "http://127.0.0.1",
		"http://[::1]:8080":                 "http://[::1]:8080",
		"http://[::1]":                      "http://[::1]",
	} {
		if got := Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
	if Origin(simulatorA) == Origin(simulatorB) {
		t.Error("two simulators on two ports share a slot")
	}
}

// Issue 19 item 5: a key is kept for the origin it was saved for, and only
// that origin gets it back.
func TestItem5AKeyIsKeptPerOriginInTheKeyring(t *testing.T) {
	keyring.MockInit()
	s := &Store{Dir: filepath.Join(t.TempDir(), "basiq-onboard")}
	if where, insecure := s.Where(); insecure || where != "the system keyring" {
		t.Fatalf("Where() = %q, %v with a keyring", where, insecure)
	}
	if err := s.Save(simulatorA, storeKey); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(simulatorA); err != nil || got != storeKey {
		t.Errorf("Load(A) = %q, %v", got, err)
	}
	for _, other := range []string{simulatorB, defaultOrigin, DemoOrigin} {
		if got, err := s.Load(other); err != nil || got != "" {
			t.Errorf("Load(%s) = %q, %v: a key saved for %s", other, got, err, simulatorA)
		}
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Error("a file was written although the keyring works")
	}
}

func TestItem5WithoutAKeyringKeysGoToAnOwnerOnlyFileByOrigin(t *testing.T) {
	noKeyring(t)
	dir := filepath.Join(t.TempDir(), "basiq-onboard")
	os.MkdirAll(dir, 0o755)
	os.Chmod(dir, 0o755)
	s := &Store{Dir: dir}
	where, insecure := s.Where()
	if !insecure || where != filepath.Join(dir, "secrets.json") {
		t.Fatalf("Where() = %q, %v; want the secrets file, said to be a plain file", where, insecure)
	}
	if err := s.Save(simulatorA, storeKey); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(simulatorB, "another-key"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, where: 0o600} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %04o; want %04o", path, err, info.Mode().Perm(), want)
		}
	}
	fresh := &Store{Dir: dir}
	if a, _ := fresh.Load(simulatorA); a != storeKey {
		t.Errorf("A's key = %q", a)
	}
	if b, _ := fresh.Load(simulatorB); b != "another-key" {
		t.Errorf("B's key = %q", b)
	}
	if d, _ := fresh.Load(defaultOrigin); d != "" {
		t.Errorf("Basiq's slot holds %q", d)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*tmp*")); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
	// A secrets file others can read is refused, not used, and says how to fix it.
	os.Chmod(where, 0o644)
	got, err := (&Store{Dir: dir}).Load(simulatorA)
	if got != "" || err == nil || !strings.Contains(err.Error(), "run chmod 600 "+where) {
		t.Errorf("a world-readable secrets file: %q, %v", got, err)
	}
}

// withLegacyKeyFile is a store, with no keyring, over the key file versions
// before the store wrote (mode perm).
func withLegacyKeyFile(t *testing.T, perm os.FileMode) (s *Store, legacy string) {
	noKeyring(t)
	dir := t.TempDir()
	legacy = filepath.Join(dir, "api-key")
	os.WriteFile(legacy, []byte(storeKey+"\n"), perm)
	return &Store{Dir: dir}, legacy
}

// Issue 19 item 5: the one key of earlier versions goes to Basiq's own API,
// once; no other API ever gets it.
func TestItem5TheOldSingleKeyIsMigratedOnceToTheDefaultAPIOnly(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		s, legacy := withLegacyKeyFile(t, 0o600)
		dir := s.Dir
		if got, _ := s.Load(simulatorA); got != "" {
			t.Fatalf("a simulator got the old key: %q", got)
		}
		if got, _ := s.Load(defaultOrigin); got != storeKey {
			t.Errorf("Basiq's slot = %q, want the old key", got)
		}
		if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
			t.Error("the old key file is still there, to be migrated again")
		}
		// Once: a key saved since is not replaced by anything old.
		os.WriteFile(legacy, []byte("an-older-key\n"), 0o600)
		if got, _ := (&Store{Dir: dir}).Load(defaultOrigin); got != storeKey {
			t.Errorf("after a second start Basiq's slot = %q", got)
		}
		if got, _ := (&Store{Dir: dir}).Load(simulatorB); got != "" {
			t.Errorf("another simulator got %q", got)
		}
	})
	t.Run("keyring", func(t *testing.T) {
		keyring.MockInit()
		keyring.Set(keyringService, legacyKeyringUser, storeKey)
		s := &Store{Dir: t.TempDir()}
		if got, _ := s.Load(simulatorA); got != "" {
			t.Fatalf("a simulator got the old key: %q", got)
		}
		if got, _ := s.Load(defaultOrigin); got != storeKey {
			t.Errorf("Basiq's slot = %q", got)
		}
		if _, err := keyring.Get(keyringService, legacyKeyringUser); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("the old keyring entry is still there: %v", err)
		}
	})
	t.Run("an old file others may read", func(t *testing.T) {
		s, legacy := withLegacyKeyFile(t, 0o644)
		if got, err := s.Load(defaultOrigin); got != "" || err == nil || !strings.Contains(err.Error(), "chmod 600 "+legacy) {
			t.Errorf("Basiq's slot: %q, %v; want the file refused, saying how to fix it", got, err)
		}
		if got, err := s.Load(simulatorA); got != "" || err != nil {
			t.Errorf("a simulator: %q, %v; want nothing said about Basiq's old key", got, err)
		}
	})
}

// Issue 19 item 5: the session state is kept per origin too; the demo's
// slot is its own; state.json of earlier versions (by API URL) is read.
func TestItem5SessionsAreKeptPerOriginAndTheOldFileIsRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	s := &Store{Dir: dir}
	if got, err := s.Recall(defaultOrigin); err != nil || got.UserID != "" {
		t.Fatalf("nothing kept yet: %+v, %v", got, err)
	}
	kept := qs.Memory{UserID: "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", Created: true, Jobs: []string{"a03e4df4-0000-4000-8000-000000000001"}}
	if err := s.Remember(defaultOrigin, kept); err != nil {
		t.Fatal(err)
	}
	if err := s.Remember(simulatorA, qs.Memory{UserID: "other"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recall(defaultOrigin); got.UserID != kept.UserID || len(got.Jobs) != 1 || !got.Created {
		t.Errorf("recalled %+v", got)
	}
	for _, o := range []string{simulatorB, DemoOrigin} {
		if got, _ := s.Recall(o); got.UserID != "" {
			t.Errorf("%s recalls %+v", o, got)
		}
	}
	path := filepath.Join(dir, "state.json")
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state.json: %v, mode %o", err, info.Mode().Perm())
	}
	if err := s.Remember(defaultOrigin, qs.Memory{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recall(defaultOrigin); got.UserID != "" {
		t.Errorf("forgotten, yet %+v", got)
	}
	if got, _ := s.Recall(simulatorA); got.UserID != "other" {
		t.Errorf("another API's session went too: %+v", got)
	}
	// Values later features keep live beside the session, per origin.
	if err := s.SetValue(simulatorA, "listen.last-event", "evt-1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Value(simulatorA, "listen.last-event"); v != "evt-1" {
		t.Errorf("value %q", v)
	}
	if v, _ := s.Value(simulatorB, "listen.last-event"); v != "" {
		t.Errorf("another origin's value: %q", v)
	}
	if got, _ := s.Recall(simulatorA); got.UserID != "other" {
		t.Errorf("a value replaced the session: %+v", got)
	}

	// A file others may read is not trusted (nor used).
	os.Chmod(path, 0o644)
	if _, err := s.Recall(simulatorA); err == nil {
		t.Error("a world-readable state.json was used")
	}

	// The file of earlier versions: one session per API URL.
	old := t.TempDir()
	os.WriteFile(filepath.Join(old, "state.json"), []byte(`{"https://au-api.basiq.io/": {"userId": "u-1", "created": true}, "http://127.0.0.1:8080": {"userId": "u-2"}}`), 0o600)
	s = &Store{Dir: old}
	if got, _ := s.Recall(defaultOrigin); got.UserID != "u-1" || !got.Created {
		t.Errorf("the old file's Basiq session: %+v", got)
	}
	if got, _ := s.Recall(simulatorA); got.UserID != "u-2" {
		t.Errorf("the old file's simulator session: %+v", got)
	}
}

func TestItem5SecretsHaveRoomForWhatLaterFeaturesKeep(t *testing.T) {
	noKeyring(t)
	s := &Store{Dir: t.TempDir()}
	if err := s.SetSecret(simulatorA, "listen-secret", "whsec_abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(simulatorA, storeKey); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Secret(simulatorA, "listen-secret"); v != "whsec_abc" {
		t.Errorf("secret %q", v)
	}
	if err := s.SetSecret(simulatorA, "listen-secret", ""); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Secret(simulatorA, "listen-secret"); v != "" {
		t.Errorf("forgotten, yet %q", v)
	}
	if k, _ := s.Load(simulatorA); k != storeKey {
		t.Errorf("forgetting one secret took the key: %q", k)
	}
	if b, _ := os.ReadFile(filepath.Join(s.Dir, "state.json")); strings.Contains(string(b), storeKey) {
		t.Error("a secret in state.json")
	}
}
