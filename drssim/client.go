package drssim

import (
	"errors"

	"github.com/amazondrs/drs"
)

// Client returns a [drs.Client] for the default security profile
// ([DefaultClientID], [DefaultClientSecret]) whose DRS, authorize and token
// endpoints all point at this emulator; opts come after that and may
// override it. The Server must have been started ([Server.Start]).
func (s *Server) Client(opts ...drs.Option) (*drs.Client, error) {
	addr := s.Addr()
	if addr == "" {
		return nil, errors.New("drssim: Client: the server is not started; call Start first")
	}
	return drs.New(DefaultClientID, DefaultClientSecret,
		append([]drs.Option{drs.WithEndpoints(drs.EmulatorEndpoints(addr))}, opts...)...)
}
