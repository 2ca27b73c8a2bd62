package simulator

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/basiq-onboard/basiq-onboard/assets"
)

// serverTokenCall is the exported script's call for a server token, with
// curl, a line each: the banner shows the command the script sends.
func serverTokenCall() []string {
	var b bytes.Buffer
	t := template.Must(template.ParseFS(assets.Script, "script/calls.sh.tmpl")) // embedded: a test renders it
	if err := t.ExecuteTemplate(&b, "server-token", "curl -s"); err != nil {
		panic(err)
	}
	return strings.Split(b.String(), "\n")
}
