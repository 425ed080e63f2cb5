package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"

	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/internal/consentbrowser"
	drslogin "github.com/amazondrs/drs/login"
)

// runner runs the steps in order and keeps what they share.
type runner struct {
	ctx    context.Context
	f      *cmdutil.Factory
	human  io.Writer
	steps  []Step
	device Device

	failure error
	prepare func(*drssim.Server) error

	sim      *drssim.Server
	route    string // the agent's login route (its redirect URL)
	routeSrv *http.Server
	client   *drs.Client
	handler  *drslogin.Handler
	link     string
	linked   chan outcome
	browser  *consentbrowser.Browser
	consent  *consentbrowser.Page
	choices  map[string]string // slot ID -> ASIN chosen on the consent page
	slot     string            // the slot the demo orders for
	orders   []string          // eventInstanceIds of the orders placed
	reported time.Time         // the dates sent in the status reports
}

type outcome struct {
	err error
	tok drs.Token
}

func newRunner(ctx context.Context, f *cmdutil.Factory, human io.Writer) *runner {
	return &runner{ctx: ctx, f: f, human: human, linked: make(chan outcome, 8),
		device: Device{ClientID: drssim.DefaultClientID, DeviceModel: drssim.DefaultModel, Serial: DefaultSerial, TestDevice: true}}
}

// plan is the list of steps.
func (r *runner) plan() []struct {
	name string
	run  func(*Step) error
} {
	return []struct {
		name string
		run  func(*Step) error
	}{
		{"Start the emulator in this process", r.startEmulator},
		{"Serve the agent's login route and start a login for a test device", r.startLogin},
		{"Browser: open the login route, land on the consent page", r.openRoute},
		{"Browser: allow, come back to the route, code exchanged", r.allow},
		{"Replenish slot {slot}", r.replenish(drs.TestOrderPlaced)},
		{"Replenish slot {slot} again while its order is open", r.replenish(drs.OrderInProgress)},
		{"Cancel the test order of slot {slot}", r.cancel},
		{"Replenish slot {slot} after the cancellation", r.replenish(drs.TestOrderPlaced)},
		{"Report the status of slot {slot}", r.slotStatus},
		{"Report device status", r.deviceStatus},
		{"Read subscription info", r.subscription},
		{"Read order info of the open order", r.orderInfo},
		{"Check the emulator's order book", r.orderBook},
	}
}

// run runs the steps until one fails, and returns that one (nil if none).
func (r *runner) run() *Step {
	for i, p := range r.plan() {
		r.steps = append(r.steps, Step{N: i + 1, Name: strings.ReplaceAll(p.name, "{slot}", r.slot), OK: true})
		s := &r.steps[len(r.steps)-1]
		err := p.run(s)
		if err == nil {
			err = r.ctx.Err()
		}
		if err != nil {
			fail(s, err)
			r.failure = err
		}
		printStep(r.human, s)
		if err != nil {
			return s
		}
	}
	return nil
}

func (r *runner) emulatorURL() string {
	if r.sim == nil {
		return ""
	}
	return r.sim.URL()
}

func (r *runner) close() {
	if r.routeSrv != nil {
		r.routeSrv.Close()
	}
	if r.sim != nil {
		r.sim.Close()
	}
}

func (r *runner) logger() *slog.Logger {
	if r.f.Global.Debug {
		return r.f.Logger()
	}
	return slog.New(slog.DiscardHandler)
}

func (r *runner) startEmulator(s *Step) error {
	sim, err := drssim.New(drssim.DefaultConfig(), drssim.WithLogger(r.logger()))
	if err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return err
	}
	r.sim = sim
	s.set("url", sim.URL())
	if r.prepare != nil {
		return r.prepare(sim)
	}
	return nil
}

func (r *runner) startLogin(s *Step) error {
	ln, err := (&net.ListenConfig{}).Listen(r.ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.route = "http://" + ln.Addr().String() + "/callback"
	r.client, err = drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret,
		drs.WithEndpoints(drs.EmulatorEndpoints(r.sim.Addr())), drs.WithLogger(r.f.Logger()), drs.WithDebug(r.f.Global.Debug))
	if err == nil {
		r.handler, err = drslogin.New(drslogin.Config{RedirectURL: r.route})
	}
	if err == nil {
		d := drs.Device{Model: r.device.DeviceModel, Serial: r.device.Serial, TestDevice: true}
		r.link, err = r.handler.Start(r.client, d, func(err error, tok drs.Token) {
			select {
			case r.linked <- outcome{err, tok}:
			default:
			}
		})
	}
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/callback", r.handler)
	r.routeSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.routeSrv.Serve(ln)
	s.set("route", r.route)
	s.set("device", fmt.Sprintf("%s/%s (test device)", r.device.DeviceModel, r.device.Serial))
	return nil
}

