package sns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"
)

const (
	// MaxBodyBytes caps a request body: SNS messages are at most 256 KiB,
	// and JSON escaping in the envelope can double that.
	MaxBodyBytes = 1 << 20
	// DefaultTimeout bounds the callback, and a subscription's
	// confirmation, below the 15 s SNS waits for an answer.
	DefaultTimeout = 10 * time.Second
	// maxTimeout is the longest Timeout accepted.
	maxTimeout = 14 * time.Second
)

// Config configures a [Handler]. TopicARNs, ClientID and OnNotification
// are required.
type Config struct {
	// TopicARNs are the SNS topics accepted. Any AWS account can
	// subscribe an endpoint to its own topic, so a valid signature alone
	// proves nothing: every other topic is refused (403), nothing fetched.
	TopicARNs []string
	// ClientID is the security profile's LWA client ID; a notification
	// naming another one in notificationInfo.lwaClientId is refused (403).
	ClientID string
	// OnNotification is called, synchronously, once per DRS notification,
	// with a context that ends after Timeout. An error, or a context done
	// before it returns, answers 500 so that SNS sends the message again.
	OnNotification func(ctx context.Context, n *Notification) error
	// Verifier checks signatures; nil means a zero Verifier (Amazon's
	// certificates). Tests and the emulator set Certs to
	// [TrustCertificate].
	Verifier *Verifier
	// Dedupe remembers handled MessageIds; nil means a [MemoryDedupe]
	// with its defaults.
	Dedupe Dedupe
	// HTTPClient GETs SubscribeURLs; nil means a client of the Handler's
	// own. Redirects are never followed.
	HTTPClient *http.Client
	// Timeout bounds OnNotification and a confirmation; 0 means
	// DefaultTimeout. At most 14 s.
	Timeout time.Duration
	// Logger receives one line per refused or failed message; nil
	// discards them.
	Logger *slog.Logger
}

// Handler is an http.Handler for the HTTP(S) endpoint of SNS subscriptions
// carrying DRS notifications. It answers:
//   - 200: a notification handled (or a duplicate), a subscription
//     confirmed, an unsubscription noted;
//   - 400: not an SNS message (e.g. raw message delivery) or a DRS
//     notification it cannot read; 405: not a POST; 413: over MaxBodyBytes;
//   - 403: a topic not configured, a bad signature, another client ID;
//   - 500: the callback failed or timed out, or still runs for an earlier
//     delivery of the same message; 502: SNS refused the
//     confirmation; 503: the signing certificate could not be fetched.
//
// Statuses 200-4xx tell SNS not to retry; 5xx make it retry.
type Handler struct {
	cfg     Config
	client  *http.Client
	log     *slog.Logger
	timeout time.Duration

	mu       sync.Mutex
	inFlight map[string]bool // MessageIds whose callback is running
}

// NewHandler returns a Handler for cfg.
func NewHandler(cfg Config) (*Handler, error) {
	switch {
	case len(cfg.TopicARNs) == 0:
		return nil, errors.New("sns: Config.TopicARNs is empty")
	case slices.Contains(cfg.TopicARNs, ""):
		return nil, errors.New("sns: Config.TopicARNs holds an empty ARN")
	case cfg.ClientID == "":
		return nil, errors.New("sns: Config.ClientID is empty")
	case cfg.OnNotification == nil:
		return nil, errors.New("sns: Config.OnNotification is nil")
	case cfg.Timeout < 0 || cfg.Timeout > maxTimeout:
		return nil, fmt.Errorf("sns: Config.Timeout %s is not between 0 and %s", cfg.Timeout, maxTimeout)
	}
	cfg.TopicARNs = slices.Clone(cfg.TopicARNs)
	if cfg.Verifier == nil {
		cfg.Verifier = &Verifier{}
	}
	if cfg.Dedupe == nil {
		cfg.Dedupe = NewMemoryDedupe(0, 0, nil)
	}
	h := &Handler{cfg: cfg, timeout: cfg.Timeout, log: cfg.Logger, inFlight: make(map[string]bool)}
	if h.timeout == 0 {
		h.timeout = DefaultTimeout
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.client = &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		h.client = &c
	}
	h.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return h, nil
}

// ServeHTTP handles one POST from SNS.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, r, nil, http.StatusMethodNotAllowed, errors.New("sns: method is not POST"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.answer(w, r, nil, http.StatusRequestEntityTooLarge, fmt.Errorf("sns: body over %d bytes", MaxBodyBytes))
			return
		}
		h.answer(w, r, nil, http.StatusBadRequest, fmt.Errorf("sns: reading body: %w", err))
		return
	}
	// One deadline for the whole answer: certificate, confirmation, callback.
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	status, m, err := h.handle(ctx, r, body)
	h.answer(w, r, m, status, err)
}

