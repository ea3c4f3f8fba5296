package presence

import "testing"

func TestMatching(t *testing.T) {
	for _, tc := range []struct {
		target, proc string
		want         bool
	}{
		{"walkme-editor", "walkme-editor", true},
		{"WalkMe Editor", "walkme editor", true},
		{"WalkMeEditor.exe", "WalkMeEditor", true},
		{"walkme-editor", "WALKME-EDITOR.EXE", true},
		{"WalkMe Insights", "WalkMe Insights.app", true},
		{"walkme-editor", "walkme-editor2", false},
		{"walkme-editor", "walkme", false},
		{"exe", "exe", true},
	} {
		tg := NewScanner([]string{tc.target}).targets[0]
		if got := tg.matches([]byte(tc.proc)); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.target, tc.proc, got, tc.want)
		}
	}
}

func TestMayBeTruncated(t *testing.T) {
	for _, tc := range []struct {
		target, comm string
		want         bool
	}{
		{"walkme-analytics-app", "walkme-analytic", true},
		{"WalkMe-Analytics-App", "walkme-analytic", true},
		{"walkme-analytics-xyz", "walkme-analytic", true}, // only the full name can tell
		{"walkme-insights-app", "walkme-analytic", false},
		{"walkme-analytic", "walkme-analytic", true},
		{"walkme-analyti", "walkme-analyti.", true}, // "walkme-analyti.exe" cut off
		{"walkme-analyti", "walkme-analytix", false},
		{"walkme-editor", "walkme-editor.e", true},
		{"walkme-editor", "walkme-editor.x", false},
		{"walkme", "walkme-analytic", false},
	} {
		tg := NewScanner([]string{tc.target}).targets[0]
		if got := tg.mayBe([]byte(tc.comm)); got != tc.want {
			t.Errorf("%q may be %q = %v, want %v", tc.target, tc.comm, got, tc.want)
		}
	}
}

func TestNewScannerDedupes(t *testing.T) {
	s := NewScanner([]string{"a", " a ", "", "b"})
	if len(s.targets) != 2 {
		t.Fatalf("targets = %v, want a and b", s.targets)
	}
	if open, err := NewScanner(nil).Scan(); err != nil || open != nil {
		t.Fatalf("empty scanner Scan = %v, %v", open, err)
	}
}