func (r *runner) openRoute(s *Step) error {
	r.browser = consentbrowser.New("")
	p, err := r.browser.Get(r.ctx, r.link)
	if err != nil {
		return err
	}
	if len(p.Hops) < 2 {
		return &mismatch{"a redirect to Login with Amazon", fmt.Sprintf("HTTP %d at %s (%q)", p.Status, p.URL.Redacted(), p.Title())}
	}
	authz, err := url.Parse(p.Hops[1])
	if err != nil {
		return err
	}
	q := authz.Query()
	if err := expect("redirect to", r.sim.URL()+"/ap/oa", authz.Scheme+"://"+authz.Host+authz.Path); err != nil {
		return err
	}
	for k, want := range map[string]string{"scope": drs.Scope, "response_type": "code", "redirect_uri": r.route, "client_id": drssim.DefaultClientID} {
		if err := expect(k, want, q.Get(k)); err != nil {
			return err
		}
	}
	if q.Get("state") == "" {
		return &mismatch{"a state parameter", "none"}
	}
	s.set("redirectedTo", authz.Scheme+"://"+authz.Host+authz.Path+" (scope "+q.Get("scope")+", state set)")
	c, err := consentbrowser.ParseConsent(p)
	if err != nil {
		return err
	}
	if err := expect("consent page status", "200", strconv.Itoa(p.Status)); err != nil {
		return err
	}
	r.consent = p
	var slots []string
	for _, sl := range c.Slots {
		slots = append(slots, fmt.Sprintf("%s (%d products)", sl.ID, len(sl.ASINs)))
	}
	s.set("consentPage", p.Title())
	s.set("slotsOffered", strings.Join(slots, ", "))
	return nil
}

func (r *runner) allow(s *Step) error {
	c, err := consentbrowser.ParseConsent(r.consent)
	if err != nil {
		return err
	}
	// The customer picks the last product of the first slot instead of the
	// preselected one, so that the subscription and order checks below show
	// that the choice made on the consent page is the one DRS uses.
	form := c.Values("allow")
	r.slot = c.Slots[0].ID
	form.Set("slot."+r.slot, c.Slots[0].ASINs[len(c.Slots[0].ASINs)-1])
	p, err := r.browser.Post(r.ctx, c.Action, form)
	if err != nil {
		return err
	}
	r.choices = map[string]string{}
	var chosen []string
	for _, sl := range c.Slots {
		r.choices[sl.ID] = form.Get("slot." + sl.ID)
		chosen = append(chosen, sl.ID+"="+r.choices[sl.ID])
	}
	s.set("productsChosen", strings.Join(chosen, ", "))
	if err := expect("landing on", r.route, p.URL.Scheme+"://"+p.URL.Host+p.URL.Path); err != nil {
		return err
	}
	if err := expect("page", "200 Device linked", fmt.Sprintf("%d %s", p.Status, p.Title())); err != nil {
		return err
	}
	s.set("page", p.Title())
	select {
	case o := <-r.linked:
		if o.err != nil {
			return o.err
		}
		if o.tok.RefreshToken == "" || r.client.RefreshToken() == "" {
			return &mismatch{"a refresh token", "none"}
		}
	case <-time.After(5 * time.Second):
		return &mismatch{"the login callback", "no call within 5s"}
	}
	s.set("tokens", "refresh and access token received (not shown)")
	return nil
}

func (r *runner) replenish(want drs.DetailCode) func(*Step) error {
	return func(s *Step) error {
		res, err := r.client.Replenish(r.ctx, r.slot)
		if err != nil {
			return err
		}
		s.set("detailCode", string(res.DetailCode))
		if res.EventInstanceID != "" {
			s.set("eventInstanceId", res.EventInstanceID)
		}
		if err := expect("detailCode", string(want), string(res.DetailCode)); err != nil {
			return err
		}
		if want == drs.OrderInProgress {
			// The emulator names the open order (Amazon may leave it out).
			if res.EventInstanceID == "" || len(r.orders) == 0 {
				return nil
			}
			return expect("eventInstanceId of the open order", r.orders[len(r.orders)-1], res.EventInstanceID)
		}
		if !strings.HasPrefix(res.EventInstanceID, "amzn1.dash.v2.o.") {
			return &mismatch{"an eventInstanceId starting with amzn1.dash.v2.o.", orNothing(res.EventInstanceID)}
		}
		for _, id := range r.orders {
			if id == res.EventInstanceID {
				return &mismatch{"a new eventInstanceId", "the one of the cancelled order"}
			}
		}
		r.orders = append(r.orders, res.EventInstanceID)
		return nil
	}
}

