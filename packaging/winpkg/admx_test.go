package winpkg

import (
	"encoding/xml"
	"os"
	"slices"
	"testing"
)

// PolicyKeys are the managed-policy keys the ADMX template must offer.
var policyKeys = []string{"ServerURL", "ClientID", "RenewInterval", "PresenceProcesses", "BrowserExtensions",
	"PresencePollInterval", "InactivityTimeout", "KeychainService", "CAFile", "AdminCenterURL", "IdleWarning", "LogLevel"}

func TestADMX(t *testing.T) {
	var admx struct {
		Policies []struct {
			Name         string `xml:"name,attr"`
			Key          string `xml:"key,attr"`
			DisplayName  string `xml:"displayName,attr"`
			Explain      string `xml:"explainText,attr"`
			Presentation string `xml:"presentation,attr"`
			Elements     struct {
				Items []struct {
					XMLName   xml.Name
					ID        string `xml:"id,attr"`
					ValueName string `xml:"valueName,attr"`
				} `xml:",any"`
			} `xml:"elements"`
		} `xml:"policies>policy"`
	}
	var adml struct {
		Strings []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>stringTable>string"`
		Presentations []struct {
			ID string `xml:"id,attr"`
		} `xml:"resources>presentationTable>presentation"`
	}
	for file, v := range map[string]any{"admx/WalkMeAgent.admx": &admx, "admx/en-US/WalkMeAgent.adml": &adml} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	var strs, pres []string
	for _, s := range adml.Strings {
		strs = append(strs, "$(string."+s.ID+")")
	}
	for _, p := range adml.Presentations {
		pres = append(pres, "$(presentation."+p.ID+")")
	}
	var names []string
	for _, p := range admx.Policies {
		names = append(names, p.Name)
		if p.Key != `SOFTWARE\Policies\WalkMe\Agent` {
			t.Errorf("%s writes %s", p.Name, p.Key)
		}
		if len(p.Elements.Items) != 1 || p.Elements.Items[0].ValueName != p.Name {
			t.Errorf("%s: elements %+v, want one writing value %s", p.Name, p.Elements.Items, p.Name)
		}
		for _, ref := range []string{p.DisplayName, p.Explain} {
			if !slices.Contains(strs, ref) {
				t.Errorf("%s: ADML lacks %s", p.Name, ref)
			}
		}
		if !slices.Contains(pres, p.Presentation) {
			t.Errorf("%s: ADML lacks %s", p.Name, p.Presentation)
		}
	}
	for _, k := range policyKeys {
		if !slices.Contains(names, k) {
			t.Errorf("ADMX has no policy %s", k)
		}
	}
	for _, p := range admx.Policies {
		if (p.Name == "PresenceProcesses" || p.Name == "BrowserExtensions") && p.Elements.Items[0].XMLName.Local != "multiText" {
			t.Errorf("%s is a %s, want multiText (REG_MULTI_SZ)", p.Name, p.Elements.Items[0].XMLName.Local)
		}
	}
}
