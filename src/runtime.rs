//! What the `no_std` wasm build must provide for itself. std is left out of
//! it because its panic machinery formats messages nobody reads (a panic here
//! aborts anyway) and, with the allocator it brings, was a fifth of the
//! module. Host builds and the browser tests keep std.

/// Talc instead of std's dlmalloc: a third of the size, and faster.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Without std a panic handler is ours to give. The code never panics on
/// input (clippy denies unwrap, expect and panic); what remains are bounds
/// checks the compiler could not prove away, and a trap is all a wasm
/// module can do with those.
#[cfg(not(test))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