func (r *runner) cancel(s *Step) error {
	res, err := r.client.CancelTestOrder(r.ctx, r.slot)
	if err != nil {
		return err
	}
	got := ""
	for _, st := range res.SlotOrderStatuses {
		s.set(st.SlotID, st.OrderStatus)
		if st.SlotID == r.slot {
			got = st.OrderStatus
		}
	}
	return expect("orderStatus of slot "+r.slot, drs.NoOrderInProgress, got)
}

func (r *runner) slotStatus(s *Step) error {
	now := time.Now().UTC().Truncate(time.Second)
	r.reported = now
	st := drs.SlotStatus{ExpectedReplenishmentDate: now.Add(14 * 24 * time.Hour), RemainingQuantityInUnit: 3.5,
		OriginalQuantityInUnit: 10, TotalQuantityOnHand: 1, LastUseDate: now}
	if err := r.client.ReportSlotStatus(r.ctx, r.slot, st); err != nil {
		return err
	}
	s.set("sent", "remaining 3.5 of 10, 1 on hand, expected replenishment "+cmdutil.TimeText(st.ExpectedReplenishmentDate))
	d, _ := r.sim.Device(r.device.ClientID, r.device.DeviceModel, r.device.Serial)
	got, ok := d.SlotStatuses[r.slot]
	if !ok {
		return &mismatch{"the emulator to hold the report", "no report"}
	}
	return expect("remaining quantity recorded", "3.5", strconv.FormatFloat(got.RemainingQuantityInUnit, 'g', -1, 64))
}

func (r *runner) deviceStatus(s *Step) error {
	if err := r.client.ReportDeviceStatus(r.ctx, drs.DeviceStatus{MostRecentlyActiveDate: r.reported}); err != nil {
		return err
	}
	s.set("mostRecentlyActiveDate", cmdutil.TimeText(r.reported))
	d, _ := r.sim.Device(r.device.ClientID, r.device.DeviceModel, r.device.Serial)
	if d.DeviceStatus == nil {
		return &mismatch{"the emulator to hold the report", "no report"}
	}
	return expect("date recorded", cmdutil.TimeText(r.reported), cmdutil.TimeText(d.DeviceStatus.MostRecentlyActiveDate))
}

func (r *runner) subscription(s *Step) error {
	info, err := r.client.SubscriptionInfo(r.ctx)
	if err != nil {
		return err
	}
	s.set("version", info.Version)
	if err := expect("result version", "2.0", info.Version); err != nil {
		return err
	}
	ids := make([]string, 0, len(r.choices))
	for id := range r.choices {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		sub := info.Slots[id]
		got := "not subscribed"
		if sub.Subscribed && len(sub.Products) > 0 {
			got = sub.Products[0].ASIN
			s.set(id, fmt.Sprintf("subscribed to %s (%d %s)", got, sub.Products[0].Quantity, sub.Products[0].Unit))
		}
		if err := expect("slot "+id+" subscribed to", r.choices[id], got); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) orderInfo(s *Step) error {
	id := r.orders[len(r.orders)-1]
	o, err := r.client.OrderInfo(r.ctx, id)
	if err != nil {
		return err
	}
	s.set("instanceId", o.InstanceID)
	if err := expect("instanceId", id, o.InstanceID); err != nil {
		return err
	}
	if err := expect("number of items", "1", strconv.Itoa(len(o.Items))); err != nil {
		return err
	}
	it := o.Items[0]
	s.set("item", fmt.Sprintf("slot %s: %d x %s, %s, expected delivery %s", it.SlotID, it.Quantity, it.ASIN, it.Status, cmdutil.TimeText(it.ExpectedDeliveryDate)))
	if err := expect("item", r.slot+" "+r.choices[r.slot]+" "+drssim.OrderProcessing, it.SlotID+" "+it.ASIN+" "+it.Status); err != nil {
		return err
	}
	return nil
}

func (r *runner) orderBook(s *Step) error {
	var got []string
	for _, o := range r.sim.Orders() {
		if o.Serial == r.device.Serial {
			if !o.Test {
				o.Status += " (not a test order)"
			}
			got = append(got, o.Status)
		}
	}
	s.set("orders", strings.Join(got, ", "))
	return expect("orders of the device", drssim.OrderCancelled+", "+drssim.OrderProcessing, strings.Join(got, ", "))
}
