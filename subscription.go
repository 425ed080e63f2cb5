package drs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ProductInfo is a product subscribed in a slot.
type ProductInfo struct {
	// ASIN is Amazon's product number.
	ASIN string `json:"asin"`
	// Quantity is how many units of Unit one order holds.
	Quantity int `json:"quantity"`
	// Unit is the unit of Quantity, e.g. "count".
	Unit string `json:"unit"`
}

// SlotSubscription is one slot's subscription. Products is filled only by
// result version 2.0.
type SlotSubscription struct {
	// Subscribed says whether the customer chose a product for the slot.
	Subscribed bool
	// Products lists the products chosen (result version 2.0 only).
	Products []ProductInfo
}

// SubscriptionInfo says which slots the customer subscribed, whichever
// result version DRS answered with.
type SubscriptionInfo struct {
	// Version is the result schema version, "1.0" or "2.0": the one DRS
	// names in its x-amzn-type-version header, or else the one asked for.
	Version string
	// Slots maps slot IDs to their subscription.
	Slots map[string]SlotSubscription
	// Response is the raw answer, for fields Amazon may add.
	Response *Response
}

// SlotIDs returns the slot IDs in sorted order.
func (s *SubscriptionInfo) SlotIDs() []string {
	ids := make([]string, 0, len(s.Slots))
	for id := range s.Slots {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// UnmarshalJSON reads either result version: 1.0 maps slots to booleans,
// 2.0 to {"subscribed", "productInfoList"} objects.
func (s *SubscriptionInfo) UnmarshalJSON(b []byte) error {
	var raw struct {
		Slots map[string]json.RawMessage `json:"slotsSubscriptionStatus"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw.Slots == nil {
		return errMissing("slotsSubscriptionStatus")
	}
	s.Slots = make(map[string]SlotSubscription, len(raw.Slots))
	for id, v := range raw.Slots {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && (v[0] == 't' || v[0] == 'f') {
			var sub bool
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("slot %q: %w", id, err)
			}
			s.Slots[id] = SlotSubscription{Subscribed: sub}
			continue
		}
		var v2 struct {
			Subscribed *bool         `json:"subscribed"`
			Products   []ProductInfo `json:"productInfoList"`
		}
		if err := json.Unmarshal(v, &v2); err != nil {
			return fmt.Errorf("slot %q: %w", id, err)
		}
		if v2.Subscribed == nil {
			return fmt.Errorf("slot %q: %w", id, errMissing("subscribed"))
		}
		s.Slots[id] = SlotSubscription{Subscribed: *v2.Subscribed, Products: v2.Products}
	}
	return nil
}

// SubscriptionInfo returns which slots the customer subscribed and to which
// products (result version 2.0).
//
// Amazon: https://developer.amazon.com/docs/dash/getsubscriptioninfo-endpoint.html
func (c *Client) SubscriptionInfo(ctx context.Context) (*SubscriptionInfo, error) {
	return c.subscriptionInfo(ctx, opSubscriptionInfoV2, "2.0")
}

// SubscriptionInfoV1 returns which slots the customer subscribed, asking
// for result version 1.0 (no products).
func (c *Client) SubscriptionInfoV1(ctx context.Context) (*SubscriptionInfo, error) {
	return c.subscriptionInfo(ctx, opSubscriptionInfoV1, "1.0")
}

func (c *Client) subscriptionInfo(ctx context.Context, op operation, version string) (*SubscriptionInfo, error) {
	var res SubscriptionInfo
	resp, err := c.call(ctx, op, "/subscriptionInfo", nil, &res)
	if err != nil {
		return nil, err
	}
	res.Version, res.Response = version, resp
	if v, ok := strings.CutPrefix(resp.TypeVersion, typePrefix+"DrsSubscriptionInfoResult@"); ok && (v == "1.0" || v == "2.0") {
		res.Version = v
	}
	return &res, nil
}
