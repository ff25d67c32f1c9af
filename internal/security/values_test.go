package security

import (
	"maps"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
)

func TestValues(t *testing.T) {
	var zero Values
	if v, ok := zero.Get("Description"); ok || v != nil || zero.Len() != 0 || len(zero.Map()) != 0 {
		t.Errorf("zero Values: Get %v %v, Len %d, Map %v", v, ok, zero.Len(), zero.Map())
	}

	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	er := New(app, nil).set(System()).entities[app.Entity("Expenses.Expense")]
	v := Values{er: er, vals: make([]any, len(er.members)), has: newBits(len(er.members))}
	i := er.index["Description"]
	v.vals[i] = "travel"
	v.has.set(i)
	// A value stored at a position that is not present stays hidden.
	v.vals[er.index["createdDate"]] = int64(5)
	if got, ok := v.Get("Description"); !ok || got != "travel" {
		t.Errorf("Get(Description) = %v, %v", got, ok)
	}
	if got, ok := v.Get("createdDate"); ok || got != nil {
		t.Errorf("Get(createdDate) = %v, %v; want absent", got, ok)
	}
	if got, ok := v.Get("NoSuchMember"); ok || got != nil {
		t.Errorf("Get(NoSuchMember) = %v, %v", got, ok)
	}
	if v.Value("Description") != "travel" || v.Len() != 1 || !maps.Equal(v.Map(), map[string]any{"Description": "travel"}) {
		t.Errorf("Value %v, Len %d, Map %v", v.Value("Description"), v.Len(), v.Map())
	}
}
