package flow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringService names our entry in the OS keyring (Keychain, Secret
// Service, Windows Credential Manager).
const (
	keyringService = "basiq-onboard"
	keyringUser    = "api-key"
	keyringTimeout = 3 * time.Second
)

// FileKeyStore is the KeyStore main uses: the OS keyring when there is one,
// otherwise a file only the user can read (0600 in a 0700 directory), which
// the wizard offers only with a warning.
type FileKeyStore struct {
	// Path is the fallback file, e.g. ~/.config/basiq-onboard/api-key.
	Path string

	probe     sync.Once
	hasKeying bool
}

// NewKeyStore uses the user's config directory for the fallback file.
func NewKeyStore() (*FileKeyStore, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, err
	}
	return &FileKeyStore{Path: filepath.Join(dir, "basiq-onboard", "api-key")}, nil
}

// withTimeout runs a keyring call that may hang (a locked keyring waiting for
// a prompt nobody sees, a D-Bus that never answers) for at most keyringTimeout.
func withTimeout(call func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := call()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(keyringTimeout):
		return "", errors.New("the system keyring did not answer")
	}
}

// keyringWorks asks the keyring once whether it is there at all.
func (s *FileKeyStore) keyringWorks() bool {
	s.probe.Do(func() {
		_, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, keyringUser) })
		s.hasKeying = err == nil || errors.Is(err, keyring.ErrNotFound)
	})
	return s.hasKeying
}

// Load returns the saved key, "" when none was saved.
func (s *FileKeyStore) Load() (string, error) {
	if s.keyringWorks() {
		k, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, keyringUser) })
		if err == nil && k != "" {
			return k, nil
		}
	}
	info, err := os.Stat(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is readable by others (mode %o); not using it", s.Path, info.Mode().Perm())
	}
	b, err := os.ReadFile(s.Path)
	return strings.TrimSpace(string(b)), err
}

// Where says where Save puts the key, and whether that is a plain file.
func (s *FileKeyStore) Where() (string, bool) {
	if s.keyringWorks() {
		return "the system keyring", false
	}
	return s.Path, true
}

// Save keeps the key for next time.
func (s *FileKeyStore) Save(key string) error {
	if s.keyringWorks() {
		_, err := withTimeout(func() (string, error) { return "", keyring.Set(keyringService, keyringUser, key) })
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return err
	}
	tmp := s.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte(key+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.Path)
}
