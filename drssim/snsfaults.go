package drssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// SNSFault makes the next Count notifications misbehave on their way to
// every subscription; inject it with [Server.InjectSNSFault] or POST
// /_emulator/sns/faults. Confirmations are never faulted.
type SNSFault struct {
	// Duplicate delivers each notification twice, same MessageId.
	Duplicate bool
	// OutOfOrder holds each notification back until the next one for the
	// subscription has been queued, then delivers it after that one.
	OutOfOrder bool
	// Delay waits this long (wall clock) before the first attempt; later
	// notifications may overtake it. In JSON a Go duration string.
	Delay time.Duration
	// Count is how many notifications the fault applies to; 0 means 1.
	Count int
}

type snsFaultJSON struct {
	Duplicate  bool   `json:"duplicate,omitempty"`
	OutOfOrder bool   `json:"out_of_order,omitempty"`
	Delay      string `json:"delay,omitempty"`
	Count      int    `json:"count,omitempty"`
}

// MarshalJSON encodes f with Delay as a Go duration string.
func (f SNSFault) MarshalJSON() ([]byte, error) {
	j := snsFaultJSON{Duplicate: f.Duplicate, OutOfOrder: f.OutOfOrder, Count: f.Count}
	if f.Delay != 0 {
		j.Delay = f.Delay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes f, rejecting unknown fields.
func (f *SNSFault) UnmarshalJSON(data []byte) error {
	var j snsFaultJSON
	if err := decodeStrict(bytes.NewReader(data), &j); err != nil {
		return err
	}
	d, err := durationField("delay", j.Delay, "2s")
	if err != nil {
		return err
	}
	*f = SNSFault{Duplicate: j.Duplicate, OutOfOrder: j.OutOfOrder, Delay: d, Count: j.Count}
	return nil
}

// normalize validates f and fills Count.
func (f SNSFault) normalize() (SNSFault, error) {
	n := 0
	for _, on := range []bool{f.Duplicate, f.OutOfOrder, f.Delay != 0} {
		if on {
			n++
		}
	}
	switch {
	case n != 1:
		return f, fmt.Errorf("set exactly one of duplicate, out_of_order and delay")
	case f.Delay < 0 || f.Delay > maxSNSRetryDelay:
		return f, fmt.Errorf("delay: %s is not between 0 and %s", f.Delay, maxSNSRetryDelay)
	case f.Count < 0 || f.Count > 1_000_000:
		return f, fmt.Errorf("count: %d is not between 0 and 1000000", f.Count)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	return f, nil
}

func (f SNSFault) describe() string {
	switch {
	case f.Duplicate:
		return "duplicate"
	case f.OutOfOrder:
		return "out_of_order"
	}
	return "delay " + f.Delay.String()
}

// takeFault returns the fault due for the next notification; the caller
// holds mu.
func (h *snsHub) takeFault() (SNSFault, bool) {
	if len(h.faults) == 0 {
		return SNSFault{}, false
	}
	f := h.faults[0]
	if h.faults[0].Count--; h.faults[0].Count <= 0 {
		h.faults = h.faults[1:]
	}
	return f, true
}

// InjectSNSFault queues f for the next notifications; faults apply in the
// order injected.
func (s *Server) InjectSNSFault(f SNSFault) error {
	f, err := f.normalize()
	if err != nil {
		return fmt.Errorf("drssim: SNS fault: %w", err)
	}
	s.sns.mu.Lock()
	s.sns.faults = append(s.sns.faults, f)
	s.sns.mu.Unlock()
	return nil
}

// SNSFaults returns the SNS faults still queued, with the counts left.
func (s *Server) SNSFaults() []SNSFault {
	s.sns.mu.Lock()
	defer s.sns.mu.Unlock()
	return append([]SNSFault{}, s.sns.faults...)
}

// ClearSNSFaults drops every queued SNS fault and returns how many there
// were.
func (s *Server) ClearSNSFaults() int {
	s.sns.mu.Lock()
	defer s.sns.mu.Unlock()
	n := len(s.sns.faults)
	s.sns.faults = nil
	return n
}
