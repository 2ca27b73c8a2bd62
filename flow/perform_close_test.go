package flow

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// slowKeys is a key store whose Save takes until it is let go (a keyring
// waiting on its daemon, a slow disk).
type slowKeys struct {
	mu      sync.Mutex
	saved   map[string]string
	letGo   chan struct{}
	started chan struct{}
}

func newSlowKeys() *slowKeys {
	return &slowKeys{saved: map[string]string{}, letGo: make(chan struct{}), started: make(chan struct{}, 1)}
}

func (k *slowKeys) Load(origin string) (string, error) { return "", nil }
func (k *slowKeys) Where() (string, bool)              { return "a slow keyring", false }
func (k *slowKeys) Save(origin, key string) error {
	k.started <- struct{}{}
	<-k.letGo
	k.mu.Lock()
	defer k.mu.Unlock()
	k.saved[origin] = key
	return nil
}

func (k *slowKeys) key(origin string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.saved[origin]
}

// y to save the key, then q or ctrl+c at once: the run waits for the save
// rather than ending under it, and says nothing, since nothing was lost.
func TestCloseWaitsForTheKeyBeingSaved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		keys := newSlowKeys()
		p := NewPerformer(Config{Keys: keys, APIURL: "https://au-api.basiq.io"})
		save := p.Later(qs.SaveKey{Key: "the-key"})
		go save(context.Background())
		<-keys.started
		go func() {
			time.Sleep(time.Second) // the keyring answers after a second
			close(keys.letGo)
		}()
		start := time.Now()
		if unfinished := p.Close(); len(unfinished) != 0 {
			t.Errorf("the save finished within the wait, yet Close says %q", unfinished)
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("Close returned after %v, not once the save was done (1s)", took)
		}
		if got := keys.key(Origin("https://au-api.basiq.io")); got != "the-key" {
			t.Errorf("the key was not saved: %q", got)
		}
	})
}

// A save that never ends holds a quit 2 s at most, and the person is told
// the key may not be saved; so is one whose goroutine never got to run.
func TestCloseGivesUpOnAWriteAfterTwoSecondsAndSaysWhatWasNotSaved(t *testing.T) {
	for name, run := range map[string]bool{"stuck in the key store": true, "never started": false} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				keys := newSlowKeys()
				p := NewPerformer(Config{Keys: keys, APIURL: "https://au-api.basiq.io"})
				save := p.Later(qs.SaveKey{Key: "the-key"})
				if run {
					go save(context.Background())
					<-keys.started
				}
				start := time.Now()
				unfinished := p.Close()
				if took := time.Since(start); took != closeWait {
					t.Errorf("Close waited %v, want %v", took, closeWait)
				}
				if len(unfinished) != 1 || unfinished[0] != writing(qs.SaveKey{}) {
					t.Errorf("Close should say the key may not be saved, said %q", unfinished)
				}
				close(keys.letGo) // lets the stuck goroutine end with the bubble
			})
		})
	}
}

// Reads and calls are not waited for: only the person's files are.
func TestCloseDoesNotWaitForWhatWritesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPerformer(Config{})
		_ = p.Later(qs.LoadAccounts{UserID: "u"}) // never run
		start := time.Now()
		if unfinished := p.Close(); len(unfinished) != 0 || time.Since(start) != 0 {
			t.Errorf("Close waited %v for a read and said %q", time.Since(start), unfinished)
		}
	})
}
