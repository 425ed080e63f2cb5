package login_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

// A Go agent re-creating the seed's login(): mount the handler, start a
// login, send the customer to the URL Start returns, wait for the outcome.
func ExampleHandler_Start() {
	sim, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, drs.WithEndpoints(drs.EmulatorEndpoints(sim.Addr())))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// The redirect URL must be an Allowed Return URL of the security profile;
	// the emulator allows /callback on any loopback port.
	h, err := login.New(login.Config{RedirectURL: srv.URL + "/callback"})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/callback", h)

	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-0003", TestDevice: true}
	link, err := h.Start(client, dev, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = h.Start(client, dev, nil)
	fmt.Println("second login:", drs.Code(err))

	// The customer opens link in a browser; here a scripted one does.
	page, err := drssimtest.NewBrowser("").Link(context.Background(), link, "allow")
	if err != nil {
		log.Fatal(err)
	}
	tok, err := h.Wait(context.Background(), client)
	fmt.Println(page.Status, "linked:", err == nil && tok.RefreshToken == client.RefreshToken())
	// Output:
	// second login: 1001
	// 200 linked: true
}
