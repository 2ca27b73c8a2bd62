// Package assets holds the files the program embeds: the simulator's
// consent page (templates and CSS), its sandbox personas, and the templates
// of the session exported as a script.
package assets

import "embed"

// Consent is the simulator's consent page: consent/*.html and consent/consent.css.
//
//go:embed consent
var Consent embed.FS

// Personas is the sandbox logins and their data, as JSON.
//
//go:embed personas.json
var Personas []byte

// Script is the session as a script: quickstart.sh.tmpl (bash) and
// quickstart.go.tmpl (Go), with README's quickstart (readme.sh.tmpl) built
// from the same calls (calls.sh.tmpl).
//
//go:embed script
var Script embed.FS
