// @node-rs/argon2 allocates each hash's 19 MiB with its bundled mimalloc, which keeps freed memory
// in the libuv worker thread that hashed until that thread allocates again: after a burst of
// logins the auth service kept ~80 MB more for good (measured: ValidateToken peak RSS 209 ->
// 279 MB after a login load). Purging freed memory at once returns it to the system, at ~35% more
// time per hash (16 -> 22 ms of a core). mimalloc reads the option when the addon loads, so
// password.ts imports this module before @node-rs/argon2. A value set outside wins.
process.env.MIMALLOC_PURGE_DELAY ??= '0';

export {};
