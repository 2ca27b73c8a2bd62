package flow

import (
	"encoding/json"
	"os"
	"path/filepath"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// FileMemory keeps each API's last session (the user, whether this tool
// made it, the jobs not yet over) in one small JSON file only the user can
// read. Never a secret: no key, token or link goes in it.
type FileMemory struct {
	Path string // e.g. ~/.config/basiq-onboard/state.json
}

// NewMemory keeps it in the user's config directory.
func NewMemory() (*FileMemory, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, err
	}
	return &FileMemory{Path: filepath.Join(dir, "basiq-onboard", "state.json")}, nil
}

// memories are the file's contents: the last session, by API base URL.
type memories map[string]qs.Memory

func (f *FileMemory) read() (memories, error) {
	m := memories{}
	b, err := readPrivate(f.Path)
	if err != nil || b == nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return memories{}, err // unreadable: as if nothing were kept
	}
	return m, nil
}

// Recall is what the last session against apiURL kept.
func (f *FileMemory) Recall(apiURL string) (qs.Memory, error) {
	m, err := f.read()
	return m[apiURL], err
}

// Remember keeps m as apiURL's last session; a zero m forgets it.
func (f *FileMemory) Remember(apiURL string, m qs.Memory) error {
	all, _ := f.read() // what cannot be read is written over
	if m.UserID == "" {
		delete(all, apiURL)
	} else {
		all[apiURL] = m
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(f.Path, append(b, '\n'))
}
