package cmdutil

import (
	"fmt"
)

// OutcomeUnknownError is a replenish that ended without an answer after
// its request may have reached DRS (errors.Is(err, drs.ErrOutcomeUnknown)
// holds): an order may have been placed. The command exits with
// [ExitOutcomeUnknown].
type OutcomeUnknownError struct {
	// SlotID is the slot the order was for.
	SlotID string
	// Device names the device for the commands in the hint, as flags
	// ("--model M --serial S"), or "".
	Device string
	Err    error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("replenish %s: the order may have been placed: %v", e.SlotID, e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Hint says how to check before ordering again.
func (e *OutcomeUnknownError) Hint() string {
	return outcomeUnknownHint(e.SlotID, e.Device)
}

func outcomeUnknownHint(slot, device string) string {
	if slot == "" {
		slot = "SLOT"
	}
	if device != "" {
		device = " " + device
	}
	return fmt.Sprintf(`The request reached DRS (or may have) but its answer was lost, so an order may have been placed.
Check before you order again:
  drs subscription-info%s        the slot's subscription and product
  drs order-info ORDER_ID%s      an order, by the eventInstanceId of its SNS notification
A second 'drs replenish %s' while the order is open answers ORDER_INPROGRESS and places nothing.`, device, device, slot)
}
