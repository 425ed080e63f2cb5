package drs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/amazondrs/drs/store"
)

// storeTimeout bounds one load or save of the token store.
const storeTimeout = 15 * time.Second

// WithTokenStore keeps the device's refresh token in ts, the seed's "save
// the refresh token and restore it after every restart" built in: [New]
// loads the token saved for (client ID, model, serial), and every new
// refresh token is saved the moment it arrives (a deregistration deletes
// it). New fails if the store cannot be read; a token that is not there yet
// is not an error. A failed save makes [Client.Exchange] (and so a login)
// fail with code 1010; after a refresh it is logged at level Error, since
// the token in memory still works.
func WithTokenStore(ts store.TokenStore, model, serial string) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("drs: WithTokenStore: nil store")
		}
		if model == "" || serial == "" {
			return errors.New("drs: WithTokenStore: device model and serial are required")
		}
		o.store, o.storeModel, o.storeSerial = ts, model, serial
		return nil
	}
}

// bindStore loads the saved token into c and saves changes from now on.
func (c *Client) bindStore(o *options) error {
	key := store.Key{ClientID: c.oauth.ClientID, DeviceModel: o.storeModel, Serial: o.storeSerial}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rt, err := o.store.Load(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return fmt.Errorf("loading the refresh token of %s: %w", key, err)
	default:
		c.SetRefreshToken(rt)
	}
	user := c.onChange
	c.onChange = func(t Token) error {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		var err error
		if t.RefreshToken == "" {
			err = o.store.Delete(ctx, key)
		} else {
			err = o.store.Save(ctx, key, t.RefreshToken)
		}
		if user != nil {
			err = errors.Join(err, user(t))
		}
		if err != nil {
			c.logger.LogAttrs(ctx, slog.LevelError, "drs: saving the refresh token failed", slog.String("key", key.String()), slog.String("error", redactString(err.Error(), c.secrets(t.RefreshToken, t.AccessToken))))
		}
		return err
	}
	return nil
}
