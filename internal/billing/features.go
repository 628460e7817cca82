package billing

import "strings"

// FeatureLabels are a product's display names of its features, by BCP 47
// locale and then feature key.
type FeatureLabels map[string]map[string]string

// FeatureLabel is what a customer reading locale calls the product's
// feature key: the label for that exact locale ("es-CL"), else for its
// language ("es"), else for another region of its language ("es-MX"
// chosen by name order, so the choice is stable), else the key itself —
// a merchant that labels nothing shows its keys, as before.
func (p Product) FeatureLabel(locale, key string) string {
	if l := p.FeatureLabels[locale][key]; l != "" {
		return l
	}
	lang, _, _ := strings.Cut(locale, "-")
	if l := p.FeatureLabels[lang][key]; l != "" {
		return l
	}
	best, found := "", ""
	for loc, labels := range p.FeatureLabels {
		if l := labels[key]; l != "" && strings.HasPrefix(loc, lang+"-") && (found == "" || loc < found) {
			best, found = l, loc
		}
	}
	if best != "" {
		return best
	}
	return key
}

// Prune drops the labels of features the product does not have (after its
// features were replaced) and locales left with no label.
func (l FeatureLabels) Prune(features map[string]int64) FeatureLabels {
	out := FeatureLabels{}
	for loc, labels := range l {
		kept := map[string]string{}
		for k, v := range labels {
			if _, ok := features[k]; ok {
				kept[k] = v
			}
		}
		if len(kept) > 0 {
			out[loc] = kept
		}
	}
	return out
}
