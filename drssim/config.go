package drssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultClientID is the LWA client ID of the security profile in
// [DefaultConfig].
const DefaultClientID = "amzn1.application-oa2-client.drssim00000000000000000000000000"

// DefaultClientSecret is the client secret of the security profile in
// [DefaultConfig].
const DefaultClientSecret = "drssim-client-secret-not-for-production"

// DefaultModel is the live device model of [DefaultConfig].
const DefaultModel = "CoffeeMaker01"

// DefaultNonLiveModel is the non-live (pre-certification) device model of
// [DefaultConfig]; linking it needs should_include_non_live.
const DefaultNonLiveModel = "CoffeeMaker02-beta"

// DefaultCustomerName is the name the consent page greets when
// [Config.CustomerName] is empty.
const DefaultCustomerName = "Test Customer"

// Product is one product a customer can choose for a slot.
type Product struct {
	// ASIN is Amazon's product identifier, for example "B00DRSSIM1".
	ASIN string `json:"asin"`
	// Quantity is how much of Unit one order of the product delivers.
	Quantity int `json:"quantity"`
	// Unit is the unit of Quantity, for example "count" or "ounce".
	Unit string `json:"unit"`
	// Title is the product name shown on the consent page; optional.
	Title string `json:"title,omitempty"`
}

// Slot is one consumable slot of a device model.
type Slot struct {
	// ID is the slot ID used in DRS paths such as /replenish/{slotId}.
	ID string `json:"id"`
	// Products are the products offered for the slot; the first is the
	// default choice.
	Products []Product `json:"products"`
}

// DeviceModel is a DRS device model as registered in the DRS portal.
type DeviceModel struct {
	// ID is the model ID sent as device_model in scope_data.
	ID string `json:"id"`
	// Live is false for a model that has not passed certification; such a
	// model can only be linked with should_include_non_live.
	Live bool `json:"live"`
	// Slots are the model's slots, in the order the emulator reports them.
	Slots []Slot `json:"slots"`
}

// SecurityProfile is an LWA security profile: the OAuth2 client credentials
// of a device maker and the redirect URIs LWA accepts for it.
type SecurityProfile struct {
	// ClientID is the LWA client ID.
	ClientID string `json:"client_id"`
	// ClientSecret is the LWA client secret.
	ClientSecret string `json:"client_secret"`
	// AllowedReturnURLs are the redirect URIs accepted by /ap/oa, compared
	// as whole strings.
	AllowedReturnURLs []string `json:"allowed_return_urls"`
	// AllowLoopbackAnyPort makes a plain-HTTP loopback redirect URI match an
	// allowed loopback URL that differs only in its port (RFC 8252 §7.3).
	AllowLoopbackAnyPort bool `json:"allow_loopback_any_port"`
}

// Config is everything the emulator serves that Amazon would hold: security
// profiles, device models and the signed-in customer. [New] fills an empty
// Profiles, Models or CustomerName from [DefaultConfig].
type Config struct {
	// Profiles are the LWA security profiles.
	Profiles []SecurityProfile `json:"profiles"`
	// Models are the DRS device models.
	Models []DeviceModel `json:"models"`
	// CustomerName is the customer the consent page shows as signed in.
	CustomerName string `json:"customer_name"`
	// SNS configures SNS notifications: region, account, retries, signing
	// key; the zero value means the defaults.
	SNS SNSConfig `json:"sns"`
}