// handle does the work of ServeHTTP and says what to answer.
func (h *Handler) handle(ctx context.Context, r *http.Request, body []byte) (int, *Message, error) {
	if r.Header.Get("x-amz-sns-rawdelivery") == "true" {
		return http.StatusBadRequest, nil, ErrRawDelivery
	}
	m, err := ParseMessage(body)
	if err != nil {
		return http.StatusBadRequest, nil, err
	}
	if t := r.Header.Get("x-amz-sns-message-type"); t != "" && t != m.Type {
		return http.StatusBadRequest, m, fmt.Errorf("sns: x-amz-sns-message-type %q differs from Type %q", clip(t), m.Type)
	}
	// The topic first: a message from a foreign topic fetches nothing.
	if !slices.Contains(h.cfg.TopicARNs, m.TopicARN) {
		return http.StatusForbidden, m, fmt.Errorf("sns: TopicArn %q is not accepted", clip(m.TopicARN))
	}
	if err := h.cfg.Verifier.Verify(ctx, m); err != nil {
		if errors.Is(err, ErrCertUnavailable) {
			return http.StatusServiceUnavailable, m, err
		}
		return http.StatusForbidden, m, err
	}
	switch m.Type {
	case TypeSubscriptionConfirmation:
		return h.confirm(ctx, m)
	case TypeUnsubscribeConfirmation:
		h.log.Info("sns: unsubscribed", "topic", m.TopicARN, "messageId", m.MessageID)
		return http.StatusOK, m, nil
	}
	return h.notify(ctx, m)
}

// confirm GETs the SubscribeURL of a verified confirmation.
func (h *Handler) confirm(ctx context.Context, m *Message) (int, *Message, error) {
	if err := CheckSubscribeURL(m.SubscribeURL); err != nil {
		return http.StatusForbidden, m, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.SubscribeURL, nil)
	if err != nil {
		return http.StatusForbidden, m, fmt.Errorf("sns: SubscribeURL: %w", err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return http.StatusBadGateway, m, fmt.Errorf("sns: confirming the subscription: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return http.StatusBadGateway, m, fmt.Errorf("sns: confirming the subscription: SNS answered %s", resp.Status)
	}
	h.log.Info("sns: subscription confirmed", "topic", m.TopicARN)
	return http.StatusOK, m, nil
}

// notify reports a verified notification once.
func (h *Handler) notify(ctx context.Context, m *Message) (int, *Message, error) {
	// A retry arriving while the first delivery's callback still runs
	// (it overran SNS's 15 s) waits for a later retry.
	if !h.claim(m.MessageID) {
		return http.StatusInternalServerError, m, fmt.Errorf("sns: message %s is being handled", clip(m.MessageID))
	}
	defer h.release(m.MessageID)
	seen, err := h.cfg.Dedupe.Seen(ctx, m.MessageID)
	if err != nil {
		return http.StatusInternalServerError, m, fmt.Errorf("sns: dedupe: %w", err)
	}
	if seen {
		h.log.Debug("sns: duplicate message", "messageId", m.MessageID)
		return http.StatusOK, m, nil
	}
	n, err := ParseNotification(m)
	if err != nil {
		return http.StatusBadRequest, m, err
	}
	if n.ClientID != h.cfg.ClientID {
		return http.StatusForbidden, m, fmt.Errorf("sns: notification for lwaClientId %q, not this client's", clip(n.ClientID))
	}
	err = h.cfg.OnNotification(ctx, n)
	if err == nil {
		err = ctx.Err() // returned after its deadline: SNS may have given up
	}
	if err != nil {
		return http.StatusInternalServerError, m, fmt.Errorf("sns: %s %s: callback: %w", n.Type, m.MessageID, err)
	}
	if err := h.cfg.Dedupe.Mark(ctx, m.MessageID); err != nil {
		// Handled: answering 500 would apply it twice. Log only.
		h.log.Error("sns: dedupe: marking a handled message", "messageId", m.MessageID, "err", err)
	}
	return http.StatusOK, m, nil
}

func (h *Handler) claim(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inFlight[id] {
		return false
	}
	h.inFlight[id] = true
	return true
}

func (h *Handler) release(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.inFlight, id)
}

// answer writes status with err's text (or "OK") and logs failures.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, m *Message, status int, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err == nil {
		_, _ = io.WriteString(w, "OK\n")
		return
	}
	attrs := []any{"status", status, "remote", r.RemoteAddr, "err", err}
	if m != nil {
		attrs = append(attrs, "type", m.Type, "messageId", clip(m.MessageID))
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	h.log.Log(r.Context(), level, "sns: message refused", attrs...)
	_, _ = io.WriteString(w, err.Error()+"\n")
}
