package keys

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryKeyHasOneIntentAndEveryIntentAKey is the table's own rule: a key
// in two rows would mean two things.
func TestEveryKeyHasOneIntentAndEveryIntentAKey(t *testing.T) {
	owner := map[string]Intent{}
	for _, r := range Table {
		for _, k := range r.Keys {
			if i, ok := owner[k]; ok && i != r.Intent {
				t.Errorf("%s is %d and %d", k, i, r.Intent)
			}
			owner[k] = r.Intent
		}
	}
	for i := Main; i <= Choose; i++ {
		b := i.Binding()
		if got, ok := IntentOf(b); !ok || got != i {
			t.Errorf("intent %d: its binding %v is %d (%v)", i, b.Keys(), got, ok)
		}
	}
	if _, ok := IntentOf(Help.Alt()); !ok {
		t.Error("f1 is not in the table")
	}
}

// TestNoBindingIsMadeOutsideTheTable: every key a screen or flow binds
// comes from Table (Intent.Binding, Help, Hidden, Alt), so a key cannot
// mean one thing here and another there.
func TestNoBindingIsMadeOutsideTheTable(t *testing.T) {
	for _, dir := range []string{"../../ui", "../../flow"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Base(filepath.Dir(path)) == "keys" {
				return err
			}
			src, err := os.ReadFile(path)
			for _, made := range []string{"key.NewBinding(", "key.WithKeys(", ".SetKeys("} {
				if strings.Contains(string(src), made) {
					t.Errorf("%s binds keys itself (%s): take them from ui/keys", path, made)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestREADMEListsEveryKeyOnce: README's table of keys (after <!-- keys -->)
// names each key of Table in one row, and no key that is not in it.
func TestREADMEListsEveryKeyOnce(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "<!-- keys -->\n")
	if !ok {
		t.Fatal("README has no <!-- keys --> table")
	}
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ReplaceAll(s, "`", ""), func(r rune) bool { return strings.ContainsRune("/ ()", r) })
	}
	rows := map[string]int{} // a key, and how many rows name it
	for _, line := range strings.Split(section, "\n")[2:] {
		if !strings.HasPrefix(line, "| ") {
			break
		}
		for _, k := range split(strings.Split(line, "|")[1]) {
			rows[k]++
		}
	}
	known := map[string]bool{}
	for _, r := range Table {
		for _, k := range r.Keys {
			known[k] = true
		}
		for _, k := range split(r.Label) {
			known[k] = true
			if rows[k] != 1 {
				t.Errorf("README names %s in %d rows of its keys, want 1", k, rows[k])
			}
		}
	}
	for k := range rows {
		if !known[k] {
			t.Errorf("README's keys name %s, which is in no row of the keymap", k)
		}
	}
}
