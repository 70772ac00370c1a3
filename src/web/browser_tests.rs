//! Browser tests: every scenario lives in `tests/web/*.js` and drives the
//! library through its real JS exports in headless Chromium. They sit inside
//! the library crate because only its own test binary carries its
//! `#[wasm_bindgen]` exports (`Session`, `pickFreshestJwt`) for JS to import.
#![allow(clippy::panic)]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Declares each JS scenario and a `#[wasm_bindgen_test]` that awaits it.
macro_rules! scenarios {
    ($module:literal => $($name:ident),* $(,)?) => {
        mod js {
            use wasm_bindgen::prelude::*;
            #[wasm_bindgen(module = $module)]
            extern "C" {
                $(
                    #[wasm_bindgen(catch)]
                    pub async fn $name() -> Result<(), JsValue>;
                )*
            }
        }
        $(
            #[wasm_bindgen_test]
            async fn $name() {
                let result = js::$name().await;
                // Drained whatever the outcome, so that what a failing test
                // left behind is reported with it, not with the next test.
                let uncaught = super::page_errors().await;
                if let Err(e) = result {
                    panic!("{}\nthe page reported:\n{uncaught}", describe(&e));
                }
                assert!(uncaught.is_empty(), "the page reported:\n{uncaught}");
            }
        )*
    };
}

#[wasm_bindgen(module = "/tests/web/harness.js")]
extern "C" {
    /// Uncaught errors and unhandled rejections since the last call.
    #[wasm_bindgen(js_name = pageErrors)]
    async fn page_errors_js() -> JsValue;
}

/// What the page reported uncaught while the last test ran: every test
/// fails on an uncaught error or an unhandled rejection (SPEC 5).
async fn page_errors() -> String {
    page_errors_js().await.as_string().unwrap_or_default()
}

/// Bytes of this module's linear memory: the scenarios that bound what is
/// copied into it read this before and after.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

/// The source of `@sinonjs/fake-timers` (CommonJS, evaluated by the
/// scenario that needs it): the page has no bundler to load it otherwise.
#[wasm_bindgen(js_name = fakeTimersSource)]
pub fn fake_timers_source() -> String {
    include_str!("../../node_modules/@sinonjs/fake-timers/src/fake-timers-src.js").to_owned()
}

