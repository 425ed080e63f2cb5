package filestore

// SetWriteHook makes every write of the token file call fn at each stage
// named in testHookWrite's documentation. Only the crash tests' child
// processes call it, before any Store is used.
func SetWriteHook(fn func(stage string)) { testHookWrite = fn }
