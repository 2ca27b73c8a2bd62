// Package assets holds the files the program embeds: the simulator's
// consent page (templates and CSS) and its sandbox personas.
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
