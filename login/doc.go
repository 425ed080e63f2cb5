// Package login links a device to a customer's Amazon account with Login
// with Amazon (LWA): the seed's login() as an http.Handler, built only on
// the exported API of package drs.
//
// # Links and attempts
//
// A link is the capability to start linking one device: an unguessable ID
// (32 random bytes) that whoever holds it opens in a browser. Its first 12
// characters name it; the whole ID is checked against its SHA-256 in
// constant time, and only the hash is kept. There are two kinds:
//
//   - [Handler.Start] makes an in-process link for a Client that waits in
//     this process (drs login, a single agent): the seed's lifecycle, one
//     login per Client and device (code 1001 while it runs), ending with
//     its return trip. [Handler.Wait] and [Handler.Login] block until it
//     ends.
//   - [Handler.NewLink] makes a store-backed link, kept in a [LinkStore] so
//     that any instance sharing the store serves it (drs serve). It does
//     not expire: it is valid until the device is linked through it (then
//     it answers "already linked; ask for a new link") or until NewLink is
//     called again for the device (rotation: the old ID stops working).
//     A link links its device once: before exchanging a code, the return
//     trip claims the link ([LinkStore.UseLink], atomic across instances)
//     and is refused with 410 if the link was used meanwhile or replaced.
//     So rotation also ends the attempts already started from the old ID,
//     even those whose customer is at Amazon. A claim whose exchange fails
//     (or whose token cannot be saved) is released.
//
// Each GET of a link is an attempt: a fresh state, signed and stored in the
// [store.StateStore] with the attempt's PKCE verifier (S256, on every
// authorization), living Config.StateTTL. The state is used once; a visit
// never evicts another attempt's state, so reloading a link cannot disturb
// a customer who is at Amazon.
//
// # Browser binding, limits, saving
//
// Each attempt's state is bound to the browser that started it by a cookie
// (see cookie.go for the attributes and for browsers that refuse cookies);
// [Handler.Complete] is the one way to finish without it. [Limits] cap the
// attempts started, never the return trips. A token that Amazon issued but
// that could not be saved is retried for Config.SaveRetry and otherwise
// reported with drs.ErrTokenNotSaved, the token kept, and logged through
// Config.Logger (the device key and the error, never the token), since
// the customer's page says the operator has been told.
//
// # Routes
//
// [Handler.StartHandler] serves links (mount it at "GET /link/{id}", or
// pass ?link=ID), [Handler.CallbackHandler] the return trip at
// Config.RedirectURL, and the Handler itself both on one route (the seed's
// layout: ?link=ID starts, the return trip carries state and code). Only GET
// starts an attempt or exchanges a code; HEAD and every other method answer
// 405 and change nothing.
//
// # Several instances
//
// Instances that share the StateStore, the LinkStore and the StateKey serve
// any link and any return trip: the instance that receives the return trip
// exchanges the code with the Client from Config.ClientFor. Wait is
// single-instance: it sees only the return trips that reach its own
// Handler. When the return trip of an in-process link lands on another
// instance, that instance links the device (through its ClientFor) and Wait
// here returns "abandoned" (code 1010) once every state it handed out has
// expired; the token store then tells whether the device is linked.
package login
