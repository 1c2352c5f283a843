package controller

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// specFields lists the json names of a spec struct's fields.
func specFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// TestEveryDeclaredFieldIsCompared fails when a field of a kind's spec has
// neither a line in the kind's field table nor a stated reason not to be
// compared: a declared field that is never compared would be silently
// ignored.
func TestEveryDeclaredFieldIsCompared(t *testing.T) {
	tests := []struct {
		kind      string
		spec      reflect.Type
		compared  []string
		unmanaged map[string]string
	}{
		{v1alpha1.KindReceiveConnector, reflect.TypeFor[v1alpha1.ReceiveConnectorSpec](), receiveFields.names(), receiveUnmanaged},
		{v1alpha1.KindSendConnector, reflect.TypeFor[v1alpha1.SendConnectorSpec](), sendFields.names(), sendUnmanaged},
		{v1alpha1.KindTransportConfig, reflect.TypeFor[v1alpha1.TransportConfigSpec](), transportFields.names(), transportUnmanaged},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			for _, f := range specFields(tt.spec) {
				_, skip := tt.unmanaged[f]
				if !skip && !slices.Contains(tt.compared, f) {
					t.Errorf("%s.spec.%s is declared but never compared: add a line to its field table (or a reason to the unmanaged list)", tt.kind, f)
				}
				if skip && slices.Contains(tt.compared, f) {
					t.Errorf("%s.spec.%s is both compared and listed as unmanaged", tt.kind, f)
				}
			}
			for _, f := range tt.compared {
				if !slices.Contains(specFields(tt.spec), f) {
					t.Errorf("%s field table compares %q, which the spec does not declare", tt.kind, f)
				}
			}
		})
	}
}

// TestEveryComparedFieldReachesTheSpec fails when a field table line
// compares a field but does not copy it into the exchange spec: every
// pointer or slice of the spec must be set when every field is declared.
func TestEveryComparedFieldReachesTheSpec(t *testing.T) {
	check := func(t *testing.T, spec any, exempt ...string) {
		v := reflect.ValueOf(spec)
		for i := range v.NumField() {
			f := v.Field(i)
			name := v.Type().Field(i).Name
			if slices.Contains(exempt, name) {
				continue
			}
			if (f.Kind() == reflect.Pointer || f.Kind() == reflect.Slice) && f.IsNil() {
				t.Errorf("%s.%s stays unset with every field declared: declare it in the test fixture, and check that its field table line sets it", v.Type().Name(), name)
			}
		}
	}
	t.Run("ReceiveConnector", func(t *testing.T) {
		check(t, receiveFields.all(&receiveFixture().Spec))
	})
	t.Run("SendConnector", func(t *testing.T) {
		sc := sendFixture()
		check(t, sendFields.all(&sendDecl{SendConnectorSpec: &sc.Spec, cred: &exchange.CredentialSpec{Username: "relay"}}))
	})
	t.Run("TransportConfig", func(t *testing.T) {
		d := &v1alpha1.TransportConfigSpec{TLSSendDomainSecureList: []string{"a.com"}, TLSReceiveDomainSecureList: []string{"b.com"}}
		_, c := transportFields.diff(d, &exchange.ObservedTransportConfig{})
		if c.TLSSendDomainSecureList.Empty() || c.TLSReceiveDomainSecureList.Empty() {
			t.Errorf("a declared list does not reach the change: %+v", c)
		}
	})
}
