package sns

// dropTrailingCommas returns b without the commas that stand right before a
// closing brace or bracket (outside strings), a mistake in Amazon's own DRS
// notification samples ("productInfo": [...],\n}). Nothing else changes, so
// a body that was valid JSON means the same after.
func dropTrailingCommas(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
		}
		if c == ',' && nextIsClose(b[i+1:]) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// nextIsClose reports whether the first byte of b after JSON white space
// is '}' or ']'.
func nextIsClose(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '}', ']':
			return true
		}
		return false
	}
	return false
}