fn describe(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"stack".into())
        .ok()
        .and_then(|s| s.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

mod pick {
    use super::*;
    scenarios!("/tests/web/pick.js" => pick_freshest_follows_the_decision_table);
}

// Also makes wasm-bindgen ship harness.js, which every scenario imports.
mod harness {
    use super::*;
    scenarios!("/tests/web/harness.js" => harness_fake_clock_fires_timers_in_order);
}

mod session {
    use super::*;
    scenarios!("/tests/web/session.js" => row1_fresh_token_is_served_without_a_request,
        row2_stale_token_is_served_and_refreshed_once_in_background,
        a_hit_served_again_stops_at_the_window_and_at_a_step_back,
        row3_refresh_if_stale_waits_for_a_fresh_token,
        row4_no_servable_token_waits_for_one_fetch,
        row5_hundred_concurrent_calls_share_one_request,
        different_keys_never_share_a_fetch,
        request_format_matches_the_contract,
        credentials_option_is_passed_to_fetch,
        skip_cache_caller_gets_its_own_token_and_cache_stays_monotonic,
        server_error_then_success_is_retried,
        unauthenticated_rejects_and_evicts,
        rate_limited_is_not_retried_before_retry_after,
        non_json_body_is_an_invalid_response,
        network_errors_reject_with_network_error_after_retries,
        hostile_fetch_results_are_network_errors_and_real_ones_still_work,
        a_failure_never_evicts_a_servable_token,
        on_token_update_reports_each_source,
        a_throwing_listener_does_not_stop_the_others,
        malformed_channel_messages_are_ignored_and_a_valid_one_is_adopted,
        page_events_reach_the_core_until_dispose,
        a_listener_subscribed_twice_is_called_twice_until_each_unsubscribes,
        listener_may_call_back_into_the_session,
        background_refresh_runs_on_schedule_without_calls,
        hydrated_token_is_served_and_sent_as_previous,
        offline_fails_at_once_without_a_request,
        dispose_rejects_pending_and_later_calls_and_clears_timers,
        clear_cache_forgets_tokens,
        invalid_options_throw_session_errors_naming_the_field,
        cache_hit_resolves_in_one_microtask,
        a_page_clock_five_minutes_ahead_neither_loops_nor_serves_expired_tokens,
        a_page_clock_five_minutes_behind_never_serves_late,
        a_throwing_post_message_never_touches_the_cache,
        huge_bodies_and_messages_are_not_copied_into_wasm_memory,
        an_options_getter_that_calls_the_session_keeps_each_calls_options,
        options_are_read_by_name_from_objects_of_every_shape,
        sinon_fake_timers_installed_after_load_drive_the_refresh_timer,
        poll_interval_zero_still_refreshes_at_the_deadline
    );
}

mod beyond {
    use super::*;
    scenarios!("/tests/web/beyond.js" => get_token_info_gives_the_expiry_on_the_page_clock,
        expires_at_moves_with_a_skewed_page_clock,
        fetch_with_auth_sends_the_bearer_and_keeps_everything_else,
        fetch_with_auth_retries_a_401_once_with_a_token_from_origin,
        fetch_with_auth_replays_a_request_input_and_not_a_stream_body,
        fetch_with_auth_does_not_resend_with_the_same_token,
        fetch_with_auth_rejects_as_the_token_or_the_api_failed,
        a_401_ends_the_session_for_good,
        each_request_is_one_refresh_event_and_none_carries_a_token
    );
}

mod time {
    use super::*;
    scenarios!("/tests/web/time.js" => every_request_carries_a_signal_aborted_once_its_flight_ends,
        clear_cache_and_dispose_abort_what_nobody_waits_for,
        a_clock_set_back_an_hour_postpones_no_retry_and_no_timeout,
        a_peek_after_the_clock_is_set_back_starts_the_request_that_bounds_it,
        a_snapshot_read_after_the_clock_is_set_back_starts_the_request_that_bounds_it
    );
}

mod hostile {
    use super::*;
    scenarios!("/tests/web/hostile.js" => a_body_nested_9000_deep_is_an_invalid_response_and_the_session_lives_on,
        a_last_active_token_of_another_session_is_ignored
    );
}

mod tabs {
    use super::*;
    scenarios!("/tests/web/tabs.js" => a_second_session_gets_its_first_token_from_the_first_with_no_request,
        a_session_alone_asks_no_one_for_long,
        a_session_on_another_channel_holds_no_lone_session_back,
        an_organisation_switch_is_not_held_back_by_the_session_it_replaces,
        a_session_that_has_nothing_answers_so_and_the_request_goes_at_once,
        a_401_in_one_session_ends_the_other_at_once,
        messages_on_the_own_channel_that_are_not_ours_change_nothing,
        the_presence_lock_is_let_go_on_pagehide_and_taken_again_on_pageshow
    );
}

mod rules {
    use super::*;
    scenarios!("/tests/web/rules.js" => a_page_that_becomes_visible_rechecks_at_once,
        a_refresh_beyond_what_set_timeout_holds_is_re_armed_not_taken_as_due,
        the_end_of_a_session_never_goes_on_the_clerk_channel,
        broadcast_channel_null_turns_off_the_library_s_own_channel_too
    );
}

mod bounded {
    use super::*;
    scenarios!("/tests/web/bounded.js" => a_signal_ends_a_wait_with_its_reason_and_the_request_goes_on_for_others,
        every_call_is_bounded_by_the_sessions_timeout,
        fetch_with_auth_bounds_its_token_wait_with_the_requests_signal,
        only_a_real_abort_signal_is_taken_and_only_an_abort_ends_a_call,
        a_session_let_go_of_while_a_call_waits_still_answers_it,
        nothing_starts_after_a_fetch_that_disposes_the_session,
        many_calls_refused_401_share_one_refresh,
        the_snapshot_is_one_frozen_object_until_it_changes,
        a_page_that_fails_at_load_recovers_with_no_new_call,
        errors_say_where_and_why
    );
}

mod json {
    use super::*;
    scenarios!("/tests/web/json.js" => the_browser_json_path_reads_jwts_and_responses_as_serde_json_does);
}

/// The JSON path the module uses (`JSON.parse` read with
/// serde-wasm-bindgen), over generated inputs near valid ones: it never
/// panics, and whatever serde_json (the host path) decodes, it decodes the
/// same. It may accept more than serde_json: duplicate keys (the last wins,
/// as in JS), numbers out of range (absent), deeper nesting.
#[wasm_bindgen(js_name = fuzzJsonPaths)]
pub fn fuzz_json_paths(seed: u32, inputs: u32) -> String {
    use crate::core::{interpret, FetchOutcome};
    use crate::core::{Jwt, SerdeJson, ServerTime};
    use crate::web::json::BrowserJson;

    let mut gen = fuzz::Gen::new(u64::from(seed));
    let (mut agreed, mut host_rejected) = (0, 0);
    for _ in 0..inputs {
        let raw = gen.jwt();
        match (
            Jwt::decode(&raw, &SerdeJson),
            Jwt::decode(&raw, &BrowserJson),
        ) {
            (Ok(host), Ok(browser)) if host == browser => agreed += 1,
            (Ok(host), browser) => {
                return format!("JWT decoded differently: {host:?} vs {browser:?}");
            }
            (Err(_), _) => host_rejected += 1,
        }
        let body = gen.body();
        let outcome = || FetchOutcome::Response {
            status: 200,
            retry_after: None,
            body: body.clone(),
        };
        let url = "https://f.test/v1/client/sessions/sess_1/tokens";
        let host = interpret(outcome(), url, "sess_1", ServerTime(1e9), &SerdeJson);
        let browser = interpret(outcome(), url, "sess_1", ServerTime(1e9), &BrowserJson);
        if let Ok(host) = host {
            if browser.as_ref().ok() != Some(&host) {
                return format!("response read differently: {host:?} vs {browser:?}");
            }
        }
    }
    format!("ok {agreed} {host_rejected}")
}

#[path = "../../tests/fuzz/gen.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod fuzz;
