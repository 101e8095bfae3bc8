package simulator

import (
	"fmt"
	"strings"
)

// SetBehaviour makes the simulator play msisdn (12 digits, 2547… or 2541…)
// as b, overriding the built-in test-number table, for every push accepted
// from now on. Values left zero take their defaults (see [Behaviour]).
func (s *Simulator) SetBehaviour(msisdn string, b Behaviour) error {
	if !isMSISDN(msisdn) {
		return fmt.Errorf("msisdn %q is not a 12-digit 2547…/2541… number", msisdn)
	}
	if err := b.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Cloned: mounted in the gateway, the path the msisdn came from lives
	// in a buffer fasthttp reuses for the next request.
	s.behaviours[strings.Clone(msisdn)] = b.withDefaults(s.cfg)
	return nil
}

// ClearBehaviour removes the behaviour set for msisdn, so the built-in table
// applies again, and reports whether there was one.
func (s *Simulator) ClearBehaviour(msisdn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.behaviours[msisdn]
	delete(s.behaviours, msisdn)
	return ok
}

// Behaviour returns how msisdn is played, with every default filled in:
// the behaviour set for it, its built-in one, or success after Config.Delay.
func (s *Simulator) Behaviour(msisdn string) Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _, _ := s.behaviourLocked(msisdn)
	return b
}

// Behaviours returns the behaviours set through SetBehaviour or the control
// API, by number.
func (s *Simulator) Behaviours() map[string]Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Behaviour, len(s.behaviours))
	for phone, b := range s.behaviours {
		out[phone] = b.clone()
	}
	return out
}
