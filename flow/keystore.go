package flow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// keyringService names our entries in the OS keyring (Keychain, Secret
// Service, Windows Credential Manager); legacyKeyringUser is the one entry
// of versions before the Store, which kept a single key for every API.
const (
	keyringService    = "basiq-onboard"
	legacyKeyringUser = "api-key"
	keyringTimeout    = 3 * time.Second
)

// withTimeout runs a keyring call that may hang (a locked keyring waiting for
// a prompt nobody sees, a D-Bus that never answers) for at most keyringTimeout.
func withTimeout(call func() (string, error)) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), keyringTimeout)
	defer cancel()
	s, err := untilDone(ctx, call)
	if errors.Is(err, context.DeadlineExceeded) {
		return "", errors.New("the system keyring did not answer")
	}
	return s, err
}

// untilDone runs a call that may block for ever (a keyring, a terminal's
// read) and waits for its answer or ctx's end, whichever comes first: then
// ctx.Err(), and the call is left to end alone.
func untilDone(ctx context.Context, call func() (string, error)) (string, error) {
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
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// readPrivate reads a file only its owner may read (nil when there is
// none); a file others may read, or not a plain file, is an error that says
// how to fix it.
func readPrivate(path string) ([]byte, error) {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err == nil {
		err = ownerOnly(path, info)
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// ownerOnly checks that info (from Lstat of path) is a plain file only its
// owner may read, and says how to fix it when not.
func ownerOnly(path string, info os.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a plain file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return fmt.Errorf("others may read %s (mode %04o): run chmod 600 %s", path, perm, path)
	}
	return nil
}

// writePrivate writes a file only the user can read: a fresh 0600 file
// with a random name (O_EXCL, so nothing already there is reused) in a 0700
// directory, renamed into place, its mode checked after.
func writePrivate(path string, body []byte) error {
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	info, err := os.Lstat(path)
	if err == nil {
		err = ownerOnly(path, info)
	}
	return err
}

// privateDir makes dir, or narrows it, to 0700: a directory others may
// enter lets them see, and in some setups swap, what is in it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 == 0 || runtime.GOOS == "windows" {
		return nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("others may enter %s (mode %04o) and it could not be made private: %w", dir, info.Mode().Perm(), err)
	}
	return nil
}
