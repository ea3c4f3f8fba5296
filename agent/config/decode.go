package config

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// decoded is a layer whose values have been checked and converted to the
// Go types of Config's fields (string, time.Duration, []string, bool).
type decoded struct {
	src    Source
	values map[string]any
}

// decode checks every value of l. Unknown keys in a policy layer are
// warnings, not errors: a fleet runs several agent versions while admins
// deploy policy templates for the newest, and an older agent must not stop
// over a key it does not know yet. Everywhere else they are errors.
func decode(l Layer) (d decoded, errs, warns []error) {
	d = decoded{src: l.Source, values: make(map[string]any, len(l.Values))}
	var probe Config
	for _, key := range sortedKeys(l.Values) {
		raw := l.Values[key]
		_, k, ok := field(&probe, key)
		if !ok {
			err := errorf(l.Source, key, "unknown key%s", suggest(key))
			if l.Source.Kind == KindPolicy {
				warns = append(warns, err)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		v, err := decodeValue(k, raw)
		if err != nil {
			errs = append(errs, &Error{Source: l.Source, Key: key, Err: err})
			continue
		}
		if s, ok := v.(string); ok && key == "CAFile" && s != "" && l.Source.isFile() && !filepath.IsAbs(s) {
			v = filepath.Join(filepath.Dir(l.Source.Path), s)
		}
		d.values[key] = v
	}
	return d, errs, warns
}

// sortedKeys lists the known keys of m in display order, then the unknown
// ones alphabetically, so that errors come out in a stable order.
func sortedKeys(m map[string]any) []string {
	var known, unknown []string
	for _, k := range Keys() {
		if _, ok := m[k]; ok {
			known = append(known, k)
		}
	}
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	return append(known, unknown...)
}

func decodeValue(k kind, raw any) (any, error) {
	switch k {
	case kindString:
		if s, ok := raw.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("%s is not a string", describe(raw))
	case kindDuration:
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf(`%s is not a duration: write it as a string such as "15m"`, describe(raw))
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf(`%q is not a duration: use a Go duration such as "15m", "1h30m" or "500ms"`, s)
		}
		return d, nil
	case kindList:
		return decodeList(raw)
	case kindBool:
		return decodeBool(raw)
	}
	panic("config: no decoder for a value of kind " + k.String())
}

func decodeList(raw any) ([]string, error) {
	switch v := raw.(type) {
	case []string:
		return slices.Clone(v), nil
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element %d is %s, not a string", i+1, describe(e))
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf(`%s is not a list of strings such as ["WalkMe Editor"]`, describe(raw))
}

// decodeBool accepts true/false, and the integers 0 and 1 that a REG_DWORD
// or a plist <integer> carries. JSON numbers (json.Number) are not accepted.
func decodeBool(raw any) (bool, error) {
	var n int64
	switch v := raw.(type) {
	case bool:
		return v, nil
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint32:
		n = int64(v)
	case uint64:
		if v > 1 {
			n = 2
		} else {
			n = int64(v)
		}
	default:
		return false, fmt.Errorf("%s is not true or false", describe(raw))
	}
	if n != 0 && n != 1 {
		return false, fmt.Errorf("%d is not true or false (or 1 or 0)", n)
	}
	return n == 1, nil
}

// describe names a raw value in an error message.
func describe(raw any) string {
	switch v := raw.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case bool:
		return fmt.Sprintf("%t", v)
	case json.Number, float64, float32, int, int32, int64, uint32, uint64:
		return fmt.Sprintf("the number %v", v)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	case []byte:
		return "binary data"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("a %T", raw)
}

// suggest proposes the right spelling of an unknown key, if one is close.
func suggest(key string) string {
	best, bestDist := "", 3
	for _, k := range Keys() {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(" (keys are case-sensitive: did you mean %q?)", k)
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(key)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return fmt.Sprintf(" (known keys: %s)", strings.Join(Keys(), ", "))
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// display renders a field value for Setting.Value.
func display(v any) string {
	switch v := v.(type) {
	case time.Duration:
		return FormatDuration(v)
	case []string:
		return strings.Join(v, ", ")
	case bool:
		return fmt.Sprintf("%t", v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// FormatDuration writes d the way an admin would: "15m", "24h", "1h30m",
// "500ms", rather than time.Duration's "15m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
