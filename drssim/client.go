package drssim

import (
	"errors"

	"github.com/amazondrs/drs"
)

// Client returns a [drs.Client] for the Server's first security profile
// ([DefaultClientID] and [DefaultClientSecret] with the default
// configuration) whose DRS, authorize and token endpoints all point at this
// emulator; opts come after that and may override it. The Server must have
// been started ([Server.Start]).
func (s *Server) Client(opts ...drs.Option) (*drs.Client, error) {
	addr := s.Addr()
	if addr == "" {
		return nil, errors.New("drssim: Client: the server is not started; call Start first")
	}
	p := s.cfg.Profiles[0] // New guarantees at least one
	return drs.New(p.ClientID, p.ClientSecret,
		append([]drs.Option{drs.WithEndpoints(drs.EmulatorEndpoints(addr))}, opts...)...)
}