// DefaultConfig returns the configuration the emulator uses when given none:
// one security profile ([DefaultClientID], [DefaultClientSecret], loopback
// return URLs on port 8182 and any other loopback port), the live model
// [DefaultModel] and the non-live model [DefaultNonLiveModel], each with two
// slots of two products.
func DefaultConfig() Config {
	return Config{
		Profiles: []SecurityProfile{{
			ClientID:     DefaultClientID,
			ClientSecret: DefaultClientSecret,
			AllowedReturnURLs: []string{
				"http://127.0.0.1:8182/callback",
				"http://localhost:8182/callback",
			},
			AllowLoopbackAnyPort: true,
		}},
		Models: []DeviceModel{
			{ID: DefaultModel, Live: true, Slots: []Slot{
				{ID: "coffee-beans", Products: []Product{
					{ASIN: "B00DRSSIM1", Quantity: 12, Unit: "ounce", Title: "Arabica Whole Bean Coffee, Medium Roast"},
					{ASIN: "B00DRSSIM2", Quantity: 32, Unit: "ounce", Title: "Colombian Ground Coffee, Dark Roast"},
				}},
				{ID: "water-filter", Products: []Product{
					{ASIN: "B00DRSSIM3", Quantity: 2, Unit: "count", Title: "Charcoal Water Filter, 2-Pack"},
					{ASIN: "B00DRSSIM4", Quantity: 6, Unit: "count", Title: "Charcoal Water Filter, 6-Pack"},
				}},
			}},
			{ID: DefaultNonLiveModel, Live: false, Slots: []Slot{
				{ID: "coffee-pods", Products: []Product{
					{ASIN: "B00DRSSIM5", Quantity: 24, Unit: "count", Title: "Espresso Pods, Intenso"},
					{ASIN: "B00DRSSIM6", Quantity: 48, Unit: "count", Title: "Espresso Pods, Decaf"},
				}},
				{ID: "descaler", Products: []Product{
					{ASIN: "B00DRSSIM7", Quantity: 16, Unit: "fluid ounce", Title: "Descaling Solution"},
					{ASIN: "B00DRSSIM8", Quantity: 4, Unit: "count", Title: "Descaling Tablets"},
				}},
			}},
		},
		CustomerName: DefaultCustomerName,
	}
}

// LoadConfig reads a JSON [Config] from the file at path. Unknown fields are
// rejected; missing profiles, models or customer name are taken from
// [DefaultConfig]; the result is validated and errors name the bad field,
// for example "models[0].slots[1].products[0].quantity".
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("drssim: load config: %w", err)
	}
	var cfg Config
	if err := decodeStrict(bytes.NewReader(data), &cfg); err != nil {
		return Config{}, fmt.Errorf("drssim: config %s: %w", path, err)
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("drssim: config %s: %w", path, err)
	}
	return cfg, nil
}

// withDefaults fills empty sections from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if len(c.Profiles) == 0 {
		c.Profiles = d.Profiles
	}
	if len(c.Models) == 0 {
		c.Models = d.Models
	}
	if c.CustomerName == "" {
		c.CustomerName = d.CustomerName
	}
	return c
}

// clone returns a deep copy, so the caller's later changes cannot reach a
// running Server.
func (c Config) clone() Config {
	out := Config{CustomerName: c.CustomerName, SNS: c.SNS}
	for _, p := range c.Profiles {
		p.AllowedReturnURLs = append([]string(nil), p.AllowedReturnURLs...)
		out.Profiles = append(out.Profiles, p)
	}
	for _, m := range c.Models {
		slots := make([]Slot, 0, len(m.Slots))
		for _, s := range m.Slots {
			slots = append(slots, Slot{ID: s.ID, Products: append([]Product(nil), s.Products...)})
		}
		m.Slots = slots
		out.Models = append(out.Models, m)
	}
	return out
}

// decodeStrict decodes exactly one JSON value from r into v, rejecting
// unknown fields and trailing data, with errors that say where it went wrong.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if dec.More() {
		return errors.New("invalid JSON: unexpected data after the top-level value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: unexpected data after the top-level value")
	}
	return nil
}

// describeJSONError turns encoding/json errors into messages naming the
// field or offset at fault.
func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Errorf("field %q: cannot use JSON %s as %s", typeErr.Field, typeErr.Value, typeErr.Type)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid JSON at offset %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.EOF):
		return errors.New("invalid JSON: empty document")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of document")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// durationField parses the optional JSON field name, a Go duration string
// such as example ("" is 0).
func durationField(name, v, example string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("field %q: %q is not a Go duration such as %q", name, v, example)
	}
	return d, nil
}
