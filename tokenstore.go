package drs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/amazondrs/drs/store"
)

// storeTimeout bounds one load or save of the token store.
const storeTimeout = 15 * time.Second

// WithTokenStore keeps the device's refresh token in ts, the seed's "save
// the refresh token and restore it after every restart" built in: [New]
// loads the token saved for (client ID, model, serial), and every new
// refresh token is saved the moment it arrives (a deregistration deletes
// it). New fails if the store cannot be read, or holds an encrypted value
// ("enc:v1:...") because it was opened without its key; a token that is not
// there yet is not an error.
//
// A failed save is never silent. After a code exchange it makes
// [Client.Exchange] return the token with an error matching
// [ErrTokenNotSaved] (code 1010): the device is linked and the Client keeps
// the token, and [Client.SaveToken] tries the save again (the login
// package retries with backoff). After a refresh, whose new token still works
// in memory, it goes to the [OnSaveError] function if one is given, else to
// the [WithLogger] logger at level Error, else to stderr.
func WithTokenStore(ts store.TokenStore, model, serial string, opts ...StoreOption) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("drs: WithTokenStore: nil store")
		}
		if model == "" || serial == "" {
			return errors.New("drs: WithTokenStore: device model and serial are required")
		}
		o.store, o.storeModel, o.storeSerial = ts, model, serial
		for _, opt := range opts {
			if opt != nil {
				opt(&o.storeOpts)
			}
		}
		return nil
	}
}

// StoreOption configures [WithTokenStore].
type StoreOption func(*storeOptions)

type storeOptions struct {
	onSaveError func(error)
}

// OnSaveError makes fn receive every failed save or delete of the token
// store, synchronously, instead of the logger. The error names the record
// and holds no token.
func OnSaveError(fn func(error)) StoreOption {
	return func(o *storeOptions) { o.onSaveError = fn }
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
	case strings.HasPrefix(rt, store.EncryptedPrefix):
		return fmt.Errorf("loading the refresh token of %s: %w", key, errEncryptedToken)
	default:
		c.SetRefreshToken(rt)
	}
	user := c.onChange
	onErr := o.storeOpts.onSaveError
	c.onChange = func(t Token) error {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		var err error
		if t.RefreshToken == "" {
			err = o.store.Delete(ctx, key)
		} else {
			err = o.store.Save(ctx, key, t.RefreshToken)
		}
		if err != nil {
			err = &Error{Code: CodeGeneral, Op: "SaveToken", Message: "saving the refresh token of " + key.String() + " failed", Err: err}
			err = c.scrub(err.(*Error), t.RefreshToken, t.AccessToken)
			c.reportSaveError(ctx, onErr, err)
		}
		if user != nil {
			err = errors.Join(err, user(t))
		}
		return err
	}
	return nil
}

// reportSaveError hands a failed save to onErr, else to the logger, else to
// stderr: a token that is not saved is lost at the next restart, so this is
// never silent.
func (c *Client) reportSaveError(ctx context.Context, onErr func(error), err error) {
	if onErr != nil {
		onErr(err)
		return
	}
	l := c.warnLog()
	if l == nil {
		l = stderrLogger
	}
	l.LogAttrs(ctx, slog.LevelError, "drs: saving the refresh token failed", slog.String("error", err.Error()))
}

// SaveToken hands the Client's current token to the token-change hook
// again ([WithTokenStore] saves it, [WithTokenChange] sees it) and returns
// the hook's error: the way to retry a save that failed. It returns nil
// when there is no hook, or when another goroutine is delivering a change
// at that moment (that delivery reports its own outcome).
func (c *Client) SaveToken() error { return c.notify(c.Token()) }
