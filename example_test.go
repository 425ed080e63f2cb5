package drs_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
	"github.com/amazondrs/drs/store/filestore"
)

// startEmulator starts the local DRS and LWA emulator and links a test
// device, returning its refresh token: what a customer's login would give.
func startEmulator() (*drssim.Server, string) {
	sim, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		log.Fatal(err)
	}
	link, err := sim.LinkDevice(drssim.LinkRequest{DeviceModel: drssim.DefaultModel, Serial: "SN-0001", TestDevice: true})
	if err != nil {
		log.Fatal(err)
	}
	return sim, link.RefreshToken
}

// The seed's setRefreshToken example: give the client a refresh token
// obtained elsewhere. Against Amazon, leave out WithEndpoints.
func ExampleClient_SetRefreshToken() {
	sim, refreshToken := startEmulator()
	defer sim.Close()

	client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret,
		drs.WithEndpoints(drs.EmulatorEndpoints(sim.Addr())))
	if err != nil {
		log.Fatal(err)
	}
	client.SetRefreshToken(refreshToken)
	fmt.Println("refresh token set:", client.RefreshToken() != "")
	// Output: refresh token set: true
}

// The seed's replenish example: order the product of one slot.
func ExampleClient_Replenish() {
	sim, refreshToken := startEmulator()
	defer sim.Close()
	client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, drs.WithEndpoints(drs.EmulatorEndpoints(sim.Addr())))
	if err != nil {
		log.Fatal(err)
	}
	client.SetRefreshToken(refreshToken)

	res, err := client.Replenish(context.Background(), "coffee-beans")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	fmt.Println("An order has been placed:", res.DetailCode)

	_, err = client.Replenish(context.Background(), "no-such-slot")
	fmt.Println("unknown slot:", drs.Code(err), errors.Is(err, drs.ErrSlotNotFound))
	// Output:
	// An order has been placed: TEST_ORDER_PLACED
	// unknown slot: 404 true
}

// The seed's cancelTestOrder example: cancel a test order so the test device
// can order again.
func ExampleClient_CancelTestOrder() {
	sim, refreshToken := startEmulator()
	defer sim.Close()
	client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, drs.WithEndpoints(drs.EmulatorEndpoints(sim.Addr())))
	if err != nil {
		log.Fatal(err)
	}
	client.SetRefreshToken(refreshToken)
	ctx := context.Background()

	first, err := client.Replenish(ctx, "coffee-beans")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	again, err := client.Replenish(ctx, "coffee-beans")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	fmt.Println(first.DetailCode, "then", again.DetailCode)

	res, err := client.CancelTestOrder(ctx, "coffee-beans")
	if err != nil {
		log.Fatalf("Error canceling: code = %d: %v", drs.Code(err), err)
	}
	for _, s := range res.SlotOrderStatuses {
		fmt.Println(s.SlotID, s.OrderStatus)
	}
	after, err := client.Replenish(ctx, "coffee-beans")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	fmt.Println("after cancelling:", after.DetailCode)
	// Output:
	// TEST_ORDER_PLACED then ORDER_INPROGRESS
	// coffee-beans NO_ORDER_IN_PROGRESS
	// after cancelling: TEST_ORDER_PLACED
}

// The seed's persistence example: load the refresh token at start, link the
// device only when there is none, and save the token the moment it arrives,
// so the customer links the device once, not after every restart.
func ExampleWithTokenStore() {
	sim, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	dir, err := os.MkdirTemp("", "drs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tokens, err := filestore.Open(filepath.Join(dir, "tokens.json"))
	if err != nil {
		log.Fatal(err)
	}

	// agentStart is what an agent does every time it starts.
	agentStart := func() *drs.Client {
		client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret,
			drs.WithEndpoints(drs.EmulatorEndpoints(sim.Addr())),
			drs.WithTokenStore(tokens, drssim.DefaultModel, "SN-0002"))
		if err != nil {
			log.Fatal(err)
		}
		if client.RefreshToken() != "" {
			fmt.Println("Refresh Token found!")
			return client
		}
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux) // the agent's public web server
		defer srv.Close()
		lh, err := login.New(login.Config{RedirectURL: srv.URL + "/callback"})
		if err != nil {
			log.Fatal(err)
		}
		mux.Handle("/callback", lh)
		_, err = lh.Login(context.Background(), client, drs.Device{Model: drssim.DefaultModel, Serial: "SN-0002", TestDevice: true},
			func(link string) {
				fmt.Println("Log in please!")
				// Here the customer opens link in a browser; in this
				// example the emulator's scripted browser does it.
				go drssimtest.NewBrowser("").Link(context.Background(), link, "allow")
			})
		if err != nil {
			log.Fatalf("Error authenticating: code = %d: %v", drs.Code(err), err)
		}
		fmt.Println("Successfully authenticated! Refresh Token saved!")
		return client
	}

	first := agentStart()
	res, err := first.Replenish(context.Background(), "water-filter")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	fmt.Println(res.DetailCode)

	restarted := agentStart() // a restart: the token comes from the store
	res, err = restarted.Replenish(context.Background(), "coffee-beans")
	if err != nil {
		log.Fatalf("Error replenishing: code = %d: %v", drs.Code(err), err)
	}
	fmt.Println(res.DetailCode)
	// Output:
	// Log in please!
	// Successfully authenticated! Refresh Token saved!
	// TEST_ORDER_PLACED
	// Refresh Token found!
	// TEST_ORDER_PLACED
}
