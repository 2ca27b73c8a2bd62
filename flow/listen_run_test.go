package flow

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// The demo's simulator listens on a new port each run: the wizard keeps its
// forwarding's secret in the demo's own slot, the same across runs.
func TestTheDemosSecretIsTheSameWhateverItsPort(t *testing.T) {
	noKeyring(t)
	store := &Store{Dir: filepath.Join(t.TempDir(), "basiq-onboard")}
	secretOf := func(apiURL string) string {
		run, err := PrepareListen(ListenOptions{API: &basiq.Client{}, APIURL: apiURL, Store: store, Origin: DemoOrigin, To: "http://localhost:3000"})
		if err != nil {
			t.Fatal(err)
		}
		run.Forwarder.Close()
		return run.Banner.Secret
	}
	if a, b := secretOf("http://127.0.0.1:40001"), secretOf("http://127.0.0.1:40002"); a != b || !strings.HasPrefix(a, "whsec_") {
		t.Errorf("the demo's secret: %q, then %q", a, b)
	}
	if got, _ := (ListenStore{Store: store, Origin: Origin("http://127.0.0.1:40001")}).Store.Secret(Origin("http://127.0.0.1:40001"), listenSecretName); got != "" {
		t.Error("the demo's secret was kept in the simulator's origin too")
	}
}
