package basiq

// Hide makes the client treat secret as it treats its key and tokens:
// replaced in every trace (--debug, the request inspector) and error it
// makes from now on. listen gives it its local whsec_ secret, which is never
// sent to Basiq but must never show where a trace does.
func (c *Client) Hide(secret string) {
	if secret == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secrets[secret] = true
}

// Redact is s with the key, every token and every hidden secret the client
// knows replaced: the one redactor for what a face prints from the client's
// calls (listen's lines, its --json, its view).
func (c *Client) Redact(s string) string { return c.redactString(s) }
