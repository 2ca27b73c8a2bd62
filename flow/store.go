package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/zalando/go-keyring"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// DemoOrigin is the demo's slot in the store: its simulator listens on a new
// port every run, and nothing of a real API's may reach it (nor the other way).
const DemoOrigin = "demo"

// Names of what the store keeps for an origin.
const (
	secretAPIKey = "api-key" // the API key a person agreed to save
)

// Origin is the slot an API URL's things are kept in: scheme://host, with
// the port unless it is the scheme's own (so two simulators on one machine,
// on two ports, are two slots, and https://au-api.basiq.io/ is the same API
// as https://au-api.basiq.io:443).
func Origin(apiURL string) string {
	u, err := url.Parse(strings.TrimSpace(apiURL))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return strings.TrimRight(apiURL, "/")
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if host == "localhost" {
		// One API by either name (the simulator's banner says 127.0.0.1; people
		// type localhost): one key, one saved user, one listen secret for both.
		host = "127.0.0.1"
	}
	if port == map[string]string{"https": "443", "http": "80"}[scheme] {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]" // IPv6
	}
	return scheme + "://" + host
}

// Store is everything basiq-onboard keeps between runs, each thing under the
// API origin it belongs to, so nothing saved for one API is used with
// another: a key is only ever sent to the origin it was saved for.
//
// Secrets (the API key; later, listen's local secret) go to the system
// keyring, or where there is none to secrets.json, only the user can read;
// the rest (the last session, values later issues keep) to state.json,
// never a secret. Both files are 0600 in a 0700 directory.
type Store struct {
	// Dir holds the files, e.g. ~/.config/basiq-onboard.
	Dir string

	probe     sync.Once
	hasKeying bool

	migrate   sync.Once
	legacyErr error // the old key file could not be used; said for the default API only

	mu sync.Mutex // one read-modify-write of a file at a time
}

// OpenStore keeps things in the user's config directory.
func OpenStore() (*Store, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, err
	}
	return &Store{Dir: filepath.Join(dir, "basiq-onboard")}, nil
}

func (s *Store) statePath() string   { return filepath.Join(s.Dir, "state.json") }
func (s *Store) secretsPath() string { return filepath.Join(s.Dir, "secrets.json") }

// legacyKeyPath is where versions before the store kept their one key, for
// whichever API it was used with.
func (s *Store) legacyKeyPath() string { return filepath.Join(s.Dir, "api-key") }

// keyringWorks asks the keyring once whether it is there at all.
func (s *Store) keyringWorks() bool {
	s.probe.Do(func() {
		_, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, legacyKeyringUser) })
		s.hasKeying = err == nil || errors.Is(err, keyring.ErrNotFound)
	})
	return s.hasKeying
}

// keyringUser names one secret of one origin in the keyring.
func keyringUser(origin, name string) string { return name + "@" + origin }

// Secret is the secret called name kept for origin, "" when none is. A
// secrets file it cannot trust (others may read it) is an error that says
// what to do, never quietly skipped.
func (s *Store) Secret(origin, name string) (string, error) {
	s.migrateLegacyKey()
	if origin == Origin(basiq.DefaultBaseURL) && name == secretAPIKey && s.legacyErr != nil {
		return "", s.legacyErr
	}
	return s.secret(origin, name)
}

func (s *Store) secret(origin, name string) (string, error) {
	if s.keyringWorks() {
		v, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, keyringUser(origin, name)) })
		if err == nil || errors.Is(err, keyring.ErrNotFound) {
			return v, nil
		}
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.readSecrets()
	return all[origin][name], err
}

// SetSecret keeps value as origin's secret called name; "" forgets it.
func (s *Store) SetSecret(origin, name, value string) error {
	s.migrateLegacyKey()
	return s.setSecret(origin, name, value)
}

