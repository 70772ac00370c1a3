//! The page's state and its changes: online, visible, Web Locks available.
//! page.js reads them and holds the event listeners.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/page.js")]
extern "C" {
    #[wasm_bindgen(js_name = pageState)]
    fn page_state() -> u32;
    #[wasm_bindgen(js_name = watchPage)]
    fn watch_page(on_event: &Closure<dyn Fn(JsValue)>) -> Function;
}

/// The page as it is now.
pub(crate) struct PageState {
    pub online: bool,
    pub visible: bool,
    pub web_locks: bool,
}

pub(crate) fn state() -> PageState {
    let bits = page_state();
    PageState {
        online: bits & 1 != 0,
        visible: bits & 2 != 0,
        web_locks: bits & 4 != 0,
    }
}

/// A change of the page.
pub(crate) enum PageEvent {
    Visible(bool),
    /// Focus or pageshow: a hidden tab's timers may have run late.
    Woken,
    Online(bool),
}

/// Page events delivered to a callback until dropped.
pub(crate) struct PageWatch {
    stop: Function,
    _on_event: Closure<dyn Fn(JsValue)>,
}

impl PageWatch {
    pub fn new(on_event: impl Fn(PageEvent) + 'static) -> PageWatch {
        let on_event = Closure::<dyn Fn(JsValue)>::new(move |code: JsValue| {
            let event = match code.as_f64() {
                Some(0.0) => PageEvent::Visible(false),
                Some(1.0) => PageEvent::Visible(true),
                Some(3.0) => PageEvent::Online(true),
                Some(4.0) => PageEvent::Online(false),
                _ => PageEvent::Woken,
            };
            on_event(event);
        });
        PageWatch {
            stop: watch_page(&on_event),
            _on_event: on_event,
        }
    }
}

impl Drop for PageWatch {
    fn drop(&mut self) {
        let _ = self.stop.call0(&JsValue::UNDEFINED);
    }
}
