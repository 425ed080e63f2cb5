package login

// EndedLen returns how many ended logins h keeps for Wait.
func EndedLen(h *Handler) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ended)
}
