//! The global allocator of the wasm build.

/// Talc rather than std's dlmalloc: a third of the size on wasm, and faster.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