func (s *Store) setSecret(origin, name, value string) error {
	if s.keyringWorks() {
		_, err := withTimeout(func() (string, error) {
			if value == "" {
				if err := keyring.Delete(keyringService, keyringUser(origin, name)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
					return "", err
				}
				return "", nil
			}
			return "", keyring.Set(keyringService, keyringUser(origin, name), value)
		})
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.readSecrets()
	if err != nil {
		return err
	}
	if value == "" {
		delete(all[origin], name)
		if len(all[origin]) == 0 {
			delete(all, origin)
		}
	} else {
		if all[origin] == nil {
			all[origin] = map[string]string{}
		}
		all[origin][name] = value
	}
	b, err := json.MarshalIndent(secretsFile{Origins: all}, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(s.secretsPath(), append(b, '\n'))
}

// secretsFile is secrets.json: by origin, by name.
type secretsFile struct {
	Origins map[string]map[string]string `json:"origins"`
}

func (s *Store) readSecrets() (map[string]map[string]string, error) {
	path := s.secretsPath()
	b, err := readPrivate(path)
	if err != nil {
		return nil, fmt.Errorf("the saved secrets cannot be used: %w; or delete %s and paste the key again", err, path)
	}
	f := secretsFile{Origins: map[string]map[string]string{}}
	if b == nil {
		return f.Origins, nil
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s cannot be read (%v): delete it and paste the key again", path, err)
	}
	if f.Origins == nil {
		f.Origins = map[string]map[string]string{}
	}
	return f.Origins, nil
}

// migrateLegacyKey moves the one key of earlier versions (keyring entry
// basiq-onboard/api-key, or the api-key file) to the default API's slot,
// once: it was never tied to an API, so no other API gets it.
func (s *Store) migrateLegacyKey() {
	s.migrate.Do(func() {
		def := Origin(basiq.DefaultBaseURL)
		keep := func(key string) error {
			if current, err := s.secret(def, secretAPIKey); err != nil || current != "" {
				return err // a key saved since wins over the old one
			}
			return s.setSecret(def, secretAPIKey, key)
		}
		if s.keyringWorks() {
			old, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, legacyKeyringUser) })
			if err == nil && old != "" && keep(old) == nil {
				_, _ = withTimeout(func() (string, error) { return "", keyring.Delete(keyringService, legacyKeyringUser) })
			}
		}
		path := s.legacyKeyPath()
		b, err := readPrivate(path)
		if err != nil {
			s.legacyErr = fmt.Errorf("the saved API key cannot be used: %w; or delete %s and paste the key again", err, path)
			return
		}
		if old := strings.TrimSpace(string(b)); b != nil && (old == "" || keep(old) == nil) {
			os.Remove(path)
			os.Remove(path + ".tmp") // what versions before that one may have left
		}
	})
}

// Load is the API key saved for origin ("" when none): the KeyStore the
// quickstart uses.
func (s *Store) Load(origin string) (string, error) {
	k, err := s.Secret(origin, secretAPIKey)
	return strings.TrimSpace(k), err
}

// Save keeps key as origin's API key.
func (s *Store) Save(origin, key string) error { return s.SetSecret(origin, secretAPIKey, key) }

// Where says where Save puts a key, and whether that is a plain file.
func (s *Store) Where() (string, bool) {
	if s.keyringWorks() {
		return "the system keyring", false
	}
	return s.secretsPath(), true
}

// stateFile is state.json: what is kept per origin, never a secret.
type stateFile struct {
	Origins map[string]*originState `json:"origins"`
}

// originState is what one origin keeps.
type originState struct {
	// Session is the last session against it, to pick up next time.
	Session *qs.Memory `json:"session,omitempty"`
	// Values are small things later features keep (listen's last forwarded event).
	Values map[string]string `json:"values,omitempty"`
}

func (st *originState) empty() bool { return st.Session == nil && len(st.Values) == 0 }

// readState reads state.json. The file of versions before the store, one
// session per API URL, is read as the sessions of those URLs' origins.
func (s *Store) readState() (map[string]*originState, error) {
	all := map[string]*originState{}
	b, err := readPrivate(s.statePath())
	if err != nil || b == nil {
		return all, err
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return all, nil // unreadable: as if nothing were kept (it holds no secret)
	}
	if _, current := raw["origins"]; current {
		var f stateFile
		if json.Unmarshal(b, &f) == nil && f.Origins != nil {
			for origin, st := range f.Origins {
				if st != nil {
					all[origin] = st
				}
			}
		}
		return all, nil
	}
	for apiURL, v := range raw {
		var m qs.Memory
		if json.Unmarshal(v, &m) == nil && m.UserID != "" {
			all[Origin(apiURL)] = &originState{Session: &m}
		}
	}
	return all, nil
}

// changeState reads state.json, lets change alter origin's part, and writes it back.
func (s *Store) changeState(origin string, change func(*originState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, _ := s.readState() // what cannot be read is written over
	st := all[origin]
	if st == nil {
		st = &originState{}
	}
	change(st)
	if st.empty() {
		delete(all, origin)
	} else {
		all[origin] = st
	}
	b, err := json.MarshalIndent(stateFile{Origins: all}, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(s.statePath(), append(b, '\n'))
}

// Recall is what the last session against origin kept: the MemoryStore
// the quickstart uses.
func (s *Store) Recall(origin string) (qs.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.readState()
	if st := all[origin]; st != nil && st.Session != nil {
		return *st.Session, err
	}
	return qs.Memory{}, err
}

// Remember keeps m as origin's last session; a zero m forgets it.
func (s *Store) Remember(origin string, m qs.Memory) error {
	return s.changeState(origin, func(st *originState) {
		st.Session = nil
		if m.UserID != "" {
			st.Session = &m
		}
	})
}

// Value is the value called name kept for origin, "" when none is.
func (s *Store) Value(origin, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.readState()
	if st := all[origin]; st != nil {
		return st.Values[name], err
	}
	return "", err
}

// SetValue keeps value as origin's value called name; "" forgets it. Never
// a secret: state.json is for things that may be read over a shoulder.
func (s *Store) SetValue(origin, name, value string) error {
	return s.changeState(origin, func(st *originState) {
		if value == "" {
			delete(st.Values, name)
			return
		}
		if st.Values == nil {
			st.Values = map[string]string{}
		}
		st.Values[name] = value
	})
}
