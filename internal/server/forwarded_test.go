package server

import "testing"

func TestForwardedAddr(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4": "1.2.3.4", "1.2.3.4:5555": "1.2.3.4", "[2001:db8::1]:443": "2001:db8::1", "2001:db8::1": "2001:db8::1",
	} {
		a, err := forwardedAddr(in)
		if err != nil || a.String() != want {
			t.Errorf("forwardedAddr(%q) = %v, %v; want %s", in, a, err, want)
		}
	}
	if _, err := forwardedAddr("not an address"); err == nil {
		t.Errorf("a malformed entry is accepted")
	}
}
